// Event: a manual-reset flag that tasks of one core can wait for. Core-local: no
// atomics, no locks; every task that uses one runs on the core that created it.
//
// Policy, sentence by sentence (each has a test in tests/unit/sync/event_test.cpp):
// - wait() on a set event returns at once; otherwise the task waits until set().
// - set() wakes every waiter, in the order they started waiting, and the event stays
//   set until reset(); set() on a set event does nothing.
// - A waiter woken by set() returns normally even if reset() runs before it resumes.
// - Cancelling a waiter removes it and its wait() throws weft::Cancelled; the event
//   and the other waiters are unaffected.
// - Cancellation wins until the waiter runs: a waiter woken by set() but cancelled
//   before it resumes throws weft::Cancelled (the other waiters are woken regardless).
// - wait() in a task that is already cancelled throws weft::Cancelled at once, even
//   when the event is set; is_set() is never cancelled.
// - A task that waits on a set event many times in a row yields to the other ready
//   tasks once its inline-completion budget is spent.
//
// The event must outlive its waiters.
#pragma once

#include <weft/core/task.hpp>
#include <weft/sync/detail/wait_list.hpp>

#include <cstddef>

namespace weft {

class Event {
 public:
  explicit Event(bool set = false) noexcept : set_(set) {}
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  /// Waits until the event is set.
  /// Cancellation: total — throws weft::Cancelled, also when woken but not yet resumed; nothing else is lost.
  /// Completes inline: may (when the event is set; after the task's budget of inline completions it yields once first).
  Task<void> wait();

  /// Sets the event and wakes every waiter (FIFO).
  void set() noexcept;
  /// Clears the event; later wait() calls wait again. Waiters already woken stay woken.
  void reset() noexcept { set_ = false; }
  bool is_set() const noexcept { return set_; }
  /// Tasks waiting in wait().
  std::size_t waiters() const noexcept { return waiters_.size(); }

 private:
  friend class EventWaitAwaiter;

  detail::WaitList waiters_;
  bool set_;
};

}  // namespace weft
