// The machinery every sync primitive shares: an intrusive FIFO of waiters that live
// in the frames of the coroutines waiting (no allocation per wait), the hand-over
// that decides a waiter's outcome ("grant"), and the inline-completion budget.
//
// A waiter's life: idle -> queued (linked in a WaitList, cancellation hook armed) ->
// granted (the primitive unlinked it, gave it the lock, permits or wake-up and
// scheduled it) -> resumed. Cancellation wins until the waiter runs: a hook that
// finds its waiter queued unlinks it and schedules it as cancelled; one that finds it
// granted but not yet run takes the grant back and passes it on (the lock or permits
// to the next waiter; a message was never moved out of the channel, so it simply
// stays there), and the already scheduled waiter resumes as cancelled. The one final
// hand-over is complete(): a send whose message the channel accepted has happened.
// Nobody resumes a waiter inline; every path goes through the run queue.
#pragma once

#include <weft/core/cancellation.hpp>
#include <weft/runtime/detail/scheduling.hpp>

#include <coroutine>
#include <cstddef>

namespace weft::detail {

struct Waiter {
  enum class State : unsigned char { idle, queued, granted, cancelled };

  Waiter* prev = nullptr;
  Waiter* next = nullptr;
  std::coroutine_handle<> handle;
  CancelState* cancel = nullptr;
  State state = State::idle;
};

/// Doubly linked FIFO of waiters; O(1) push, pop and removal from the middle.
class WaitList {
 public:
  WaitList() noexcept = default;
  WaitList(const WaitList&) = delete;
  WaitList& operator=(const WaitList&) = delete;

  bool empty() const noexcept { return head_ == nullptr; }
  std::size_t size() const noexcept { return size_; }
  Waiter* front() const noexcept { return head_; }

  void push_back(Waiter& waiter) noexcept {
    waiter.prev = tail_;
    waiter.next = nullptr;
    if (tail_ != nullptr) {
      tail_->next = &waiter;
    } else {
      head_ = &waiter;
    }
    tail_ = &waiter;
    waiter.state = Waiter::State::queued;
    ++size_;
  }

  Waiter* pop_front() noexcept {
    Waiter* waiter = head_;
    if (waiter != nullptr) remove(*waiter);
    return waiter;
  }

  void remove(Waiter& waiter) noexcept {
    if (waiter.prev != nullptr) {
      waiter.prev->next = waiter.next;
    } else {
      head_ = waiter.next;
    }
    if (waiter.next != nullptr) {
      waiter.next->prev = waiter.prev;
    } else {
      tail_ = waiter.prev;
    }
    waiter.prev = waiter.next = nullptr;
    waiter.state = Waiter::State::idle;
    --size_;
  }

 private:
  Waiter* head_ = nullptr;
  Waiter* tail_ = nullptr;
  std::size_t size_ = 0;
};

/// True when the waiter's task has already been asked to stop: a wait starting now
/// fails at once, even if it could complete, and takes nothing.
inline bool cancel_requested(const CancelState* state) noexcept {
  return state != nullptr && state->requested();
}

/// Hands an unlinked waiter what it waited for and schedules it. Revocable: its
/// cancellation hook stays armed, and if the task is cancelled before it runs the
/// hook takes the grant back and passes it on (its wait then fails as cancelled).
inline void grant(Waiter& waiter) noexcept {
  waiter.state = Waiter::State::granted;
  schedule(waiter.handle);
}

/// Like grant, but final: the hook is disarmed and the waiter resumes with its
/// outcome whatever happens to its task now (a send whose message was accepted).
inline void complete(Waiter& waiter) noexcept {
  waiter.state = Waiter::State::granted;
  disarm_cancel(waiter.cancel);
  schedule(waiter.handle);
}

/// For a cancellation hook, after it unlinked a queued `waiter`: resume it as cancelled.
inline void resume_cancelled(Waiter& waiter) noexcept {
  waiter.state = Waiter::State::cancelled;
  schedule(waiter.handle);
}

/// For a wait that found what it wanted without waiting (the caller has taken it for
/// `waiter` already). While the task has inline-completion budget left the wait
/// completes inline (returns false, for await_suspend); otherwise the task yields:
/// it is queued behind the other ready tasks exactly as if granted, and revocable by
/// `hook(arg)` like any grant. The caller checked cancel_requested() first.
inline bool finish_inline_or_yield(Waiter& waiter, std::coroutine_handle<> handle, CancelState::Hook hook,
                                   void* arg) {
  waiter.state = Waiter::State::granted;
  if (consume_budget()) return false;
  waiter.handle = handle;
  arm_cancel(waiter.cancel, hook, arg);
  schedule(handle);
  return true;
}

}  // namespace weft::detail
