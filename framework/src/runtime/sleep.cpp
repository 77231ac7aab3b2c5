#include "reactor.hpp"

#include <weft/core/result.hpp>
#include <weft/runtime/detail/scheduling.hpp>
#include <weft/runtime/sleep.hpp>

namespace weft {
namespace {

// Waits on the timer wheel; lives in the frame of sleep()'s own coroutine. When
// cancelled it ends that coroutine without resuming it: the coroutine's outcome
// becomes weft::Cancelled and its awaiter is scheduled. sleep() has no code after
// the wait, so skipping it is equivalent, and a sleep losing a select costs no throw.
class SleepAwaiter : private detail::Timer {
 public:
  explicit SleepAwaiter(Instant deadline) : deadline_(deadline) {}

  bool await_ready() const noexcept { return false; }

  bool await_suspend(std::coroutine_handle<detail::Promise<void>> waiter) noexcept {
    cancel_ = waiter.promise().cancel;
    if (!detail::arm_cancel(cancel_, &SleepAwaiter::on_cancel, this)) {
      cancelled_ = true;
      return false;
    }
    waiter_ = waiter;
    reactor_ = detail::Reactor::current();
    fire = &SleepAwaiter::on_fire;
    reactor_->timers().arm(*this, reactor_->tick_of(deadline_));
    return true;
  }

  void await_resume() {
    detail::disarm_cancel(cancel_);
    detail::set_current_cancel_state(cancel_);
    if (cancelled_) throw Cancelled{};
  }

 private:
  static void on_fire(detail::Timer* timer) noexcept {
    auto* self = static_cast<SleepAwaiter*>(timer);
    self->reactor_->schedule(self->waiter_);
  }

  static void on_cancel(void* arg) noexcept {
    auto* self = static_cast<SleepAwaiter*>(arg);
    if (!self->armed) return;  // already fired; the wake-up is queued
    self->reactor_->timers().cancel(*self);
    auto& promise = self->waiter_.promise();
    promise.error = detail::cancelled_exception();
    self->reactor_->schedule(promise.continuation);
  }

  Instant deadline_;
  detail::Reactor* reactor_ = nullptr;
  std::coroutine_handle<detail::Promise<void>> waiter_;
  CancelState* cancel_ = nullptr;
  bool cancelled_ = false;
};

struct YieldAwaiter {
  CancelState* cancel = nullptr;
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<detail::Promise<void>> waiter) {
    cancel = waiter.promise().cancel;
    detail::schedule(waiter);
  }
  void await_resume() const noexcept { detail::set_current_cancel_state(cancel); }
};

}  // namespace

Task<void> sleep_until(Instant deadline) {
  detail::require_reactor("weft::sleep");
  co_await SleepAwaiter(deadline);
}

Task<void> sleep(std::chrono::nanoseconds duration) {
  detail::require_reactor("weft::sleep");
  co_await SleepAwaiter(now() + duration);
}

Task<void> yield_now() { co_await YieldAwaiter{}; }

}  // namespace weft
