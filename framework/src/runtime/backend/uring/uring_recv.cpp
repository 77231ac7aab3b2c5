// The io_uring receive path: multishot recv into a provided-buffer ring.
#include "uring_backend.hpp"

#include "../errors.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <new>
#include <system_error>
#include <vector>

namespace weft::detail::backend {
namespace {

constexpr unsigned kBufferCount = 512;           // a power of two
constexpr std::uint32_t kBufferSize = 16 * 1024;
constexpr std::uint16_t kBufferGroup = 0;
// Above this many unread bytes a socket's recv is cancelled, so one slow reader
// cannot drain the shared buffer ring; it is re-armed when the reader catches up.
constexpr std::size_t kMaxQueuedBytes = 4 * kBufferSize;
constexpr std::size_t kMaxQueuedBuffers = 4;

// Bytes, an end or an error that a read would take without asking the kernel.
bool received(const UringObject& object) noexcept {
  return object.holds_bytes() || !object.chunks.empty() || object.sticky != 1;
}

}  // namespace

void UringBackend::setup_buffers() {
  ring_bytes_ = kBufferCount * sizeof(io_uring_buf);
  void* ring_memory = nullptr;
  if (posix_memalign(&ring_memory, 4096, ring_bytes_) != 0) throw std::bad_alloc();
  buffer_ring_ = static_cast<io_uring_buf_ring*>(ring_memory);
  void* buffer_memory = nullptr;
  if (posix_memalign(&buffer_memory, 4096, std::size_t{kBufferCount} * kBufferSize) != 0) throw std::bad_alloc();
  buffers_ = static_cast<std::byte*>(buffer_memory);

  io_uring_buf_reg reg{};
  reg.ring_addr = reinterpret_cast<std::uintptr_t>(buffer_ring_);
  reg.ring_entries = kBufferCount;
  reg.bgid = kBufferGroup;
  const int result = io_uring_register_buf_ring(&ring_, &reg, 0);
  if (result < 0) throw std::system_error(-result, std::generic_category(), "io_uring_register_buf_ring");
  io_uring_buf_ring_init(buffer_ring_);
  for (unsigned i = 0; i < kBufferCount; ++i) {
    io_uring_buf_ring_add(buffer_ring_, buffers_ + std::size_t{i} * kBufferSize, kBufferSize,
                          static_cast<unsigned short>(i), io_uring_buf_ring_mask(kBufferCount), static_cast<int>(i));
  }
  io_uring_buf_ring_advance(buffer_ring_, kBufferCount);
  free_buffers_ = kBufferCount;
}

void UringBackend::give_back(std::uint16_t buffer) noexcept {
  io_uring_buf_ring_add(buffer_ring_, buffers_ + std::size_t{buffer} * kBufferSize, kBufferSize, buffer,
                        io_uring_buf_ring_mask(kBufferCount), 0);
  io_uring_buf_ring_advance(buffer_ring_, 1);
  ++free_buffers_;
}

void UringBackend::drop_chunks(UringObject& object) noexcept {
  for (const auto& chunk : object.chunks) give_back(chunk.buffer);
  object.chunks.clear();
  object.queued_bytes = 0;
}

void UringBackend::arm_recv(UringObject& object) noexcept {
  io_uring_sqe* sqe = next_sqe();
  io_uring_prep_recv_multishot(sqe, object.fd, nullptr, 0, 0);
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = kBufferGroup;
  set_data(sqe, &object, kRecv);
  object.recv_armed = true;
  ++object.pending;
}

void UringBackend::rearm_starved() noexcept {
  while (!starved_.empty() && free_buffers_ > 0) {
    UringObject* object = starved_.back();
    starved_.pop_back();
    object->starved = false;
    if (object->reader != nullptr && !object->recv_armed) arm_recv(*object);
  }
}

void UringBackend::copy_out(UringObject& object, Operation& op) noexcept {
  std::size_t copied = 0;
  auto* out = static_cast<std::byte*>(op.args.read.buffer);
  std::size_t used = 0;
  for (auto& chunk : object.chunks) {
    if (copied == op.args.read.length) break;
    const std::size_t take = std::min<std::size_t>(chunk.length - chunk.offset, op.args.read.length - copied);
    std::memcpy(out + copied, buffers_ + std::size_t{chunk.buffer} * kBufferSize + chunk.offset, take);
    copied += take;
    chunk.offset += static_cast<std::uint32_t>(take);
    if (chunk.offset == chunk.length) {
      give_back(chunk.buffer);
      ++used;
    }
  }
  object.chunks.erase(object.chunks.begin(), object.chunks.begin() + static_cast<std::ptrdiff_t>(used));
  object.queued_bytes -= copied;
  op.result = static_cast<int>(copied);
}

bool UringBackend::try_read(Operation& op) noexcept {
  auto& object = static_cast<UringObject&>(*op.object);
  op.kind = OpKind::read;
  if (take_given_back(op)) return true;
  if (!object.chunks.empty()) {
    copy_out(object, op);
    return true;
  }
  if (object.sticky != 1) {
    // As with recv(2): end of stream stays; an error is reported once, then reads
    // see the end of the stream.
    op.result = object.sticky;
    if (object.sticky < 0) object.sticky = 0;
    return true;
  }
  return false;
}

bool UringBackend::start_read(Operation& op) {
  if (try_read(op)) return true;
  park_reader(static_cast<UringObject&>(*op.object), op);
  return false;
}

bool UringBackend::start_readable(Operation& op) {
  auto& object = static_cast<UringObject&>(*op.object);
  op.kind = OpKind::readable;
  if (received(object)) {
    op.result = 0;  // the read that follows takes the bytes, the end or the error
    return true;
  }
  // A readable watch is how a parked connection waits, holding nothing else: the chunk
  // list it no longer needs goes back to the heap. A busy connection's waits keep it
  // (freed, each request's first chunk would allocate it again).
  if (op.notify != nullptr) std::vector<UringObject::Chunk>().swap(object.chunks);
  park_reader(object, op);
  return false;
}

// What the armed recv has already taken; with no recv armed, bytes wait in the socket.
bool UringBackend::input_pending(IoObject& io_object) noexcept {
  auto& object = static_cast<UringObject&>(io_object);
  return received(object) || (!object.recv_armed && readable_now(object.fd));
}

void UringBackend::park_reader(UringObject& object, Operation& op) noexcept {
  object.reader = &op;
  if (!object.recv_armed) {
    if (free_buffers_ != 0) {
      arm_recv(object);
    } else if (!object.starved) {  // already listed when an earlier wait starved
      object.starved = true;
      starved_.push_back(&object);
    }
  }
}

void UringBackend::on_recv(UringObject& object, int result, std::uint32_t flags) noexcept {
  const bool more = (flags & IORING_CQE_F_MORE) != 0;
  if (!more) {
    object.recv_armed = false;
    object.recv_cancelling = false;
    --object.pending;
  }
  if (result > 0) {
    const auto buffer = static_cast<std::uint16_t>(flags >> IORING_CQE_BUFFER_SHIFT);
    --free_buffers_;
    if (object.closing) {
      give_back(buffer);
    } else {
      object.chunks.push_back({buffer, static_cast<std::uint32_t>(result), 0});
      object.queued_bytes += static_cast<std::size_t>(result);
    }
  } else if (result == 0) {
    object.sticky = 0;
  } else if (result == -ENOBUFS) {
    // The ring ran dry: re-arm once a buffer is back (rearm_starved).
    if (!object.closing && !object.starved) {
      object.starved = true;
      starved_.push_back(&object);
    }
  } else if (result != -ECANCELED) {
    object.sticky = result;
  }
  if (object.closing) {
    settle(object);
    return;
  }
  if (object.reader != nullptr) {
    Operation& op = *object.reader;
    if (op.kind == OpKind::readable && (!object.chunks.empty() || object.sticky != 1)) {
      object.reader = nullptr;
      complete(reactor_, op, 0);  // readiness only: chunks, end and error stay for the read
    } else if (!object.chunks.empty()) {
      object.reader = nullptr;
      copy_out(object, op);
      complete(reactor_, op, op.result);
    } else if (object.sticky != 1) {
      object.reader = nullptr;
      const int result = object.sticky;
      if (object.sticky < 0) object.sticky = 0;
      complete(reactor_, op, result);
    } else if (!object.recv_armed && !object.starved) {
      arm_recv(object);  // ended by our own backpressure cancel, with a reader waiting
    }
  }
  // Counted in buffers as well as bytes: each completion holds a whole buffer however
  // few bytes it carries, so a trickle of one-byte segments must also stop the recv.
  if (object.recv_armed && !object.recv_cancelling &&
      (object.queued_bytes > kMaxQueuedBytes || object.chunks.size() >= kMaxQueuedBuffers)) {
    io_uring_sqe* sqe = next_sqe();
    io_uring_prep_cancel64(sqe, reinterpret_cast<std::uintptr_t>(&object) | kRecv, 0);
    set_data(sqe, nullptr, kIgnore);
    object.recv_cancelling = true;
  }
}

}  // namespace weft::detail::backend
