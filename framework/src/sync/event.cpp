#include <weft/sync/event.hpp>

#include <weft/core/result.hpp>
#include <weft/runtime/detail/scheduling.hpp>

namespace weft {

// Waits in the event's queue; lives in the frame of wait()'s own coroutine.
class EventWaitAwaiter : private detail::Waiter {
 public:
  explicit EventWaitAwaiter(Event& event) noexcept : event_(event) {}
  EventWaitAwaiter(const EventWaitAwaiter&) = delete;
  EventWaitAwaiter& operator=(const EventWaitAwaiter&) = delete;
  ~EventWaitAwaiter() {
    if (state == State::queued) event_.waiters_.remove(*this);
  }

  bool await_ready() const noexcept { return false; }

  template <class P>
  bool await_suspend(std::coroutine_handle<P> waiter) {
    cancel = waiter.promise().cancel;
    if (detail::cancel_requested(cancel)) {
      state = State::cancelled;
      return false;
    }
    if (event_.set_) return detail::finish_inline_or_yield(*this, waiter, &EventWaitAwaiter::on_cancel, this);
    detail::arm_cancel(cancel, &EventWaitAwaiter::on_cancel, this);
    handle = waiter;
    event_.waiters_.push_back(*this);
    return true;
  }

  void await_resume() {
    detail::disarm_cancel(cancel);
    detail::set_current_cancel_state(cancel);
    if (state == State::cancelled) throw Cancelled{};
  }

 private:
  static void on_cancel(void* arg) noexcept {
    auto* self = static_cast<EventWaitAwaiter*>(arg);
    if (self->state == State::granted) {
      self->state = State::cancelled;  // woken but not yet run: nothing to give back
      return;
    }
    self->event_.waiters_.remove(*self);
    detail::resume_cancelled(*self);
  }

  Event& event_;
};

Task<void> Event::wait() {
  detail::require_reactor("weft::Event::wait");
  co_await EventWaitAwaiter(*this);
}

void Event::set() noexcept {
  if (set_) return;
  set_ = true;
  while (detail::Waiter* waiter = waiters_.pop_front()) detail::grant(*waiter);
}

}  // namespace weft
