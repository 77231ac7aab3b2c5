// Mutex: one test per sentence of the policy in mutex.hpp's header comment, named
// after it, then the Guard and a leak check. Runtimes run on a paused clock; order is
// shown by logs, never by time. "Let the spawned tasks reach their wait" is one
// yield_now(): every task spawned before it runs until it suspends.
#include <weft/sync/mutex.hpp>

#include <weft/core/frame_allocator.hpp>
#include <weft/core/result.hpp>
#include <weft/runtime/select.hpp>
#include <weft/runtime/sleep.hpp>
#include <weft/runtime/spawn.hpp>
#include <weft/testing/backends.hpp>
#include <weft/testing/run.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace {

using namespace std::chrono_literals;
using weft::JoinHandle;
using weft::Task;
using Log = std::vector<std::string>;

class Mutex : public weft::testing::IoTest {
 protected:
  template <class T>
  T run(Task<T> task) {
    return weft::testing::run(std::move(task), paused_options());
  }
};
WEFT_INSTANTIATE_BACKENDS(Mutex);

// Takes the lock, logs, keeps it over one yield, and unlocks.
Task<void> locker(weft::Mutex* mutex, Log* log, std::string name) {
  weft::Mutex::Guard guard = co_await mutex->lock();
  log->push_back(name);
  co_await weft::yield_now();
}

// Like locker, but logs "<name> cancelled" when its lock() throws weft::Cancelled.
Task<void> cancellable_locker(weft::Mutex* mutex, Log* log, std::string name) {
  try {
    weft::Mutex::Guard guard = co_await mutex->lock();
    log->push_back(name);
    co_await weft::yield_now();
  } catch (const weft::Cancelled&) {
    log->push_back(name + " cancelled");
  }
}

Task<void> record(Log* log, std::string what) {
  log->push_back(std::move(what));
  co_return;
}

// --- "lock() of a free mutex takes it at once; otherwise the task waits." ------------------

TEST_P(Mutex, LockOfAFreeMutexTakesItWithoutLettingOtherTasksRun) {
  auto body = []() -> Task<Log> {
    weft::Mutex mutex;
    Log log;
    JoinHandle<void> other = weft::spawn(record(&log, "other task"));
    {
      weft::Mutex::Guard guard = co_await mutex.lock();
      log.push_back(mutex.is_locked() ? "locked" : "not locked");
    }
    log.push_back(mutex.is_locked() ? "still locked" : "unlocked");
    co_await other;
    co_return log;
  };
  EXPECT_EQ(run(body()), (Log{"locked", "unlocked", "other task"}));
}

TEST_P(Mutex, LockOfAHeldMutexWaitsUntilItIsUnlocked) {
  auto body = []() -> Task<Log> {
    weft::Mutex mutex;
    Log log;
    weft::Mutex::Guard guard = co_await mutex.lock();
    JoinHandle<void> waiter = weft::spawn(locker(&mutex, &log, "waiter"));
    co_await weft::sleep(1h);
    log.push_back("holder unlocks");
    guard.unlock();
    co_await waiter;
    co_return log;
  };
  EXPECT_EQ(run(body()), (Log{"holder unlocks", "waiter"}));
}

// --- "Waiters get the lock in the order they started waiting (FIFO)." ----------------------

TEST_P(Mutex, WaitersGetTheLockInTheOrderTheyStartedWaiting) {
  auto body = []() -> Task<Log> {
    weft::Mutex mutex;
    Log log;
    weft::Mutex::Guard guard = co_await mutex.lock();
    std::vector<JoinHandle<void>> waiters;
    for (const char* name : {"a", "b", "c", "d", "e"}) {
      waiters.push_back(weft::spawn(locker(&mutex, &log, name)));
      co_await weft::yield_now();  // each starts waiting before the next is spawned
    }
    EXPECT_EQ(mutex.waiters(), 5u);
    guard.unlock();
    for (auto& waiter : waiters) co_await waiter;
    co_return log;
  };
  EXPECT_EQ(run(body()), (Log{"a", "b", "c", "d", "e"}));
}

// --- "Unlocking hands the lock straight to the first waiter: ... no barging." --------------

TEST_P(Mutex, UnlockHandsTheLockToTheFirstWaiterSoNobodyCanBargeIn) {
  auto body = []() -> Task<Log> {
    weft::Mutex mutex;
    Log log;
    weft::Mutex::Guard guard = co_await mutex.lock();
    JoinHandle<void> waiter = weft::spawn(locker(&mutex, &log, "waiter"));
    co_await weft::yield_now();
    guard.unlock();
    // The waiter has not run yet, but it owns the mutex already.
    EXPECT_TRUE(mutex.is_locked());
    EXPECT_FALSE(mutex.try_lock());
    JoinHandle<void> latecomer = weft::spawn(locker(&mutex, &log, "latecomer"));
    co_await waiter;
    co_await latecomer;
    co_return log;
  };
  EXPECT_EQ(run(body()), (Log{"waiter", "latecomer"}));
}

// --- "Cancelling a waiter removes it from the queue and its lock() throws weft::Cancelled"

TEST_P(Mutex, CancellingAWaiterRemovesItAndItsLockThrowsCancelled) {
  auto body = []() -> Task<Log> {
    weft::Mutex mutex;
    Log log;
    weft::Mutex::Guard guard = co_await mutex.lock();
    JoinHandle<void> a = weft::spawn(cancellable_locker(&mutex, &log, "a"));
    JoinHandle<void> b = weft::spawn(cancellable_locker(&mutex, &log, "b"));
    JoinHandle<void> c = weft::spawn(cancellable_locker(&mutex, &log, "c"));
    co_await weft::yield_now();
    b.cancel();
    co_await b;  // finishes while the holder still holds the lock
    EXPECT_EQ(mutex.waiters(), 2u);
    EXPECT_TRUE(mutex.is_locked());
    guard.unlock();
    co_await a;
    co_await c;
    EXPECT_FALSE(mutex.is_locked());
    co_return log;
  };
  EXPECT_EQ(run(body()), (Log{"b cancelled", "a", "c"}));
}

// --- "Cancellation wins until the waiter runs: ... passes the lock on ... (or frees it)" ----

TEST_P(Mutex, WaiterHandedTheLockButCancelledBeforeItRunsPassesItToTheNextWaiter) {
  auto body = []() -> Task<Log> {
    weft::Mutex mutex;
    Log log;
    weft::Mutex::Guard guard = co_await mutex.lock();
    JoinHandle<void> b = weft::spawn(cancellable_locker(&mutex, &log, "b"));
    JoinHandle<void> c = weft::spawn(cancellable_locker(&mutex, &log, "c"));
    co_await weft::yield_now();
    guard.unlock();  // hands the lock to b...
    b.cancel();      // ...which is cancelled before it runs
    co_await b;
    co_await c;
    EXPECT_FALSE(mutex.is_locked());
    co_return log;
  };
  EXPECT_EQ(run(body()), (Log{"b cancelled", "c"}));
}

TEST_P(Mutex, WaiterHandedTheLockButCancelledBeforeItRunsFreesItWhenNobodyElseWaits) {
  auto body = []() -> Task<Log> {
    weft::Mutex mutex;
    Log log;
    weft::Mutex::Guard guard = co_await mutex.lock();
    JoinHandle<void> b = weft::spawn(cancellable_locker(&mutex, &log, "b"));
    co_await weft::yield_now();
    guard.unlock();
    b.cancel();
    EXPECT_FALSE(mutex.is_locked()) << "the cancelled waiter's lock was given back at once";
    co_await b;
    co_return log;
  };
  EXPECT_EQ(run(body()), (Log{"b cancelled"}));
}

TEST_P(Mutex, LockThatLosesASelectHoldsNothing) {
  // The holder unlocks on the same timer tick as the select's timeout fires: whichever
  // branch wins, a lock() that lost must not keep the mutex.
  auto lock_it = [](weft::Mutex* mutex) -> Task<weft::Mutex::Guard> { co_return co_await mutex->lock(); };
  auto holder = [](weft::Mutex* mutex) -> Task<void> {
    weft::Mutex::Guard guard = co_await mutex->lock();
    co_await weft::sleep(1s);
  };
  auto body = [&]() -> Task<bool> {
    weft::Mutex mutex;
    JoinHandle<void> held = weft::spawn(holder(&mutex));
    co_await weft::yield_now();
    auto outcome = co_await weft::select(lock_it(&mutex), weft::sleep(1s));
    co_await held;
    if (outcome.index() == 0) {
      EXPECT_TRUE(std::get<0>(outcome).owns_lock());
      std::get<0>(outcome).unlock();
    }
    co_return mutex.is_locked();
  };
  EXPECT_FALSE(run(body()));
}

// --- "lock() in a task that is already cancelled throws weft::Cancelled at once, even when
//      the mutex is free; try_lock() is never cancelled" ------------------------------------

TEST_P(Mutex, LockInAnAlreadyCancelledTaskThrowsAtOnceEvenWhenTheMutexIsFree) {
  auto task = [](weft::Mutex* mutex) -> Task<Log> {
    Log log;
    try {
      weft::Mutex::Guard guard = co_await mutex->lock();
      log.push_back("locked");
    } catch (const weft::Cancelled&) {
      log.push_back(mutex->is_locked() ? "cancelled, locked" : "cancelled, free");
    }
    if (mutex->try_lock()) {
      weft::Mutex::Guard adopted(*mutex, std::adopt_lock);
      log.push_back("try_lock ok");
    }
    co_return log;
  };
  auto body = [&]() -> Task<Log> {
    weft::Mutex mutex;
    JoinHandle<Log> handle = weft::spawn(task(&mutex));
    handle.cancel();  // before it starts
    Log log = co_await handle;
    EXPECT_FALSE(mutex.is_locked());
    co_return log;
  };
  EXPECT_EQ(run(body()), (Log{"cancelled, free", "try_lock ok"}));
}

// --- "A task that takes the lock without waiting many times in a row yields ..." ------------

TEST_P(Mutex, ManyUncontendedLocksInARowLetOtherTasksRun) {
  auto body = []() -> Task<Log> {
    weft::Mutex mutex;
    Log log;
    JoinHandle<void> other = weft::spawn(record(&log, "other task"));
    for (int i = 0; i < 1000; ++i) {
      weft::Mutex::Guard guard = co_await mutex.lock();
    }
    log.push_back("1000 locks");
    co_await other;
    co_return log;
  };
  EXPECT_EQ(run(body()), (Log{"other task", "1000 locks"}));
}

TEST_P(Mutex, TaskCancelledWhileYieldingForItsBudgetGivesTheLockBack) {
  auto spinner = [](weft::Mutex* mutex, int* locks) -> Task<void> {
    for (;;) {
      weft::Mutex::Guard guard = co_await mutex->lock();
      ++*locks;
    }
  };
  auto canceller = [](JoinHandle<void>* target, bool* free_after) -> Task<void> {
    target->cancel();  // runs while the spinner is queued behind it, holding the lock
    *free_after = true;
    co_return;
  };
  auto body = [&]() -> Task<std::pair<bool, bool>> {
    weft::Mutex mutex;
    int locks = 0;
    bool cancelled_it = false;
    JoinHandle<void> spin = weft::spawn(spinner(&mutex, &locks));
    JoinHandle<void> cancel = weft::spawn(canceller(&spin, &cancelled_it));
    bool threw = false;
    try {
      co_await spin;
    } catch (const weft::Cancelled&) {
      threw = true;
    }
    co_await cancel;
    EXPECT_TRUE(cancelled_it);
    EXPECT_GT(locks, 0);
    EXPECT_LT(locks, 1000);
    co_return std::pair{threw, mutex.is_locked()};
  };
  const auto [threw, locked] = run(body());
  EXPECT_TRUE(threw);
  EXPECT_FALSE(locked);
}

// --- "The Guard unlocks when destroyed or on guard.unlock(); it is move-only." --------------

static_assert(!std::is_copy_constructible_v<weft::Mutex::Guard>);
static_assert(!std::is_copy_assignable_v<weft::Mutex::Guard>);
static_assert(std::is_nothrow_move_constructible_v<weft::Mutex::Guard>);

TEST_P(Mutex, GuardUnlocksWhenDestroyedOrOnUnlockAndMovesOwnership) {
  auto body = []() -> Task<Log> {
    weft::Mutex mutex;
    Log log;
    {
      weft::Mutex::Guard guard = co_await mutex.lock();
      weft::Mutex::Guard moved = std::move(guard);
      log.push_back(guard.owns_lock() ? "source owns" : "source empty");
      log.push_back(moved.owns_lock() && moved.mutex() == &mutex ? "target owns" : "target empty");
      log.push_back(mutex.is_locked() ? "locked" : "free");
    }
    log.push_back(mutex.is_locked() ? "locked after scope" : "free after scope");
    weft::Mutex::Guard guard = co_await mutex.lock();
    guard.unlock();
    guard.unlock();  // idempotent
    log.push_back(mutex.is_locked() ? "locked after unlock" : "free after unlock");
    co_return log;
  };
  EXPECT_EQ(run(body()),
            (Log{"source empty", "target owns", "locked", "free after scope", "free after unlock"}));
}

// --- Nothing leaks --------------------------------------------------------------------------

TEST_P(Mutex, FramesAreReleasedWhetherWaitersGetTheLockOrAreCancelled) {
  auto body = []() -> Task<std::int64_t> {
    const std::int64_t before = weft::frame_stats().live;
    {
      weft::Mutex mutex;
      Log log;
      weft::Mutex::Guard guard = co_await mutex.lock();
      std::vector<JoinHandle<void>> waiters;
      for (int i = 0; i < 50; ++i) waiters.push_back(weft::spawn(cancellable_locker(&mutex, &log, "w")));
      co_await weft::yield_now();
      for (int i = 0; i < 50; i += 2) waiters[i].cancel();
      guard.unlock();
      for (auto& waiter : waiters) co_await waiter;
      EXPECT_EQ(log.size(), 50u);
      EXPECT_FALSE(mutex.is_locked());
    }
    co_return weft::frame_stats().live - before;
  };
  EXPECT_EQ(run(body()), 0);
}

}  // namespace
