// The few reactor entry points that templates in public headers need. Everything
// else about the reactor stays private in src/runtime.
#pragma once

#include <weft/core/cancellation.hpp>
#include <weft/runtime/clock.hpp>
#include <weft/runtime/detail/timer.hpp>

#include <coroutine>
#include <cstdint>

namespace weft::detail {

class RootTask;

/// Queues `handle` to be resumed on this core's reactor. Calls it from a reactor thread.
void schedule(std::coroutine_handle<> handle);

/// Queues a plain call `fn(arg)` on this core's run queue (after what is queued now).
void schedule_call(void (*fn)(void*) noexcept, void* arg);

/// Spends one unit of the running task's inline-completion budget; false when the
/// caller should suspend and reschedule itself instead of completing inline.
bool consume_budget() noexcept;

/// Registers a spawned task with this core (for shutdown and task dumps) and queues
/// its first step.
void start_root(RootTask* root, std::coroutine_handle<> first_step);

/// Unregisters a finished spawned task.
void finish_root(RootTask* root) noexcept;

/// A wait for another core's reply starts / ends on this core. While any is pending
/// a paused clock does not jump: the reply, not a timer, is what comes next.
void begin_external_wait() noexcept;
void end_external_wait() noexcept;

/// Arms `timer` (its `fire` set, kept in place while armed) on this core's timer wheel
/// to fire at `deadline`, never earlier; a past deadline fires at the next turn.
void arm_timer(Timer& timer, Instant deadline) noexcept;
/// Disarms `timer` if it is armed.
void disarm_timer(Timer& timer) noexcept;

/// Throws std::logic_error naming `what` when called outside a reactor thread.
void require_reactor(const char* what);

/// Registers `hook(arg)` as the cancellation hook of `state`; if cancellation was
/// already requested, returns false and registers nothing (the caller completes at once).
inline bool arm_cancel(CancelState* state, CancelState::Hook hook, void* arg) noexcept {
  if (state == nullptr) return true;
  if (state->requested()) return false;
  state->set_hook(hook, arg);
  return true;
}

inline void disarm_cancel(CancelState* state) noexcept {
  if (state != nullptr) state->clear_hook();
}

}  // namespace weft::detail
