// The private seam between the reactor and the kernel. Two implementations:
// uring/ (io_uring, completion-based) and epoll/ (readiness, then the syscall).
// Both complete operations with the same results and the same errors, so nothing
// above this interface can tell them apart.
//
// Conventions, for every operation:
// - The Operation lives in the awaiting coroutine's frame and stays there until it
//   completes: a cancelled operation still completes (with -ECANCELED, or with its
//   real result if that won the race), and only then is the waiter resumed.
// - `start_*` returns true when the operation completed inline (result is set and the
//   waiter must not suspend); otherwise the backend later sets `result` and schedules
//   `waiter` on the reactor's run queue. Results are >= 0 on success, -errno on error.
// - All calls happen on the reactor's own thread.
#pragma once

#include <weft/runtime/detail/operation.hpp>
#include <weft/runtime/runtime_options.hpp>

#include <sys/socket.h>
#include <sys/uio.h>

#include <chrono>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace weft::detail {
class Reactor;
}

namespace weft::detail::backend {

/// Per-fd state. Each backend derives its own; the reactor only sees this part.
struct IoObject {
  int fd = -1;
  Operation* reader = nullptr;   // a parked read, readable or accept
  Operation* writer = nullptr;   // a parked write or connect
  // A read or accept that has completed but whose task has not resumed yet: if that
  // task is cancelled now, its bytes or fd are given back (below), so cancelling a
  // read never loses data, even when the read had already won its race.
  Operation* settled = nullptr;
  // What the next reads or accepts take first: bytes of cancelled reads; fds of
  // cancelled accepts (and, on io_uring, of connections accepted before anyone asked).
  // Allocated on first use: most objects never need it.
  struct Held {
    std::string bytes;
    std::vector<int> fds;
  };
  std::unique_ptr<Held> held;

  bool holds_bytes() const noexcept { return held != nullptr && !held->bytes.empty(); }
  bool holds_fds() const noexcept { return held != nullptr && !held->fds.empty(); }
  Held& hold() {
    if (held == nullptr) held = std::make_unique<Held>();
    return *held;
  }
};

/// Serves a read or accept from what cancelled ones gave back; false if nothing was.
bool take_given_back(Operation& op) noexcept;

/// The part of cancel() both backends share, for an operation that is not parked:
/// a settled read/accept gives its result back and becomes -ECANCELED. Returns false
/// when there was nothing to do.
bool give_back_settled(Operation& op) noexcept;

/// Before an object is freed: operations that still point at it stop doing so.
void forget_object(IoObject& object) noexcept;

class IoBackend {
 public:
  virtual ~IoBackend() = default;

  virtual Backend kind() const noexcept = 0;

  /// Starts tracking `fd` (already non-blocking). Never fails for a valid socket fd.
  virtual IoObject* attach(int fd) = 0;

  /// Cancels what is pending on `object`, closes its fd once the kernel has let go
  /// of it, and frees the object. Pending operations complete with -ECANCELED.
  virtual void close(IoObject* object) noexcept = 0;

  virtual bool start_read(Operation& op) = 0;     // into args.read; 0 = end of stream
  virtual bool start_write(WriteOperation& op) = 0;  // args.write, may write less than all
  virtual bool start_accept(Operation& op) = 0;   // result: a new non-blocking fd
  virtual bool start_connect(Operation& op) = 0;  // to args.connect
  /// Completes (result 0) once a read would not block: bytes received or given back,
  /// end of stream, or an error the next read reports. Consumes nothing.
  virtual bool start_readable(Operation& op) = 0;

  /// The read or write made now when it needs no wait: true with `result` set, as an
  /// inline start_* would; false (nothing started, op not kept) when it would have to
  /// wait. Never parks, so neither needs a waiter. io_uring never writes this way: a
  /// send there goes through the ring with the next submission, which costs no syscall.
  virtual bool try_read(Operation& op) noexcept = 0;
  virtual bool try_write(WriteOperation& op) noexcept = 0;

  /// True when a read on `object` would complete at once — bytes, end of stream or an
  /// error already received — without consuming anything. At most one poll(2).
  virtual bool input_pending(IoObject& object) noexcept = 0;

  /// Asks a pending operation to complete early with -ECANCELED.
  virtual void cancel(Operation& op) noexcept = 0;

  /// True while fds given to close() are still open in the kernel (io_uring closes
  /// asynchronously). A paused clock waits for them before jumping: a peer must see
  /// the close at the time it was made.
  virtual bool closing() const noexcept { return false; }

  /// Submits queued work, waits up to `timeout` (nullopt: until something happens,
  /// zero: not at all) and dispatches completions. A write to the reactor's wake
  /// eventfd (given at creation) ends the wait; the backend drains that eventfd.
  /// Returns false when it did nothing at all: submitted nothing and dispatched no
  /// completion (a paused clock jumps only after such a poll).
  virtual bool poll(std::optional<std::chrono::nanoseconds> timeout) = 0;
};

/// Sets `op.result` and schedules its waiter (or notify) on `reactor` (used by both backends). A
/// successful read or accept becomes the object's `settled` operation; any other
/// operation (readable included: it holds nothing to give back) lets go of its object,
/// which may be freed before the waiter resumes.
void complete(Reactor& reactor, Operation& op, int result) noexcept;

/// True when a read on `fd` would not block: bytes, end of stream or a pending error.
/// poll(2) looks without consuming anything (a MSG_PEEK recv would consume a pending
/// error).
bool readable_now(int fd) noexcept;

/// The waiter of `op` has resumed: nothing can be given back any more.
void settle_done(Operation& op) noexcept;

/// The outcome of probing for io_uring.
struct ProbeResult {
  bool usable = false;
  std::string reason;  // why not, when unusable
};

/// Checks once per process whether io_uring has everything weft needs.
const ProbeResult& probe_io_uring();

/// The backend to run: `requested`, unless it is automatic, in which case WEFT_BACKEND
/// or the io_uring probe decides. Logs the one line saying which and why (once per
/// process). Throws std::system_error (errc::backend_unavailable) when io_uring is
/// forced and unusable, or WEFT_BACKEND names no backend.
Backend resolve_backend(Backend requested);

/// resolve_backend with a given probe outcome (the decision itself, for tests).
Backend resolve_backend(Backend requested, const ProbeResult& probe);

/// Creates a backend of `kind` (resolved) for `reactor` on the calling thread.
std::unique_ptr<IoBackend> make_backend(Backend kind, Reactor& reactor, int wake_fd);

std::unique_ptr<IoBackend> make_uring_backend(Reactor& reactor, int wake_fd);
std::unique_ptr<IoBackend> make_epoll_backend(Reactor& reactor, int wake_fd);

}  // namespace weft::detail::backend
