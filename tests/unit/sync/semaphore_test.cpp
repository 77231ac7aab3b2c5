// Semaphore: one test per sentence of the policy in semaphore.hpp's header comment,
// named after it, then the Guard, a permit-conservation run under seeded random
// cancellation, and a leak check. Runtimes run on a paused clock; order is shown by
// logs. One yield_now() lets every task spawned before it reach its wait.
#include <weft/sync/semaphore.hpp>

#include <weft/core/frame_allocator.hpp>
#include <weft/core/result.hpp>
#include <weft/runtime/sleep.hpp>
#include <weft/runtime/spawn.hpp>
#include <weft/testing/backends.hpp>
#include <weft/testing/run.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace {

using namespace std::chrono_literals;
using weft::JoinHandle;
using weft::Task;
using Log = std::vector<std::string>;

class Semaphore : public weft::testing::IoTest {
 protected:
  template <class T>
  T run(Task<T> task) {
    return weft::testing::run(std::move(task), paused_options());
  }
};
WEFT_INSTANTIATE_BACKENDS(Semaphore);

// Acquires `n`, logs "<name>", holds the permits over one yield, then releases them.
// Logs "<name> cancelled" instead when acquire() throws weft::Cancelled.
Task<void> taker(weft::Semaphore* semaphore, std::size_t n, Log* log, std::string name) {
  try {
    weft::Semaphore::Guard guard = co_await semaphore->acquire(n);
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

// --- "acquire(n) takes n permits at once when that many are available and nobody waits;
//      otherwise the task waits." ----------------------------------------------------------

TEST_P(Semaphore, AcquireTakesAvailablePermitsWithoutLettingOtherTasksRun) {
  auto body = []() -> Task<Log> {
    weft::Semaphore semaphore(5);
    Log log;
    JoinHandle<void> other = weft::spawn(record(&log, "other task"));
    {
      weft::Semaphore::Guard guard = co_await semaphore.acquire(3);
      log.push_back("holds " + std::to_string(guard.count()) + ", left " + std::to_string(semaphore.available()));
    }
    log.push_back("left " + std::to_string(semaphore.available()));
    co_await other;
    co_return log;
  };
  EXPECT_EQ(run(body()), (Log{"holds 3, left 2", "left 5", "other task"}));
}

TEST_P(Semaphore, AcquireWaitsUntilEnoughPermitsAreReleased) {
  auto body = []() -> Task<Log> {
    weft::Semaphore semaphore(2);
    Log log;
    weft::Semaphore::Guard first = co_await semaphore.acquire(1);
    JoinHandle<void> waiter = weft::spawn(taker(&semaphore, 2, &log, "wants 2"));
    co_await weft::sleep(1h);
    log.push_back("release 1");
    first.release();
    co_await waiter;
    EXPECT_EQ(semaphore.available(), 2u);
    co_return log;
  };
  EXPECT_EQ(run(body()), (Log{"release 1", "wants 2"}));
}

// --- "Waiters are served strictly in the order they started waiting (FIFO): a large request
//      at the head blocks later small ones" -----------------------------------------------

TEST_P(Semaphore, WaitersAreServedInTheOrderTheyStartedWaiting) {
  auto body = []() -> Task<Log> {
    weft::Semaphore semaphore(1);
    Log log;
    weft::Semaphore::Guard guard = co_await semaphore.acquire();
    std::vector<JoinHandle<void>> waiters;
    for (const char* name : {"a", "b", "c", "d"}) {
      waiters.push_back(weft::spawn(taker(&semaphore, 1, &log, name)));
      co_await weft::yield_now();
    }
    guard.release();
    for (auto& waiter : waiters) co_await waiter;
    co_return log;
  };
  EXPECT_EQ(run(body()), (Log{"a", "b", "c", "d"}));
}

TEST_P(Semaphore, LargeRequestAtTheHeadBlocksLaterSmallOnes) {
  auto body = []() -> Task<Log> {
    weft::Semaphore semaphore(3);
    Log log;
    weft::Semaphore::Guard held = co_await semaphore.acquire(3);
    JoinHandle<void> large = weft::spawn(taker(&semaphore, 3, &log, "large"));
    co_await weft::yield_now();
    JoinHandle<void> small = weft::spawn(taker(&semaphore, 1, &log, "small"));
    co_await weft::yield_now();
    // Give back two of the three: enough for "small", not for "large" at the head.
    std::size_t owed = held.disarm();
    semaphore.release(2);
    owed -= 2;
    co_await weft::yield_now();
    log.push_back("available " + std::to_string(semaphore.available()));
    log.push_back(semaphore.try_acquire(1) ? "try_acquire barged in" : "try_acquire refused");
    semaphore.release(owed);
    co_await large;
    co_await small;
    co_return log;
  };
  EXPECT_EQ(run(body()), (Log{"available 2", "try_acquire refused", "large", "small"}));
}

// --- "release(n) hands permits straight to the waiters at the head of the queue, as many as
//      it can satisfy in order; try_acquire() cannot barge in ahead of a waiter." ----------

TEST_P(Semaphore, ReleaseServesAsManyHeadWaitersAsThePermitsSatisfy) {
  auto body = []() -> Task<Log> {
    weft::Semaphore semaphore(0);
    Log log;
    std::vector<JoinHandle<void>> waiters;
    for (const char* name : {"a", "b", "c"}) waiters.push_back(weft::spawn(taker(&semaphore, 1, &log, name)));
    co_await weft::yield_now();
    semaphore.release(2);
    log.push_back("waiting " + std::to_string(semaphore.waiters()) + ", available " +
                  std::to_string(semaphore.available()));
    log.push_back(semaphore.try_acquire(1) ? "try_acquire barged in" : "try_acquire refused");
    co_await waiters[0];
    co_await waiters[1];
    semaphore.release(1);
    co_await waiters[2];
    co_return log;
  };
  EXPECT_EQ(run(body()), (Log{"waiting 1, available 0", "try_acquire refused", "a", "b", "c"}));
}

// --- "Cancelling a waiter removes it from the queue and its acquire() throws
//      weft::Cancelled; no permit is lost. If it was the head, the waiters behind it that the
//      available permits now satisfy are served." ------------------------------------------

TEST_P(Semaphore, CancellingAWaiterRemovesItAndLosesNoPermit) {
  auto body = []() -> Task<Log> {
    weft::Semaphore semaphore(1);
    Log log;
    weft::Semaphore::Guard guard = co_await semaphore.acquire();
    JoinHandle<void> a = weft::spawn(taker(&semaphore, 1, &log, "a"));
    JoinHandle<void> b = weft::spawn(taker(&semaphore, 1, &log, "b"));
    co_await weft::yield_now();
    a.cancel();
    co_await a;
    EXPECT_EQ(semaphore.waiters(), 1u);
    guard.release();
    co_await b;
    EXPECT_EQ(semaphore.available(), 1u);
    co_return log;
  };
  EXPECT_EQ(run(body()), (Log{"a cancelled", "b"}));
}

TEST_P(Semaphore, CancellingTheHeadServesTheWaitersBehindItThatThePermitsSatisfy) {
  auto body = []() -> Task<Log> {
    weft::Semaphore semaphore(2);
    Log log;
    weft::Semaphore::Guard guard = co_await semaphore.acquire(2);
    JoinHandle<void> large = weft::spawn(taker(&semaphore, 2, &log, "large"));
    JoinHandle<void> small = weft::spawn(taker(&semaphore, 1, &log, "small"));
    co_await weft::yield_now();
    std::size_t owed = guard.disarm();
    semaphore.release(1);  // enough for "small", but "large" is at the head
    --owed;
    co_await weft::yield_now();
    log.push_back("still waiting " + std::to_string(semaphore.waiters()));
    large.cancel();
    co_await large;
    co_await small;
    semaphore.release(owed);
    EXPECT_EQ(semaphore.available(), 2u);
    co_return log;
  };
  EXPECT_EQ(run(body()), (Log{"still waiting 2", "large cancelled", "small"}));
}

// --- "Cancellation wins until the waiter runs: a waiter that was handed its permits but is
//      cancelled before it resumes gives them back" -----------------------------------------

TEST_P(Semaphore, WaiterHandedPermitsButCancelledBeforeItRunsGivesThemBack) {
  auto body = []() -> Task<Log> {
    weft::Semaphore semaphore(1);
    Log log;
    weft::Semaphore::Guard guard = co_await semaphore.acquire();
    JoinHandle<void> a = weft::spawn(taker(&semaphore, 1, &log, "a"));
    JoinHandle<void> b = weft::spawn(taker(&semaphore, 1, &log, "b"));
    co_await weft::yield_now();
    guard.release();  // hands the permit to a...
    a.cancel();       // ...which is cancelled before it runs: b gets it
    co_await a;
    co_await b;
    EXPECT_EQ(semaphore.available(), 1u);
    co_return log;
  };
  EXPECT_EQ(run(body()), (Log{"a cancelled", "b"}));
}

// --- "acquire() in a task that is already cancelled throws weft::Cancelled at once, even when
//      permits are available; try_acquire() is never cancelled." ---------------------------

TEST_P(Semaphore, AcquireInAnAlreadyCancelledTaskThrowsAtOnceEvenWhenPermitsAreAvailable) {
  auto task = [](weft::Semaphore* semaphore) -> Task<Log> {
    Log log;
    try {
      weft::Semaphore::Guard guard = co_await semaphore->acquire(2);
      log.push_back("acquired");
    } catch (const weft::Cancelled&) {
      log.push_back("cancelled, available " + std::to_string(semaphore->available()));
    }
    if (semaphore->try_acquire(2)) {
      weft::Semaphore::Guard adopted(*semaphore, 2);
      log.push_back("try_acquire ok");
    }
    co_return log;
  };
  auto body = [&]() -> Task<Log> {
    weft::Semaphore semaphore(4);
    JoinHandle<Log> handle = weft::spawn(task(&semaphore));
    handle.cancel();
    Log log = co_await handle;
    EXPECT_EQ(semaphore.available(), 4u);
    co_return log;
  };
  EXPECT_EQ(run(body()), (Log{"cancelled, available 4", "try_acquire ok"}));
}

// --- "A task that acquires without waiting many times in a row yields ..." -----------------

TEST_P(Semaphore, ManyImmediateAcquiresInARowLetOtherTasksRun) {
  auto body = []() -> Task<Log> {
    weft::Semaphore semaphore(1);
    Log log;
    JoinHandle<void> other = weft::spawn(record(&log, "other task"));
    for (int i = 0; i < 1000; ++i) {
      weft::Semaphore::Guard guard = co_await semaphore.acquire();
    }
    log.push_back("1000 acquires");
    co_await other;
    co_return log;
  };
  EXPECT_EQ(run(body()), (Log{"other task", "1000 acquires"}));
}

// --- "The Guard releases its permits when destroyed or on guard.release(); move-only." ------

static_assert(!std::is_copy_constructible_v<weft::Semaphore::Guard>);
static_assert(std::is_nothrow_move_constructible_v<weft::Semaphore::Guard>);

TEST_P(Semaphore, GuardReleasesWhenDestroyedOrOnReleaseAndMovesOwnership) {
  auto body = []() -> Task<std::vector<std::size_t>> {
    weft::Semaphore semaphore(5);
    std::vector<std::size_t> available;
    {
      weft::Semaphore::Guard guard = co_await semaphore.acquire(2);
      weft::Semaphore::Guard moved = std::move(guard);
      EXPECT_EQ(guard.count(), 0u);
      EXPECT_EQ(moved.count(), 2u);
      available.push_back(semaphore.available());
    }
    available.push_back(semaphore.available());
    weft::Semaphore::Guard guard = co_await semaphore.acquire(4);
    guard.release();
    guard.release();  // idempotent
    available.push_back(semaphore.available());
    co_return available;
  };
  EXPECT_EQ(run(body()), (std::vector<std::size_t>{3, 5, 5}));
}

// --- "no permit is lost", under many waiters and seeded random cancellation -----------------

TEST_P(Semaphore, NoPermitIsLostUnderRandomCancellation) {
  auto worker = [](weft::Semaphore* semaphore, std::size_t n, int* served) -> Task<void> {
    weft::Semaphore::Guard guard = co_await semaphore->acquire(n);
    ++*served;
    co_await weft::sleep(std::chrono::milliseconds(n));
  };
  auto body = [&]() -> Task<std::pair<std::size_t, int>> {
    constexpr std::size_t kPermits = 5;
    weft::Semaphore semaphore(kPermits);
    std::mt19937 random(20240611);
    int served = 0;
    std::vector<JoinHandle<void>> workers;
    for (int i = 0; i < 300; ++i) {
      workers.push_back(weft::spawn(worker(&semaphore, 1 + random() % kPermits, &served)));
      if (random() % 3 == 0) co_await weft::yield_now();
      if (random() % 4 == 0) workers[random() % workers.size()].cancel();
      if (random() % 5 == 0) co_await weft::sleep(std::chrono::milliseconds(random() % 3));
    }
    for (auto& handle : workers) {
      try {
        co_await handle;
      } catch (const weft::Cancelled&) {
      }
    }
    EXPECT_EQ(semaphore.waiters(), 0u);
    co_return std::pair{semaphore.available(), served};
  };
  const auto [available, served] = run(body());
  EXPECT_EQ(available, 5u);
  EXPECT_GT(served, 0);
}

// --- Nothing leaks --------------------------------------------------------------------------

TEST_P(Semaphore, FramesAreReleasedWhetherWaitersAreServedOrCancelled) {
  auto body = []() -> Task<std::int64_t> {
    const std::int64_t before = weft::frame_stats().live;
    {
      weft::Semaphore semaphore(0);
      Log log;
      std::vector<JoinHandle<void>> waiters;
      for (int i = 0; i < 50; ++i) waiters.push_back(weft::spawn(taker(&semaphore, 1, &log, "w")));
      co_await weft::yield_now();
      for (int i = 0; i < 50; i += 2) waiters[i].cancel();
      semaphore.release(3);
      for (auto& waiter : waiters) co_await waiter;
      EXPECT_EQ(log.size(), 50u);
      EXPECT_EQ(semaphore.available(), 3u);
    }
    co_return weft::frame_stats().live - before;
  };
  EXPECT_EQ(run(body()), 0);
}

}  // namespace
