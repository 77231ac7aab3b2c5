// The io_uring backend's ring: set-up, submission, waiting, dispatch, close, cancel.
#include "uring_backend.hpp"

#include "../errors.hpp"

#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <utility>

namespace weft::detail::backend {
namespace {

constexpr unsigned kSubmissionEntries = 1024;
constexpr unsigned kCompletionEntries = 8192;

int init_ring(io_uring& ring) {
  io_uring_params params{};
  params.cq_entries = kCompletionEntries;
  params.flags = IORING_SETUP_CQSIZE | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |
                 IORING_SETUP_TASKRUN_FLAG;
  int result = io_uring_queue_init_params(kSubmissionEntries, &ring, &params);
  if (result == -EINVAL) {
    // Kernels before 6.1 lack deferred task running: take cooperative task running.
    params = {};
    params.cq_entries = kCompletionEntries;
    params.flags = IORING_SETUP_CQSIZE | IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG;
    result = io_uring_queue_init_params(kSubmissionEntries, &ring, &params);
  }
  return result;
}

}  // namespace

std::unique_ptr<IoBackend> make_uring_backend(Reactor& reactor, int wake_fd) {
  return std::make_unique<UringBackend>(reactor, wake_fd);
}

UringBackend::UringBackend(Reactor& reactor, int wake_fd) : reactor_(reactor), wake_fd_(wake_fd) {
  const int result = init_ring(ring_);
  if (result < 0) throw std::system_error(-result, std::generic_category(), "io_uring_queue_init");
  try {
    setup_buffers();
  } catch (...) {
    io_uring_queue_exit(&ring_);
    throw;
  }
  arm_wake();
}

UringBackend::~UringBackend() {
  io_uring_queue_exit(&ring_);  // the kernel drops whatever is still in flight
  if (buffers_ != nullptr) ::free(buffers_);
  if (buffer_ring_ != nullptr) ::free(buffer_ring_);
}

io_uring_sqe* UringBackend::next_sqe() noexcept {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
  while (sqe == nullptr) {
    io_uring_submit(&ring_);  // the queue is full: hand this batch over now
    sqe = io_uring_get_sqe(&ring_);
  }
  return sqe;
}

void UringBackend::set_data(io_uring_sqe* sqe, void* pointer, Tag tag) noexcept {
  io_uring_sqe_set_data64(sqe, reinterpret_cast<std::uintptr_t>(pointer) | tag);
}

void UringBackend::arm_wake() noexcept {
  io_uring_sqe* sqe = next_sqe();
  io_uring_prep_read(sqe, wake_fd_, &wake_value_, sizeof wake_value_, 0);
  set_data(sqe, nullptr, kWake);
}

IoObject* UringBackend::attach(int fd) {
  auto* object = new UringObject{};
  object->fd = fd;
  return object;
}

void UringBackend::cancel(Operation& op) noexcept {
  if (op.object == nullptr) return;  // completed, and its object may be gone
  auto& object = static_cast<UringObject&>(*op.object);
  if (object.reader == &op) {
    // Reads and accepts wait on the object's queue, not in the kernel: just stop waiting.
    object.reader = nullptr;
    complete(reactor_, op, -ECANCELED);
    return;
  }
  if (op.in_kernel) {
    io_uring_sqe* sqe = next_sqe();
    io_uring_prep_cancel64(sqe, reinterpret_cast<std::uintptr_t>(&op) | kOp, 0);
    set_data(sqe, nullptr, kIgnore);
    return;
  }
  give_back_settled(op);
}

void UringBackend::close(IoObject* base) noexcept {
  auto& object = static_cast<UringObject&>(*base);
  if (object.reader != nullptr) complete(reactor_, *std::exchange(object.reader, nullptr), -ECANCELED);
  object.closing = true;
  forget_object(object);
  drop_chunks(object);
  std::erase(starved_, &object);
  if (object.pending == 0) {
    ::close(object.fd);
    delete &object;
    return;
  }
  // Requests in flight hold the file: cancel them all, then close, in this order.
  io_uring_sqe* cancel = next_sqe();
  io_uring_prep_cancel_fd(cancel, object.fd, IORING_ASYNC_CANCEL_ALL);
  // A hard link: the close must run even when the cancel finds nothing (its -ENOENT
  // would cancel a plain linked close and leak the fd).
  cancel->flags |= IOSQE_IO_HARDLINK;
  set_data(cancel, nullptr, kIgnore);
  io_uring_sqe* close = next_sqe();
  io_uring_prep_close(close, object.fd);
  set_data(close, nullptr, kClosed);
  ++closes_in_flight_;
}

void UringBackend::settle(UringObject& object) noexcept {
  if (object.closing && object.pending == 0) delete &object;
}

void UringBackend::dispatch(const io_uring_cqe& cqe) noexcept {
  const std::uintptr_t data = cqe.user_data;
  void* pointer = reinterpret_cast<void*>(data & ~kTagMask);
  switch (static_cast<Tag>(data & kTagMask)) {
    case kIgnore:
      return;
    case kClosed:
      --closes_in_flight_;
      return;
    case kWake:
      arm_wake();
      return;
    case kOp:
      on_op(*static_cast<Operation*>(pointer), cqe.res);
      return;
    case kRecv:
      on_recv(*static_cast<UringObject*>(pointer), cqe.res, cqe.flags);
      return;
    case kAccept:
      on_accept(*static_cast<UringObject*>(pointer), cqe.res, cqe.flags);
      return;
  }
}

bool UringBackend::poll(std::optional<std::chrono::nanoseconds> timeout) {
  rearm_starved();
  io_uring_cqe* cqe = nullptr;
  int submitted = 0;
  if (!timeout) {
    submitted = io_uring_submit_and_wait(&ring_, 1);
  } else if (timeout->count() == 0) {
    // With TASKRUN_FLAG liburing enters the kernel (to run deferred completions) only
    // when the kernel has flagged work, so this costs no syscall when idle.
    submitted = io_uring_submit(&ring_);
  } else {
    __kernel_timespec ts{};
    ts.tv_sec = timeout->count() / 1'000'000'000;
    ts.tv_nsec = timeout->count() % 1'000'000'000;
    submitted = io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &ts, nullptr);
  }
  // Dispatch may queue new SQEs (re-arms); they go out with the next iteration.
  unsigned head = 0;
  unsigned seen = 0;
  io_uring_for_each_cqe(&ring_, head, cqe) {
    dispatch(*cqe);
    ++seen;
  }
  io_uring_cq_advance(&ring_, seen);
  return submitted > 0 || seen > 0;
}

}  // namespace weft::detail::backend
