#include <weft/sync/semaphore.hpp>

#include <weft/core/result.hpp>
#include <weft/runtime/detail/scheduling.hpp>

namespace weft {

// Waits in the semaphore's queue for `count` permits; lives in the frame of
// acquire()'s own coroutine.
class SemaphoreAcquireAwaiter : private detail::Waiter {
 public:
  SemaphoreAcquireAwaiter(Semaphore& semaphore, std::size_t count) noexcept
      : semaphore_(semaphore), count_(count) {}
  SemaphoreAcquireAwaiter(const SemaphoreAcquireAwaiter&) = delete;
  SemaphoreAcquireAwaiter& operator=(const SemaphoreAcquireAwaiter&) = delete;
  ~SemaphoreAcquireAwaiter() {
    if (state == State::queued) semaphore_.waiters_.remove(*this);
  }

  static std::size_t count_of(const detail::Waiter& waiter) noexcept {
    return static_cast<const SemaphoreAcquireAwaiter&>(waiter).count_;
  }

  bool await_ready() const noexcept { return false; }

  template <class P>
  bool await_suspend(std::coroutine_handle<P> waiter) {
    cancel = waiter.promise().cancel;
    if (detail::cancel_requested(cancel)) {
      state = State::cancelled;
      return false;
    }
    if (semaphore_.try_acquire(count_)) {
      return detail::finish_inline_or_yield(*this, waiter, &SemaphoreAcquireAwaiter::on_cancel, this);
    }
    detail::arm_cancel(cancel, &SemaphoreAcquireAwaiter::on_cancel, this);
    handle = waiter;
    semaphore_.waiters_.push_back(*this);
    return true;
  }

  void await_resume() {
    detail::disarm_cancel(cancel);
    detail::set_current_cancel_state(cancel);
    if (state == State::cancelled) throw Cancelled{};
  }

 private:
  static void on_cancel(void* arg) noexcept {
    auto* self = static_cast<SemaphoreAcquireAwaiter*>(arg);
    if (self->state == State::granted) {
      // Handed its permits but not yet run: give them back (serving the waiters
      // behind it). It is scheduled already.
      self->state = State::cancelled;
      self->semaphore_.release(self->count_);
      return;
    }
    self->semaphore_.waiters_.remove(*self);
    detail::resume_cancelled(*self);
    // If it was the head, it may have been all that stood between the permits and
    // the waiters behind it.
    self->semaphore_.serve();
  }

  Semaphore& semaphore_;
  std::size_t count_;
};

Task<Semaphore::Guard> Semaphore::acquire(std::size_t n) {
  detail::require_reactor("weft::Semaphore::acquire");
  co_await SemaphoreAcquireAwaiter(*this, n);
  co_return Guard(*this, n);
}

bool Semaphore::try_acquire(std::size_t n) noexcept {
  if (!waiters_.empty() || available_ < n) return false;
  available_ -= n;
  return true;
}

void Semaphore::release(std::size_t n) noexcept {
  available_ += n;
  serve();
}

void Semaphore::serve() noexcept {
  while (detail::Waiter* head = waiters_.front()) {
    const std::size_t wanted = SemaphoreAcquireAwaiter::count_of(*head);
    if (wanted > available_) return;  // strict FIFO: later, smaller requests wait too
    available_ -= wanted;
    waiters_.pop_front();
    detail::grant(*head);
  }
}

}  // namespace weft
