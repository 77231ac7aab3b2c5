// Event: one test per sentence of the policy in event.hpp's header comment, named
// after it, then a leak check. Runtimes run on a paused clock; order is shown by logs.
// One yield_now() lets every task spawned before it reach its wait.
#include <weft/sync/event.hpp>

#include <weft/core/frame_allocator.hpp>
#include <weft/core/result.hpp>
#include <weft/runtime/sleep.hpp>
#include <weft/runtime/spawn.hpp>
#include <weft/testing/backends.hpp>
#include <weft/testing/run.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace {

using namespace std::chrono_literals;
using weft::JoinHandle;
using weft::Task;
using Log = std::vector<std::string>;

class Event : public weft::testing::IoTest {
 protected:
  template <class T>
  T run(Task<T> task) {
    return weft::testing::run(std::move(task), paused_options());
  }
};
WEFT_INSTANTIATE_BACKENDS(Event);

// Waits, then logs "<name>"; logs "<name> cancelled" when wait() throws weft::Cancelled.
Task<void> waiter(weft::Event* event, Log* log, std::string name) {
  try {
    co_await event->wait();
    log->push_back(name);
  } catch (const weft::Cancelled&) {
    log->push_back(name + " cancelled");
  }
}

Task<void> record(Log* log, std::string what) {
  log->push_back(std::move(what));
  co_return;
}

// --- "wait() on a set event returns at once; otherwise the task waits until set()." --------

TEST_P(Event, WaitOnASetEventReturnsWithoutLettingOtherTasksRun) {
  auto body = []() -> Task<Log> {
    weft::Event event(true);
    Log log;
    JoinHandle<void> other = weft::spawn(record(&log, "other task"));
    co_await event.wait();
    log.push_back("waited");
    co_await other;
    co_return log;
  };
  EXPECT_EQ(run(body()), (Log{"waited", "other task"}));
}

TEST_P(Event, WaitOnAClearEventWaitsUntilSet) {
  auto body = []() -> Task<Log> {
    weft::Event event;
    Log log;
    JoinHandle<void> w = weft::spawn(waiter(&event, &log, "waiter"));
    co_await weft::sleep(1h);
    log.push_back("set");
    event.set();
    co_await w;
    co_return log;
  };
  EXPECT_EQ(run(body()), (Log{"set", "waiter"}));
}

// --- "set() wakes every waiter, in the order they started waiting, and the event stays set
//      until reset(); set() on a set event does nothing." ----------------------------------

TEST_P(Event, SetWakesEveryWaiterInTheOrderTheyStartedWaiting) {
  auto body = []() -> Task<Log> {
    weft::Event event;
    Log log;
    std::vector<JoinHandle<void>> waiters;
    for (const char* name : {"a", "b", "c", "d"}) {
      waiters.push_back(weft::spawn(waiter(&event, &log, name)));
      co_await weft::yield_now();
    }
    EXPECT_EQ(event.waiters(), 4u);
    event.set();
    EXPECT_EQ(event.waiters(), 0u);
    for (auto& w : waiters) co_await w;
    co_return log;
  };
  EXPECT_EQ(run(body()), (Log{"a", "b", "c", "d"}));
}

TEST_P(Event, EventStaysSetUntilResetAndSettingItAgainDoesNothing) {
  auto body = []() -> Task<Log> {
    weft::Event event;
    Log log;
    event.set();
    event.set();
    co_await event.wait();
    co_await event.wait();
    log.push_back(event.is_set() ? "set" : "clear");
    event.reset();
    log.push_back(event.is_set() ? "set after reset" : "clear after reset");
    JoinHandle<void> w = weft::spawn(waiter(&event, &log, "waiter after reset"));
    co_await weft::yield_now();
    log.push_back("waiting " + std::to_string(event.waiters()));
    event.set();
    co_await w;
    co_return log;
  };
  EXPECT_EQ(run(body()), (Log{"set", "clear after reset", "waiting 1", "waiter after reset"}));
}

// --- "A waiter woken by set() returns normally even if reset() runs before it resumes." ----

TEST_P(Event, WaiterWokenBySetReturnsEvenIfResetRunsBeforeItResumes) {
  auto body = []() -> Task<Log> {
    weft::Event event;
    Log log;
    JoinHandle<void> w = weft::spawn(waiter(&event, &log, "waiter"));
    co_await weft::yield_now();
    event.set();
    event.reset();
    co_await w;
    co_return log;
  };
  EXPECT_EQ(run(body()), (Log{"waiter"}));
}

// --- "Cancelling a waiter removes it and its wait() throws weft::Cancelled; the event and the
//      other waiters are unaffected." -----------------------------------------------------

TEST_P(Event, CancellingAWaiterRemovesItAndItsWaitThrowsCancelled) {
  auto body = []() -> Task<Log> {
    weft::Event event;
    Log log;
    JoinHandle<void> a = weft::spawn(waiter(&event, &log, "a"));
    JoinHandle<void> b = weft::spawn(waiter(&event, &log, "b"));
    co_await weft::yield_now();
    a.cancel();
    co_await a;
    EXPECT_EQ(event.waiters(), 1u);
    EXPECT_FALSE(event.is_set());
    event.set();
    co_await b;
    co_return log;
  };
  EXPECT_EQ(run(body()), (Log{"a cancelled", "b"}));
}

// --- "Cancellation wins until the waiter runs: a waiter woken by set() but cancelled before
//      it resumes throws weft::Cancelled (the other waiters are woken regardless)." --------

TEST_P(Event, WaiterWokenButCancelledBeforeItRunsThrowsCancelled) {
  auto body = []() -> Task<Log> {
    weft::Event event;
    Log log;
    JoinHandle<void> a = weft::spawn(waiter(&event, &log, "a"));
    JoinHandle<void> b = weft::spawn(waiter(&event, &log, "b"));
    co_await weft::yield_now();
    event.set();
    a.cancel();
    co_await a;
    co_await b;
    co_return log;
  };
  EXPECT_EQ(run(body()), (Log{"a cancelled", "b"}));
}

// --- "wait() in a task that is already cancelled throws weft::Cancelled at once, even when the
//      event is set; is_set() is never cancelled." ----------------------------------------

TEST_P(Event, WaitInAnAlreadyCancelledTaskThrowsAtOnceEvenWhenTheEventIsSet) {
  auto body = []() -> Task<Log> {
    weft::Event event(true);
    Log log;
    JoinHandle<void> w = weft::spawn(waiter(&event, &log, "waiter"));
    w.cancel();
    co_await w;
    log.push_back(event.is_set() ? "still set" : "cleared");
    co_return log;
  };
  EXPECT_EQ(run(body()), (Log{"waiter cancelled", "still set"}));
}

// --- "A task that waits on a set event many times in a row yields ..." ---------------------

TEST_P(Event, ManyWaitsOnASetEventInARowLetOtherTasksRun) {
  auto body = []() -> Task<Log> {
    weft::Event event(true);
    Log log;
    JoinHandle<void> other = weft::spawn(record(&log, "other task"));
    for (int i = 0; i < 1000; ++i) co_await event.wait();
    log.push_back("1000 waits");
    co_await other;
    co_return log;
  };
  EXPECT_EQ(run(body()), (Log{"other task", "1000 waits"}));
}

// --- Nothing leaks --------------------------------------------------------------------------

TEST_P(Event, FramesAreReleasedWhetherWaitersAreWokenOrCancelled) {
  auto body = []() -> Task<std::int64_t> {
    const std::int64_t before = weft::frame_stats().live;
    {
      weft::Event event;
      Log log;
      std::vector<JoinHandle<void>> waiters;
      for (int i = 0; i < 50; ++i) waiters.push_back(weft::spawn(waiter(&event, &log, "w")));
      co_await weft::yield_now();
      for (int i = 0; i < 50; i += 2) waiters[i].cancel();
      event.set();
      for (auto& w : waiters) co_await w;
      EXPECT_EQ(log.size(), 50u);
    }
    co_return weft::frame_stats().live - before;
  };
  EXPECT_EQ(run(body()), 0);
}

}  // namespace
