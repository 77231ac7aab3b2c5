// The epoll backend: every fd is registered once, edge-triggered, for input and
// output. An operation first tries its syscall at once (most reads and writes on a
// busy connection succeed without waiting); on EAGAIN it parks on its object and is
// retried when epoll reports the fd ready. Results and errors are the syscalls' own,
// which are the ones io_uring reports too.
#pragma once

#include "../backend.hpp"

#include <sys/epoll.h>

#include <array>

namespace weft::detail::backend {

struct EpollObject : IoObject {
  // EPOLLOUT is watched only once a write or connect had to wait: a socket that can
  // always write would otherwise report an output edge for every ACK.
  bool watching_output = false;
  // False after a read found the socket drained (EAGAIN, or fewer bytes than asked),
  // or a readable op found it empty: the next read then waits for the input edge
  // instead of paying for a recv that would fail. Any new data raises an edge, so
  // nothing is missed.
  bool maybe_readable = true;
  // Set once epoll reported the peer's FIN, a hang-up or an error. No edge follows
  // those, so from then on a short read no longer means the socket is drained: the
  // end of stream (or the error) is still to be read.
  bool input_closed = false;
};

/// After a successful read: a short one most likely emptied the socket (end of stream,
/// 0, stays readable so the next read sees it again; so does a socket whose FIN has
/// come, since its end of stream raises no further edge). A readable op leaves the flag
/// set: it consumed nothing, so the read that follows must try recv at once.
inline void note_read(Operation& op) noexcept {
  auto& object = *static_cast<EpollObject*>(op.object);
  if (op.kind == OpKind::read && op.result > 0 && static_cast<std::size_t>(op.result) < op.args.read.length &&
      !object.input_closed) {
    object.maybe_readable = false;
  }
}

class EpollBackend final : public IoBackend {
 public:
  EpollBackend(Reactor& reactor, int wake_fd);
  ~EpollBackend() override;

  Backend kind() const noexcept override { return Backend::epoll; }
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
  bool poll(std::optional<std::chrono::nanoseconds> timeout) override;

 private:
  /// Runs the syscall of `op` once: true when it finished (op.result set), false on EAGAIN.
  static bool attempt(Operation& op) noexcept;
  void on_ready(IoObject& object, std::uint32_t events) noexcept;
  void retry(Operation*& parked) noexcept;
  void watch_output(IoObject& object) noexcept;

  Reactor& reactor_;
  int epoll_fd_ = -1;
  int wake_fd_;
  std::array<epoll_event, 256> events_{};
};

}  // namespace weft::detail::backend
