// with_timeout: runs a task against a deadline. On expiry the task is cancelled and
// awaited, then errc::timed_out is returned; if the task finishes first the timer is
// disarmed. It is select(task, sleep(duration)), so select's policy holds: the task
// wins a tie, and with_timeout returns only after the task has finished.
#pragma once

#include <weft/core/result.hpp>
#include <weft/core/task.hpp>
#include <weft/runtime/select.hpp>
#include <weft/runtime/sleep.hpp>

#include <chrono>
#include <utility>

namespace weft {

/// Runs `task`; if it has not finished after `duration`, cancels it, awaits it, and
/// returns errc::timed_out. The task's exception, if it throws first, propagates.
/// Cancellation: total — cancelling the caller cancels the task (awaited) and the timer.
/// Completes inline: may (when the task finishes while starting).
template <class T>
Task<Result<T>> with_timeout(std::chrono::nanoseconds duration, Task<T> task) {
  auto outcome = co_await select(std::move(task), sleep(duration));
  if (outcome.index() == 1) co_return fail(errc::timed_out);
  if constexpr (std::is_void_v<T>) {
    co_return Result<void>{};
  } else {
    co_return Result<T>(std::move(std::get<0>(outcome)));
  }
}

}  // namespace weft
