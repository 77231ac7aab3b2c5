// Mutex: mutual exclusion between the tasks of one core. Core-local: no atomics, no
// locks; every task that uses one runs on the core that created it.
//
// Policy, sentence by sentence (each has a test in tests/unit/sync/mutex_test.cpp):
// - lock() of a free mutex takes it at once; otherwise the task waits.
// - Waiters get the lock in the order they started waiting (FIFO).
// - Unlocking hands the lock straight to the first waiter: the mutex never becomes
//   free in between, so neither lock() nor try_lock() can barge in ahead of it.
// - Cancelling a waiter removes it from the queue and its lock() throws
//   weft::Cancelled; the lock and the other waiters are unaffected.
// - Cancellation wins until the waiter runs: a waiter that was handed the lock but is
//   cancelled before it resumes passes the lock on to the next waiter (or frees it)
//   and throws weft::Cancelled. So a lock() that loses a select holds nothing.
// - lock() in a task that is already cancelled throws weft::Cancelled at once, even
//   when the mutex is free; try_lock() is never cancelled (use it on error paths).
// - A task that takes the lock without waiting many times in a row yields to the
//   other ready tasks once its inline-completion budget is spent (cancellable while
//   it yields, like a waiter that was handed the lock).
// - The Guard unlocks when destroyed or on guard.unlock(); it is move-only.
//
// The mutex must outlive its guards and waiters. It is not recursive: a task that
// locks a mutex it holds waits forever.
#pragma once

#include <weft/core/task.hpp>
#include <weft/sync/detail/wait_list.hpp>

#include <cstddef>
#include <mutex>
#include <utility>

namespace weft {

class Mutex {
 public:
  /// Owns a locked Mutex; unlocks it when destroyed. Move-only.
  class Guard {
   public:
    Guard() noexcept = default;
    /// Adopts a lock taken with try_lock().
    Guard(Mutex& mutex, std::adopt_lock_t) noexcept : mutex_(&mutex) {}
    Guard(Guard&& other) noexcept : mutex_(std::exchange(other.mutex_, nullptr)) {}
    Guard& operator=(Guard&& other) noexcept {
      if (this != &other) {
        unlock();
        mutex_ = std::exchange(other.mutex_, nullptr);
      }
      return *this;
    }
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;
    ~Guard() { unlock(); }

    /// Unlocks early (hands the lock to the first waiter). Idempotent.
    void unlock() noexcept {
      if (mutex_ != nullptr) std::exchange(mutex_, nullptr)->unlock();
    }
    bool owns_lock() const noexcept { return mutex_ != nullptr; }
    explicit operator bool() const noexcept { return owns_lock(); }
    Mutex* mutex() const noexcept { return mutex_; }

   private:
    Mutex* mutex_ = nullptr;
  };

  Mutex() noexcept = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  /// Waits until this task owns the mutex; returns the Guard that unlocks it.
  /// Cancellation: total — throws weft::Cancelled and holds nothing; a lock already handed to the waiter passes on to the next one.
  /// Completes inline: may (when the mutex is free; after the task's budget of inline completions it yields once first).
  Task<Guard> lock();

  /// Takes the mutex if it is free (never ahead of a waiter); pair with Guard(m, std::adopt_lock) or unlock().
  bool try_lock() noexcept;

  /// Unlocks; the first waiter, if any, becomes the owner. Precondition: locked.
  void unlock() noexcept;

  bool is_locked() const noexcept { return locked_; }
  /// Tasks waiting in lock().
  std::size_t waiters() const noexcept { return waiters_.size(); }

 private:
  friend class MutexLockAwaiter;

  detail::WaitList waiters_;
  bool locked_ = false;
};

}  // namespace weft
