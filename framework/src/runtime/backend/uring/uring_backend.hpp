// The io_uring backend. One ring per reactor, set up single-issuer with deferred task
// running where the kernel has it; everything queued in a loop iteration goes to the
// kernel in one io_uring_enter.
//
// - Reads: one multishot recv per socket into a per-reactor provided-buffer ring.
//   Received chunks queue on the socket until a reader takes them, so cancelling a
//   read loses no byte (the kernel never writes into the reader's memory) and an idle
//   socket holds no buffer. A readable op parks like a read and completes when chunks
//   or the end arrive, taking nothing. A socket that queues too much has its recv
//   cancelled and re-armed once drained; a socket that hit an empty buffer ring waits
//   until a buffer comes back.
// - Accepts: one multishot accept per listener; accepted fds queue the same way.
// - Sends and connects: one SQE each, cancelled with ASYNC_CANCEL; the operation
//   completes only when its own CQE arrives, so its memory is never in use after.
#pragma once

#include "../backend.hpp"

#include <liburing.h>

#include <cstdint>
#include <vector>

namespace weft::detail::backend {

struct UringObject : IoObject {
  struct Chunk {
    std::uint16_t buffer;
    std::uint32_t length;
    std::uint32_t offset;
  };
  std::vector<Chunk> chunks;        // received, not yet read
  std::size_t queued_bytes = 0;
  int sticky = 1;                   // 0: end of stream; < 0: error; 1: none
  unsigned pending = 0;             // SQEs whose final CQE has not arrived
  bool recv_armed = false;
  bool recv_cancelling = false;
  bool accept_armed = false;
  bool starved = false;             // waits for a free buffer to re-arm its recv
  bool closing = false;
};

class UringBackend final : public IoBackend {
 public:
  UringBackend(Reactor& reactor, int wake_fd);
  ~UringBackend() override;

  Backend kind() const noexcept override { return Backend::io_uring; }
  IoObject* attach(int fd) override;
  void close(IoObject* object) noexcept override;
  bool start_read(Operation& op) override;
  bool start_write(WriteOperation& op) override;
  bool start_accept(Operation& op) override;
  bool start_connect(Operation& op) override;
  bool start_readable(Operation& op) override;
  bool try_read(Operation& op) noexcept override;
  bool try_write(WriteOperation& op) noexcept override;
  bool input_pending(IoObject& object) noexcept override;
  void cancel(Operation& op) noexcept override;
  bool closing() const noexcept override { return closes_in_flight_ > 0; }
  bool poll(std::optional<std::chrono::nanoseconds> timeout) override;

 private:
  enum Tag : std::uintptr_t { kIgnore = 0, kOp = 1, kRecv = 2, kAccept = 3, kWake = 4, kClosed = 5 };
  static constexpr std::uintptr_t kTagMask = 7;

  io_uring_sqe* next_sqe() noexcept;
  void set_data(io_uring_sqe* sqe, void* pointer, Tag tag) noexcept;
  void dispatch(const io_uring_cqe& cqe) noexcept;
  void arm_wake() noexcept;

  // Receive path (uring_recv.cpp).
  void setup_buffers();
  void arm_recv(UringObject& object) noexcept;
  void park_reader(UringObject& object, Operation& op) noexcept;  // and arm the recv
  void on_recv(UringObject& object, int result, std::uint32_t flags) noexcept;
  void copy_out(UringObject& object, Operation& op) noexcept;
  void give_back(std::uint16_t buffer) noexcept;
  void rearm_starved() noexcept;
  void drop_chunks(UringObject& object) noexcept;

  // Accept path (uring_accept.cpp).
  void arm_accept(UringObject& object) noexcept;
  void on_accept(UringObject& object, int result, std::uint32_t flags) noexcept;

  // Single-shot operations (uring_send.cpp).
  void on_op(Operation& op, int result) noexcept;

  void settle(UringObject& object) noexcept;  // frees a closing object with nothing pending

  Reactor& reactor_;
  io_uring ring_{};
  int wake_fd_;
  std::uint64_t wake_value_ = 0;

  io_uring_buf_ring* buffer_ring_ = nullptr;
  std::byte* buffers_ = nullptr;
  std::size_t ring_bytes_ = 0;
  unsigned free_buffers_ = 0;
  unsigned closes_in_flight_ = 0;  // close SQEs whose CQE has not arrived
  std::vector<UringObject*> starved_;
};

}  // namespace weft::detail::backend
