// The waits IoHandle bounds with a WaitTimer (wait_readable and write_some with a
// deadline): awaited in place, so they cost no coroutine frame, no cancellation scope
// and, mostly, no timer work (see wait_timer.hpp). with_deadline around the Task
// versions costs all three on every wait.
#pragma once

#include <weft/core/cancellation.hpp>
#include <weft/core/result.hpp>
#include <weft/runtime/clock.hpp>
#include <weft/runtime/detail/operation.hpp>
#include <weft/runtime/wait_timer.hpp>

#include <coroutine>
#include <cstddef>

namespace weft::detail {

/// What both waits share: starting the operation, the timer and cancellation.
class TimedWait {
 public:
  TimedWait(const TimedWait&) = delete;
  TimedWait& operator=(const TimedWait&) = delete;

  bool await_ready() const noexcept { return false; }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> waiter) {
    return suspend(waiter, waiter.promise().cancel);
  }

 protected:
  using Start = bool (*)(backend::Operation& op);  // the backend's start_*, on this core

  TimedWait(backend::Operation& op, Start start, Instant deadline, WaitTimer& timer) noexcept
      : op_(op), start_(start), timer_(timer), deadline_(deadline) {}
  ~TimedWait() = default;

  /// After the wait: the operation's count, errc::timed_out when the deadline ended
  /// it, or its error.
  Result<std::size_t> finish() noexcept;

 private:
  bool suspend(std::coroutine_handle<> waiter, CancelState* cancel);
  static void on_cancel(void* self) noexcept;

  backend::Operation& op_;  // the derived wait's
  Start start_;
  WaitTimer& timer_;
  Instant deadline_;
  CancelState* cancel_ = nullptr;
  bool watched_ = false;  // parked under the timer
};

/// What IoHandle::wait_readable(deadline, timer) returns.
class [[nodiscard]] ReadableWait : public TimedWait {
 public:
  ReadableWait(backend::IoObject* object, Instant deadline, WaitTimer& timer) noexcept;
  Result<void> await_resume() noexcept;

 private:
  backend::Operation operation_;
};

/// What IoHandle::write_some(buffers, deadline, timer) returns.
class [[nodiscard]] WriteWait : public TimedWait {
 public:
  WriteWait(backend::IoObject* object, const iovec* buffers, std::size_t count, Instant deadline,
            WaitTimer& timer) noexcept;
  Result<std::size_t> await_resume() noexcept;

 private:
  backend::WriteOperation operation_;
};

}  // namespace weft::detail
