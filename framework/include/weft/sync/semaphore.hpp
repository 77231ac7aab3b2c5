// Semaphore: a count of permits shared by the tasks of one core. Core-local: no
// atomics, no locks; every task that uses one runs on the core that created it.
//
// Policy, sentence by sentence (each has a test in tests/unit/sync/semaphore_test.cpp):
// - acquire(n) takes n permits at once when that many are available and nobody waits;
//   otherwise the task waits.
// - Waiters are served strictly in the order they started waiting (FIFO): a large
//   request at the head blocks later small ones, even when enough permits for the
//   small ones are available. (No starvation of large requests; the price is that
//   permits may sit idle while the head waits.)
// - release(n) hands permits straight to the waiters at the head of the queue, as
//   many as it can satisfy in order; try_acquire() cannot barge in ahead of a waiter.
// - Cancelling a waiter removes it from the queue and its acquire() throws
//   weft::Cancelled; no permit is lost. If it was the head, the waiters behind it
//   that the available permits now satisfy are served.
// - Cancellation wins until the waiter runs: a waiter that was handed its permits
//   but is cancelled before it resumes gives them back (serving the queue) and throws
//   weft::Cancelled. So an acquire() that loses a select holds nothing.
// - acquire() in a task that is already cancelled throws weft::Cancelled at once,
//   even when permits are available; try_acquire() is never cancelled.
// - A task that acquires without waiting many times in a row yields to the other
//   ready tasks once its inline-completion budget is spent (cancellable while it
//   yields, like a waiter that was handed its permits).
// - The Guard releases its permits when destroyed or on guard.release(); move-only.
//
// A request larger than every permit that will ever be released waits forever (and
// blocks every waiter behind it). The semaphore must outlive its guards and waiters.
#pragma once

#include <weft/core/task.hpp>
#include <weft/sync/detail/wait_list.hpp>

#include <cstddef>
#include <utility>

namespace weft {

class Semaphore {
 public:
  /// Holds permits of a Semaphore; releases them when destroyed. Move-only.
  class Guard {
   public:
    Guard() noexcept = default;
    /// Adopts `count` permits taken with try_acquire().
    Guard(Semaphore& semaphore, std::size_t count) noexcept : semaphore_(&semaphore), count_(count) {}
    Guard(Guard&& other) noexcept
        : semaphore_(std::exchange(other.semaphore_, nullptr)), count_(std::exchange(other.count_, 0)) {}
    Guard& operator=(Guard&& other) noexcept {
      if (this != &other) {
        release();
        semaphore_ = std::exchange(other.semaphore_, nullptr);
        count_ = std::exchange(other.count_, 0);
      }
      return *this;
    }
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;
    ~Guard() { release(); }

    /// Releases the permits early. Idempotent.
    void release() noexcept {
      if (semaphore_ != nullptr) std::exchange(semaphore_, nullptr)->release(std::exchange(count_, 0));
    }
    /// Gives up ownership without releasing: the caller now owes release(count()).
    std::size_t disarm() noexcept {
      semaphore_ = nullptr;
      return std::exchange(count_, 0);
    }
    std::size_t count() const noexcept { return count_; }
    explicit operator bool() const noexcept { return semaphore_ != nullptr; }

   private:
    Semaphore* semaphore_ = nullptr;
    std::size_t count_ = 0;
  };

  explicit Semaphore(std::size_t permits) noexcept : available_(permits) {}
  Semaphore(const Semaphore&) = delete;
  Semaphore& operator=(const Semaphore&) = delete;

  /// Waits until `n` permits can be taken (FIFO, see the top); returns the Guard that releases them.
  /// Cancellation: total — throws weft::Cancelled and holds nothing; permits already handed to the waiter go back to the queue.
  /// Completes inline: may (when the permits are available and nobody waits; after the task's budget of inline completions it yields once first).
  Task<Guard> acquire(std::size_t n = 1);

  /// Takes `n` permits if they are available and nobody waits; pair with Guard(sem, n) or release(n).
  bool try_acquire(std::size_t n = 1) noexcept;

  /// Returns `n` permits, serving waiters from the head of the queue.
  void release(std::size_t n = 1) noexcept;

  /// Permits not held by anyone (a waiter at the head may be waiting for more).
  std::size_t available() const noexcept { return available_; }
  /// Tasks waiting in acquire().
  std::size_t waiters() const noexcept { return waiters_.size(); }

 private:
  friend class SemaphoreAcquireAwaiter;

  /// Serves waiters from the head while the available permits satisfy them.
  void serve() noexcept;

  detail::WaitList waiters_;
  std::size_t available_;
};

}  // namespace weft
