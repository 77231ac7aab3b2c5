// with_deadline: awaits an I/O task that must finish by a deadline. It is what
// select(task, sleep_until(deadline)) does for a task returning Result, without
// select's machinery: the task runs in the caller's frame under a cancellation scope
// of its own, and a timer embedded in the awaiting frame cancels that scope at the
// deadline. No frame is allocated beyond the task's; select would add four (its own,
// two branch drivers and the sleep) to every read with a deadline. The timer is armed
// only once the task waits: most reads and writes end at once (bytes already there,
// room in the socket buffer), and those never touch the timer wheel.
#pragma once

#include <weft/core/result.hpp>
#include <weft/core/task.hpp>
#include <weft/runtime/clock.hpp>
#include <weft/runtime/detail/timer.hpp>

#include <coroutine>
#include <optional>
#include <utility>

namespace weft {

namespace detail {

/// The part of with_deadline that is not a template: the scope's cancellation state
/// (a child of the awaiting task's) and the timer that cancels it.
class DeadlineScope : private Timer {
 public:
  explicit DeadlineScope(Instant deadline) noexcept : deadline_(deadline) {}
  DeadlineScope(const DeadlineScope&) = delete;
  DeadlineScope& operator=(const DeadlineScope&) = delete;
  ~DeadlineScope() { close(); }

  /// Opens the scope under `parent`; returns the scope's state.
  CancelState* open(CancelState* parent);
  /// Arms the timer: the task is waiting.
  void arm() noexcept;
  /// Disarms the timer and closes the scope; true when the deadline cancelled it.
  bool close() noexcept;
  /// True when the awaiting task itself was cancelled (the deadline is not the cause).
  bool parent_cancelled() const noexcept { return parent_ != nullptr && parent_->requested(); }
  CancelState* parent() const noexcept { return parent_; }

 private:
  static void on_fire(Timer* timer) noexcept;

  Instant deadline_;
  CancelState* parent_ = nullptr;
  std::optional<CancelState> state_;
  bool expired_ = false;
};

/// True when `error` holds weft::Cancelled (rethrows and catches it: a timeout only).
bool is_cancelled_exception(const std::exception_ptr& error) noexcept;

template <class T>
class [[nodiscard]] DeadlineAwaiter {
 public:
  DeadlineAwaiter(Instant deadline, Task<Result<T>> task) : scope_(deadline), task_(std::move(task)) {}

  bool await_ready() const noexcept { return false; }

  // Runs the task here until it ends or waits: ended, the caller goes on without
  // suspending; waiting, the timer is armed and the task resumes the caller at its end.
  template <class P>
  bool await_suspend(std::coroutine_handle<P> parent) {
    auto& child = task_.handle().promise();
    enter_child(child, parent.promise());
    child.continuation = nullptr;  // an end right away returns to resume() below
    child.cancel = scope_.open(parent.promise().cancel);
    child.cancel->innermost = &child;
    parent_frame_ = &parent.promise();
    task_.handle().resume();
    if (task_.handle().done()) return false;
    child.continuation = parent;
    scope_.arm();
    return true;
  }

  Result<T> await_resume() {
    auto& child = task_.handle().promise();
    const bool expired = scope_.close();
    set_current_cancel_state(scope_.parent());
    if (scope_.parent() != nullptr) scope_.parent()->innermost = parent_frame_;
    if (expired && !scope_.parent_cancelled()) {
      if (child.error ? is_cancelled_exception(child.error) : !child.value->has_value()) {
        return fail(errc::timed_out);
      }
    }
    return child.take();
  }

 private:
  DeadlineScope scope_;
  Task<Result<T>> task_;
  PromiseBase* parent_frame_ = nullptr;
};

}  // namespace detail

/// Awaits `task`; if it has not finished by `deadline` (this core's clock), cancels it,
/// waits for it to finish, and returns errc::timed_out — unless it still succeeded (a
/// cancellation arriving after the work was done changes nothing, as in select, where
/// the task wins a tie). A task ended by the deadline with an error or weft::Cancelled
/// gives errc::timed_out; another exception propagates.
/// Cancellation: total — cancelling the caller cancels the task, which is awaited; its
/// outcome (usually operation_canceled or weft::Cancelled) is returned as it is.
/// Completes inline: may (when the task does). Use it on this core only.
/// Stack: the task runs on the caller's native stack until it first waits, so
/// with_deadline nested N deep in tasks that all end at once takes N native frames
/// (a plain co_await chain takes none); fine for I/O, not for deep recursion.
template <class T>
detail::DeadlineAwaiter<T> with_deadline(Instant deadline, Task<Result<T>> task) {
  return detail::DeadlineAwaiter<T>(deadline, std::move(task));
}

}  // namespace weft
