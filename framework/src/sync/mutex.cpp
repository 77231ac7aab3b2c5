#include <weft/sync/mutex.hpp>

#include <weft/core/result.hpp>
#include <weft/runtime/detail/scheduling.hpp>

#include <cassert>

namespace weft {

// Waits in the mutex's queue; lives in the frame of lock()'s own coroutine.
class MutexLockAwaiter : private detail::Waiter {
 public:
  explicit MutexLockAwaiter(Mutex& mutex) noexcept : mutex_(mutex) {}
  MutexLockAwaiter(const MutexLockAwaiter&) = delete;
  MutexLockAwaiter& operator=(const MutexLockAwaiter&) = delete;
  ~MutexLockAwaiter() {
    if (state == State::queued) mutex_.waiters_.remove(*this);
  }

  bool await_ready() const noexcept { return false; }

  template <class P>
  bool await_suspend(std::coroutine_handle<P> waiter) {
    cancel = waiter.promise().cancel;
    if (detail::cancel_requested(cancel)) {
      state = State::cancelled;
      return false;
    }
    if (mutex_.try_lock()) return detail::finish_inline_or_yield(*this, waiter, &MutexLockAwaiter::on_cancel, this);
    detail::arm_cancel(cancel, &MutexLockAwaiter::on_cancel, this);
    handle = waiter;
    mutex_.waiters_.push_back(*this);
    return true;
  }

  void await_resume() {
    detail::disarm_cancel(cancel);
    detail::set_current_cancel_state(cancel);
    if (state == State::cancelled) throw Cancelled{};
  }

 private:
  static void on_cancel(void* arg) noexcept {
    auto* self = static_cast<MutexLockAwaiter*>(arg);
    if (self->state == State::granted) {
      // Handed the lock but not yet run: pass it on. It is scheduled already.
      self->state = State::cancelled;
      self->mutex_.unlock();
      return;
    }
    self->mutex_.waiters_.remove(*self);
    detail::resume_cancelled(*self);
  }

  Mutex& mutex_;
};

Task<Mutex::Guard> Mutex::lock() {
  detail::require_reactor("weft::Mutex::lock");
  co_await MutexLockAwaiter(*this);
  co_return Guard(*this, std::adopt_lock);
}

bool Mutex::try_lock() noexcept {
  if (locked_) return false;  // with direct hand-off, waiters imply locked_
  locked_ = true;
  return true;
}

void Mutex::unlock() noexcept {
  assert(locked_ && "weft::Mutex::unlock of an unlocked mutex");
  if (detail::Waiter* next = waiters_.pop_front()) {
    detail::grant(*next);  // ownership passes on; locked_ stays true
    return;
  }
  locked_ = false;
}

}  // namespace weft
