// submit_to and on_all_cores: the only way work crosses cores.
//
// `submit_to(core, f)` runs `f()` on `core` (as a task there, so `f` may return a
// value or a Task) and resumes the caller on its own core with the result or the
// exception. `f` is moved to the target core; what it captures must be safe to use
// there (copies, or data owned by that core).
//
// WORKAROUND(gcc 12): a lambda with non-trivially-destructible captures written
// inside the `co_await submit_to(core, [...]{...})` expression is destroyed twice by
// GCC 12 (a temporary passed to a coroutine in a co_await). Name it first and move
// it in: `auto work = [...]{...}; co_await submit_to(core, std::move(work));`. See
// tests/unit/runtime/submit_to_test.cpp.
#pragma once

#include <weft/core/context.hpp>
#include <weft/core/task.hpp>
#include <weft/runtime/detail/branches.hpp>
#include <weft/runtime/detail/scheduling.hpp>
#include <weft/runtime/join.hpp>
#include <weft/runtime/spawn.hpp>
#include <weft/runtime/this_core.hpp>

#include <exception>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

namespace weft {

namespace detail {

/// Runs `fn(arg)` on `core`, through this core's lock-free ring to it. From a reactor
/// thread; throws std::out_of_range for a core that does not exist.
void send_to_core(unsigned core, void (*fn)(void*) noexcept, void* arg);

template <class F>
struct call_result {
  using raw = std::invoke_result_t<F&>;
  using type = typename std::conditional_t<is_task_v<raw>, raw, Task<raw>>::value_type;
};

// Who touches what: the fields under "target core" are read and written only on the
// target core's thread, those under "calling core" only on the caller's; messages
// between the two cores (through the reactors' inboxes) order the hand-offs. The
// caller resumes only after the reply and, if it sent a cancel, its acknowledgement
// have both arrived, so no message can outlive *this.
template <class F, class R>
class CrossCoreCall {
 public:
  CrossCoreCall(unsigned core, F fn) : core_(core), fn_(std::move(fn)) {}

  bool await_ready() const noexcept { return false; }

  template <class P>
  void await_suspend(std::coroutine_handle<P> waiter) {
    waiter_ = waiter;
    waiter_cancel_ = waiter.promise().cancel;
    context_ = current_context();
    origin_ = this_core();
    send_to_core(core_, &CrossCoreCall::start_remote, this);  // throws before anything changed
    // A call to this very core is local work: its own timers may let a paused clock jump.
    if (core_ != origin_) begin_external_wait();
    if (!arm_cancel(waiter_cancel_, &CrossCoreCall::on_cancel, this)) on_cancel(this);
  }

  R await_resume() {
    disarm_cancel(waiter_cancel_);
    set_current_cancel_state(waiter_cancel_);
    if (error_) std::rethrow_exception(error_);
    if constexpr (!std::is_void_v<R>) return std::move(*value_);
  }

 private:
  // Target core: the request has arrived.
  static void start_remote(void* self) noexcept { spawn(static_cast<CrossCoreCall*>(self)->run_here()).detach(); }

  // Calling core: the caller was cancelled; ask the target to cancel the remote task.
  static void on_cancel(void* self) noexcept {
    auto* call = static_cast<CrossCoreCall*>(self);
    if (call->awaited_messages_ == 0) return;  // the reply is in; the caller is scheduled
    ++call->awaited_messages_;                  // the acknowledgement
    send_to_core(call->core_, &CrossCoreCall::cancel_remote, call);
  }

  // Target core: cancel the remote task (or have it start cancelled), and acknowledge.
  static void cancel_remote(void* self) noexcept {
    auto* call = static_cast<CrossCoreCall*>(self);
    if (!call->remote_finished_) {
      if (call->remote_ != nullptr) call->remote_->request();
      else call->cancel_before_start_ = true;
    }
    send_to_core(call->origin_, &CrossCoreCall::arrive_thunk, call);
  }

  static void arrive_thunk(void* self) noexcept { static_cast<CrossCoreCall*>(self)->arrive(); }

  // Calling core: a reply or an acknowledgement is back.
  void arrive() noexcept {
    if (--awaited_messages_ > 0) return;
    disarm_cancel(waiter_cancel_);
    if (core_ != origin_) end_external_wait();
    schedule(waiter_);
  }

  // Target core: runs `fn` as a task there and replies.
  Task<void> run_here() {
    remote_ = current_cancel_state();
    if (cancel_before_start_) remote_->request();
    adopt_context(std::move(context_));
    try {
      if constexpr (is_task_v<std::invoke_result_t<F&>>) {
        if constexpr (std::is_void_v<R>) co_await fn_();
        else value_.emplace(co_await fn_());
      } else {
        if constexpr (std::is_void_v<R>) fn_();
        else value_.emplace(fn_());
      }
    } catch (...) {
      error_ = std::current_exception();
    }
    remote_finished_ = true;
    send_to_core(origin_, &CrossCoreCall::arrive_thunk, this);
  }

  unsigned core_;
  unsigned origin_ = 0;
  F fn_;
  // Calling core.
  std::coroutine_handle<> waiter_;
  CancelState* waiter_cancel_ = nullptr;
  unsigned awaited_messages_ = 1;  // the reply, plus an acknowledgement per cancel sent
  // Target core.
  CancelState* remote_ = nullptr;
  bool remote_finished_ = false;
  bool cancel_before_start_ = false;
  // Handed over by the messages.
  ContextPtr context_;  // the caller's, carried to the target core
  std::conditional_t<std::is_void_v<R>, bool, std::optional<R>> value_{};
  std::exception_ptr error_;
};

}  // namespace detail

/// Runs `fn()` on `core` and returns its result (or rethrows its exception) on the
/// calling core. `fn` may return a value or a Task.
/// Cancellation: total — the remote task is cancelled (its waits end with
/// operation_canceled / weft::Cancelled) and still awaited; the caller gets its outcome.
/// Completes inline: never.
template <class F, class R = typename detail::call_result<F>::type>
Task<R> submit_to(unsigned core, F fn) {
  co_return co_await detail::CrossCoreCall<F, R>(core, std::move(fn));
}

/// Runs `fn()` (returning Task<void>) on every core at once and waits for all; the
/// first exception is rethrown after every core has finished (join's policy).
/// Cancellation: total — every core's task is cancelled and awaited.
/// Completes inline: never.
template <class F>
Task<void> on_all_cores(F fn) {
  std::vector<Task<void>> calls;
  const unsigned cores = core_count();
  calls.reserve(cores);
  for (unsigned core = 0; core < cores; ++core) calls.push_back(submit_to(core, fn));
  co_await join_all(std::move(calls));
}

}  // namespace weft
