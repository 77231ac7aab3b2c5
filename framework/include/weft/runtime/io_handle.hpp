// IoHandle: a socket fd registered with this core's I/O backend. It is the one door
// from the net area to the kernel: TcpStream, TcpListener and Unix sockets are
// built on it, so every byte moves through the same cancellable operations on both
// backends, with the same results and errors.
//
// An IoHandle belongs to the core that created it; use it only from tasks on that
// core, and destroy it before the Runtime. Closing (or destroying) it cancels what
// is pending on it: those waits end with operation_canceled.
#pragma once

#include <weft/core/result.hpp>
#include <weft/core/task.hpp>
#include <weft/runtime/clock.hpp>
#include <weft/runtime/detail/timed_wait.hpp>
#include <weft/runtime/wait_timer.hpp>

#include <cstddef>
#include <span>
#include <system_error>

struct sockaddr;

namespace weft {

namespace detail::backend {
struct IoObject;
}

/// One element of a gather write; layout-compatible with struct iovec.
struct IoVec {
  const void* data;
  std::size_t size;
};

class IoHandle {
 public:
  IoHandle() noexcept = default;
  /// Takes ownership of `fd` (made non-blocking here) and registers it with this core.
  /// Throws std::logic_error outside a reactor thread.
  explicit IoHandle(int fd);
  IoHandle(IoHandle&& other) noexcept;
  IoHandle& operator=(IoHandle&& other) noexcept;
  IoHandle(const IoHandle&) = delete;
  IoHandle& operator=(const IoHandle&) = delete;
  ~IoHandle() { close(); }

  bool valid() const noexcept { return object_ != nullptr; }
  /// The fd, for socket options; -1 when closed.
  int fd() const noexcept;

  /// Reads at most `into.size()` bytes; 0 means the peer closed its side.
  /// Cancellation: total — a cancelled read returns operation_canceled and has
  /// consumed nothing: bytes that arrive later, and bytes it had already read when the
  /// cancel came before its task resumed (a read that lost a select), go to the next
  /// read. No byte is lost.
  /// Completes inline: may (bytes already received, or end of stream).
  Task<Result<std::size_t>> read(std::span<std::byte> into);

  /// Waits until a read would not block: bytes have arrived (or a cancelled read gave
  /// some back), the peer closed its side, or an error is pending, which the next read
  /// reports. Reads nothing and holds no buffer while it waits, so an idle connection
  /// can wait for its next request without one. It takes the read side's place: do
  /// not run it and a read on the same handle at the same time.
  /// Cancellation: total — nothing consumed.
  /// Completes inline: may (bytes already received, end of stream, or an error).
  Task<Result<void>> wait_readable();

  /// wait_readable up to `deadline` (this core's clock), then errc::timed_out — unless
  /// input won the race. `timer` keeps the deadline: give every wait of one owner the
  /// same one, and a wait that ends before its deadline costs no timer work (see
  /// WaitTimer). Awaited in place: no coroutine frame, no cancellation scope, which
  /// makes it the cheap wait of a keep-alive connection between requests.
  /// Cancellation: total — operation_canceled, nothing consumed.
  /// Completes inline: may (as wait_readable).
  detail::ReadableWait wait_readable(Instant deadline, WaitTimer& timer) noexcept {
    return detail::ReadableWait(object_, deadline, timer);
  }

  /// What a watch calls: `arg` as given, and an empty error once a read would not
  /// block, or operation_canceled after cancel_watch() or close().
  using ReadyCall = void (*)(void* arg, std::error_code error) noexcept;

  /// wait_readable for a caller without a coroutine of its own — an idle connection
  /// parked so that it holds no frame: calls `ready(arg, ...)` once, from this core's
  /// run queue (never inline), when a read would not block or the watch is cancelled.
  /// Consumes nothing. Takes the read side's place like wait_readable: no read, and no
  /// second watch, until `ready` has run. Costs one small allocation.
  void watch_readable(ReadyCall ready, void* arg);
  /// Ends a pending watch: its call comes with operation_canceled (or without an
  /// error, if readiness won the race). No effect when none is pending.
  void cancel_watch() noexcept;

  /// True when a read would complete at once: bytes, end of stream or an error have
  /// arrived (and nobody has read them). Consumes nothing; at most one poll(2). A
  /// pooled connection that has something to say while idle — a close, or a
  /// server's parting 408 — must not carry the next request.
  bool input_pending() const noexcept;

  /// Writes some of `buffers` (at least one byte unless an error); see write_all.
  /// Cancellation: partial — bytes the kernel took before the cancel are sent; the
  /// count is lost with the cancellation, so the stream position is unknown after it.
  /// Completes inline: may (epoll writes at once when the socket has room).
  Task<Result<std::size_t>> write_some(std::span<const IoVec> buffers);

  /// write_some up to `deadline`, then errc::timed_out (bytes the kernel took before
  /// are sent, as for any cancelled write); `timer` as for wait_readable(deadline,
  /// timer), and may be the same one: one wait at a time. Awaited in place, like it.
  /// Cancellation: partial — as write_some.
  /// Completes inline: may (as write_some).
  detail::WriteWait write_some(std::span<const IoVec> buffers, Instant deadline, WaitTimer& timer) noexcept {
    return detail::WriteWait(object_, reinterpret_cast<const iovec*>(buffers.data()), buffers.size(), deadline,
                             timer);
  }

  /// read without waiting: the bytes already there (or the end of the stream, or a
  /// pending error), else errc::operation_would_block having consumed nothing. No
  /// coroutine frame and no suspension: for a caller that knows bytes are there (after
  /// wait_readable) or has something better to do than wait. Not while a read or a
  /// readable wait is pending on this handle.
  /// Cancellation: none — it never waits, and never yields to the core's other tasks.
  Result<std::size_t> try_read(std::span<std::byte> into);

  /// write_some without waiting: the bytes the socket takes now, else
  /// errc::operation_would_block having sent nothing — always on io_uring, whose sends
  /// go through its ring (write_some there costs no syscall of its own), and while
  /// another write is pending on this handle.
  /// Cancellation: none — it never waits, and never yields to the core's other tasks.
  Result<std::size_t> try_write(std::span<const IoVec> buffers);

  /// Waits for one incoming connection; returns its fd, non-blocking, close-on-exec.
  /// Cancellation: total — a connection that arrives later, or one already accepted
  /// when the cancel came before the task resumed, goes to the next accept.
  /// Completes inline: may (a connection already queued).
  Task<Result<int>> accept();

  /// Connects to `address`.
  /// Cancellation: terminal — the socket is left in an undefined state; close it.
  /// Completes inline: may (epoll, when the kernel connects at once).
  Task<Result<void>> connect(const sockaddr* address, unsigned length);

  /// Cancels pending operations, then closes the fd. Idempotent.
  void close() noexcept;

 private:
  detail::backend::IoObject* object_ = nullptr;
};

}  // namespace weft
