// spawn and JoinHandle: one test per sentence of spawn.hpp's header comment, plus the
// handle's small API (done, detach) and a leak check. Every runtime runs on a paused
// clock, so sleeps of hours pass at once; assertions are on outcomes and on the
// reactor's clock (weft::now()), never on wall time.
#include <weft/runtime/spawn.hpp>

#include <weft/core/cancellation.hpp>
#include <weft/core/frame_allocator.hpp>
#include <weft/core/result.hpp>
#include <weft/runtime/clock.hpp>
#include <weft/runtime/sleep.hpp>
#include <weft/testing/backends.hpp>
#include <weft/testing/run.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace {

using namespace std::chrono_literals;
using weft::JoinHandle;
using weft::Task;

class Spawn : public weft::testing::IoTest {
 protected:
  template <class T>
  T run(Task<T> task) {
    return weft::testing::run(std::move(task), paused_options());
  }
};
WEFT_INSTANTIATE_BACKENDS(Spawn);

// Counts live instances, so a test can prove a task's captures were destroyed.
struct Counted {
  static inline int live = 0;
  Counted() { ++live; }
  Counted(const Counted&) { ++live; }
  Counted(Counted&&) noexcept { ++live; }
  ~Counted() { --live; }
};

Task<void> record(std::vector<std::string>* log, std::string what) {
  log->push_back(std::move(what));
  co_return;
}

Task<int> value_after(std::chrono::milliseconds delay, int value) {
  co_await weft::sleep(delay);
  co_return value;
}

Task<int> throw_after_yield(std::string message) {
  co_await weft::yield_now();
  throw std::runtime_error(message);
}

// Sleeps for an hour; says how the sleep ended. Catching Cancelled, it returns normally.
Task<std::string> sleep_reporting_how_it_ended() {
  try {
    co_await weft::sleep(1h);
  } catch (const weft::Cancelled&) {
    co_return "cancelled";
  }
  co_return "slept";
}

Task<void> sleep_an_hour() { co_await weft::sleep(1h); }

// --- "The task starts at the next turn of this core's run queue" -------------------

TEST_P(Spawn, TaskStartsAtTheNextTurnNotInsideSpawn) {
  auto body = []() -> Task<std::vector<std::string>> {
    std::vector<std::string> log;
    JoinHandle<void> handle = weft::spawn(record(&log, "child ran"));
    log.push_back("spawn returned");
    co_await weft::yield_now();
    log.push_back("after one turn");
    co_await handle;
    co_return log;
  };
  EXPECT_EQ(run(body()), (std::vector<std::string>{"spawn returned", "child ran", "after one turn"}));
}

TEST_P(Spawn, SpawnedTasksRunConcurrentlyWithTheSpawner) {
  // Two one-hour sleeps, one spawned and one in the spawner, end together at +1h.
  auto body = []() -> Task<std::chrono::nanoseconds> {
    const weft::Instant start = weft::now();
    JoinHandle<void> handle = weft::spawn(sleep_an_hour());
    co_await weft::sleep(1h);
    co_await handle;
    co_return weft::now() - start;
  };
  const auto elapsed = run(body());
  EXPECT_GE(elapsed, 1h);
  EXPECT_LT(elapsed, 2h);
}

// --- "`co_await handle` waits for it and yields its result (rethrowing its exception)"

TEST_P(Spawn, AwaitingTheHandleReturnsTheTasksValue) {
  auto body = []() -> Task<int> { co_return co_await weft::spawn(value_after(10ms, 42)); };
  EXPECT_EQ(run(body()), 42);
}

TEST_P(Spawn, AwaitingTheHandleOfAFinishedTaskReturnsItsValue) {
  auto body = []() -> Task<int> {
    JoinHandle<int> handle = weft::spawn(value_after(0ms, 7));
    co_await weft::sleep(1s);
    EXPECT_TRUE(handle.done());
    co_return co_await handle;
  };
  EXPECT_EQ(run(body()), 7);
}

TEST_P(Spawn, AwaitingTheHandleRethrowsTheTasksException) {
  auto body = []() -> Task<std::string> {
    JoinHandle<int> handle = weft::spawn(throw_after_yield("boom"));
    try {
      co_await handle;
    } catch (const std::runtime_error& e) {
      co_return e.what();
    }
    co_return "no exception";
  };
  EXPECT_EQ(run(body()), "boom");
}

TEST_P(Spawn, AwaitingAVoidHandleReturnsOnceTheTaskHasEnded) {
  auto body = []() -> Task<std::vector<std::string>> {
    std::vector<std::string> log;
    auto child = [](std::vector<std::string>* out) -> Task<void> {
      co_await weft::sleep(5s);
      out->push_back("child ended");
    };
    co_await weft::spawn(child(&log));
    log.push_back("await returned");
    co_return log;
  };
  EXPECT_EQ(run(body()), (std::vector<std::string>{"child ended", "await returned"}));
}

// --- "If the awaiting task is cancelled while it waits, the spawned task is cancelled
//      too and still awaited: the await ends with the spawned task's own outcome
//      (usually weft::Cancelled) only after it has finished." ---------------------------

struct InnerProgress {
  bool cancelled = false;
  bool finished = false;
  bool finished_when_outer_resumed = false;
};

// Waits an hour; on cancellation it keeps going for a few turns, then returns 7.
Task<int> inner_that_cleans_up(InnerProgress* progress) {
  try {
    co_await weft::sleep(1h);
  } catch (const weft::Cancelled&) {
    progress->cancelled = true;
  }
  for (int i = 0; i < 3; ++i) co_await weft::yield_now();  // yield ignores cancellation
  progress->finished = true;
  co_return 7;
}

Task<int> outer_awaiting_inner(InnerProgress* progress) {
  JoinHandle<int> inner = weft::spawn(inner_that_cleans_up(progress));
  const int value = co_await inner;
  progress->finished_when_outer_resumed = progress->finished;
  co_return value;
}

TEST_P(Spawn, CancellingTheAwaiterCancelsTheSpawnedTaskAndStillAwaitsIt) {
  auto body = []() -> Task<int> {
    InnerProgress progress;
    JoinHandle<int> outer = weft::spawn(outer_awaiting_inner(&progress));
    co_await weft::yield_now();  // outer starts and spawns inner
    co_await weft::yield_now();  // inner starts and sleeps; outer awaits it
    outer.cancel();
    const int value = co_await outer;
    EXPECT_TRUE(progress.cancelled);
    EXPECT_TRUE(progress.finished_when_outer_resumed);
    co_return value;
  };
  EXPECT_EQ(run(body()), 7);  // the inner task's own outcome
}

Task<void> outer_awaiting_a_sleeper() { co_await weft::spawn(sleep_an_hour()); }

TEST_P(Spawn, CancelledAwaiterGetsCancelledWhenTheSpawnedTaskEndsThatWay) {
  auto body = []() -> Task<std::string> {
    const weft::Instant start = weft::now();
    JoinHandle<void> outer = weft::spawn(outer_awaiting_a_sleeper());
    co_await weft::yield_now();
    co_await weft::yield_now();
    outer.cancel();
    std::string outcome = "no exception";
    try {
      co_await outer;
    } catch (const weft::Cancelled&) {
      outcome = "cancelled";
    }
    EXPECT_LT(weft::now() - start, 1h);  // the inner sleep did not run out
    co_return outcome;
  };
  EXPECT_EQ(run(body()), "cancelled");
}

TEST_P(Spawn, AwaiterAlreadyCancelledCancelsTheTaskItStartsAwaiting) {
  // The awaiter is cancelled before it reaches `co_await handle`.
  auto outer = [](InnerProgress* progress) -> Task<int> {
    try {
      co_await weft::sleep(1h);
    } catch (const weft::Cancelled&) {
    }
    co_return co_await outer_awaiting_inner(progress);
  };
  auto body = [&outer]() -> Task<int> {
    InnerProgress progress;
    JoinHandle<int> handle = weft::spawn(outer(&progress));
    co_await weft::yield_now();
    handle.cancel();
    const int value = co_await handle;
    EXPECT_TRUE(progress.cancelled);
    EXPECT_TRUE(progress.finished_when_outer_resumed);
    co_return value;
  };
  EXPECT_EQ(run(body()), 7);
}

// --- "`handle.cancel()` asks it to stop; its current and future waits end with
//      operation_canceled / weft::Cancelled." ----------------------------------------

TEST_P(Spawn, CancelThroughTheHandleMakesTheTasksSleepThrowCancelled) {
  auto body = []() -> Task<std::string> {
    const weft::Instant start = weft::now();
    JoinHandle<std::string> handle = weft::spawn(sleep_reporting_how_it_ended());
    co_await weft::yield_now();  // the task is now asleep
    handle.cancel();
    std::string outcome = co_await handle;
    EXPECT_LT(weft::now() - start, 1h);
    co_return outcome;
  };
  EXPECT_EQ(run(body()), "cancelled");
}

TEST_P(Spawn, CancelBeforeTheTaskStartsEndsItsFirstWait) {
  auto body = []() -> Task<std::string> {
    JoinHandle<std::string> handle = weft::spawn(sleep_reporting_how_it_ended());
    handle.cancel();
    co_return co_await handle;
  };
  EXPECT_EQ(run(body()), "cancelled");
}

TEST_P(Spawn, WaitsAfterCancellationEndAtOnceToo) {
  auto task = []() -> Task<int> {
    int cancelled_waits = 0;
    for (int i = 0; i < 3; ++i) {
      try {
        co_await weft::sleep(1h);
      } catch (const weft::Cancelled&) {
        ++cancelled_waits;
      }
    }
    co_return cancelled_waits;
  };
  auto body = [&task]() -> Task<std::pair<int, std::chrono::nanoseconds>> {
    const weft::Instant start = weft::now();
    JoinHandle<int> handle = weft::spawn(task());
    co_await weft::yield_now();
    handle.cancel();
    const int cancelled_waits = co_await handle;
    co_return std::pair{cancelled_waits, weft::now() - start};
  };
  const auto [cancelled_waits, elapsed] = run(body());
  EXPECT_EQ(cancelled_waits, 3);
  EXPECT_LT(elapsed, 1h);
}

TEST_P(Spawn, AwaitingATaskThatLetsCancelledEscapeRethrowsCancelled) {
  auto body = []() -> Task<bool> {
    JoinHandle<void> handle = weft::spawn(sleep_an_hour());
    co_await weft::yield_now();
    handle.cancel();
    try {
      co_await handle;
    } catch (const weft::Cancelled&) {
      co_return true;
    }
    co_return false;
  };
  EXPECT_TRUE(run(body()));
}

TEST_P(Spawn, CancelAfterTheTaskFinishedChangesNothing) {
  auto body = []() -> Task<int> {
    JoinHandle<int> handle = weft::spawn(value_after(1ms, 5));
    co_await weft::sleep(1s);
    handle.cancel();
    handle.cancel();  // idempotent
    co_return co_await handle;
  };
  EXPECT_EQ(run(body()), 5);
}

TEST_P(Spawn, CancellingTheSpawnerDoesNotCancelTheSpawnedTask) {
  // spawn.hpp: "the spawned task is independent of the spawner".
  auto child = [](bool* finished) -> Task<void> {
    co_await weft::sleep(10s);
    *finished = true;
  };
  auto spawner = [&child](bool* finished) -> Task<void> {
    weft::spawn(child(finished)).detach();
    co_await weft::sleep(1h);
  };
  auto body = [&spawner]() -> Task<bool> {
    bool finished = false;
    JoinHandle<void> handle = weft::spawn(spawner(&finished));
    co_await weft::yield_now();
    handle.cancel();
    try {
      co_await handle;
    } catch (const weft::Cancelled&) {
    }
    co_await weft::sleep(1min);
    co_return finished;
  };
  EXPECT_TRUE(run(body()));
}

// --- weft::cancelled() as seen by spawned tasks (cancellation.hpp: "True when the task
//     running on this thread has been asked to stop") --------------------------------

TEST_P(Spawn, TaskCancelledBeforeItStartsSeesCancelledAtItsFirstStep) {
  auto probe = []() -> Task<bool> { co_return weft::cancelled(); };
  auto body = [&probe]() -> Task<bool> {
    JoinHandle<bool> handle = weft::spawn(probe());
    handle.cancel();
    co_return co_await handle;
  };
  EXPECT_TRUE(run(body()));
}

TEST_P(Spawn, AwaitingACancelledTaskDoesNotMakeTheAwaiterCancelled) {
  auto body = []() -> Task<bool> {
    JoinHandle<void> handle = weft::spawn(sleep_an_hour());
    co_await weft::yield_now();
    handle.cancel();
    try {
      co_await handle;
    } catch (const weft::Cancelled&) {
    }
    co_return weft::cancelled();  // the awaiter itself was never cancelled
  };
  EXPECT_FALSE(run(body()));
}

// --- "Dropping an unawaited handle detaches the task: it runs on; an exception
//      escaping it is then logged with its name instead of being lost." ------------------

TEST_P(Spawn, DroppingTheHandleDetachesTheTaskWhichRunsToCompletion) {
  auto child = [](std::vector<std::string>* log) -> Task<void> {
    co_await weft::sleep(10s);
    log->push_back("child completed");
  };
  auto body = [&child]() -> Task<std::vector<std::string>> {
    std::vector<std::string> log;
    {
      JoinHandle<void> dropped = weft::spawn(child(&log));
    }
    log.push_back("handle dropped");
    co_await weft::sleep(1min);
    co_return log;
  };
  EXPECT_EQ(run(body()), (std::vector<std::string>{"handle dropped", "child completed"}));
}

TEST_P(Spawn, DetachLetsTheTaskRunOnAndEmptiesTheHandle) {
  auto child = [](int* steps) -> Task<void> {
    for (int i = 0; i < 5; ++i) {
      co_await weft::sleep(1s);
      ++*steps;
    }
  };
  auto body = [&child]() -> Task<int> {
    int steps = 0;
    JoinHandle<void> handle = weft::spawn(child(&steps));
    handle.detach();
    EXPECT_FALSE(handle.valid());
    EXPECT_FALSE(handle.done());
    handle.cancel();  // no task behind the handle any more: no effect
    co_await weft::sleep(1min);
    co_return steps;
  };
  EXPECT_EQ(run(body()), 5);
}

TEST_P(Spawn, ExceptionOfADetachedTaskIsLoggedNotLost) {
  auto body = []() -> Task<void> {
    weft::spawn(throw_after_yield("detached-task-failure-4711")).detach();
    co_await weft::sleep(1s);
  };
  ::testing::internal::CaptureStderr();
  run(body());
  const std::string logged = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(logged.find("detached-task-failure-4711"), std::string::npos) << logged;
}

TEST_P(Spawn, DroppingAHandleWhoseExceptionWasAwaitedLogsNothing) {
  // The exception reached its awaiter, so it was not "nobody awaited".
  auto body = []() -> Task<void> {
    JoinHandle<int> handle = weft::spawn(throw_after_yield("awaited-failure-4712"));
    try {
      co_await handle;
    } catch (const std::runtime_error&) {
    }
  };
  ::testing::internal::CaptureStderr();
  run(body());
  const std::string logged = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(logged.find("awaited-failure-4712"), std::string::npos) << logged;
}

// --- JoinHandle::done / valid ------------------------------------------------------------

TEST_P(Spawn, DoneIsFalseUntilTheTaskHasFinished) {
  auto body = []() -> Task<std::vector<bool>> {
    std::vector<bool> seen;
    JoinHandle<int> handle = weft::spawn(value_after(10s, 1));
    seen.push_back(handle.done());  // not started
    co_await weft::yield_now();
    seen.push_back(handle.done());  // asleep
    co_await weft::sleep(20s);
    seen.push_back(handle.done());  // finished, not yet awaited
    co_await handle;
    seen.push_back(handle.done());  // awaited
    co_return seen;
  };
  EXPECT_EQ(run(body()), (std::vector<bool>{false, false, true, true}));
}

TEST(JoinHandle, DefaultHandleIsNotValidAndNotDone) {
  JoinHandle<int> handle;
  EXPECT_FALSE(handle.valid());
  EXPECT_FALSE(handle.done());
  handle.cancel();  // harmless
}

TEST_P(Spawn, MovedFromHandleIsEmptyAndTheMovedToOneAwaits) {
  auto body = []() -> Task<int> {
    JoinHandle<int> first = weft::spawn(value_after(1s, 9));
    JoinHandle<int> second = std::move(first);
    EXPECT_FALSE(first.valid());  // NOLINT(bugprone-use-after-move): checking the moved-from state
    EXPECT_TRUE(second.valid());
    co_return co_await second;
  };
  EXPECT_EQ(run(body()), 9);
}

// --- Nothing leaks ------------------------------------------------------------------------

Task<int> holds_a_counted(Counted, std::chrono::milliseconds delay, int value) {
  co_await weft::sleep(delay);
  co_return value;
}

TEST_P(Spawn, FramesAndCapturesAreReleasedOnceTheTasksEnd) {
  auto body = []() -> Task<std::int64_t> {
    const std::int64_t live_before = weft::frame_stats().live;
    {
      std::vector<JoinHandle<int>> awaited;
      for (int i = 0; i < 100; ++i) {
        awaited.push_back(weft::spawn(holds_a_counted(Counted{}, std::chrono::milliseconds(i), i)));
        weft::spawn(holds_a_counted(Counted{}, std::chrono::milliseconds(i), i)).detach();
      }
      JoinHandle<void> cancelled = weft::spawn(sleep_an_hour());
      EXPECT_EQ(Counted::live, 200);
      int sum = 0;
      for (auto& handle : awaited) sum += co_await handle;
      EXPECT_EQ(sum, 99 * 100 / 2);
      cancelled.cancel();
      try {
        co_await cancelled;
      } catch (const weft::Cancelled&) {
      }
      co_await weft::sleep(1s);  // the detached ones have ended by now
    }
    EXPECT_EQ(Counted::live, 0);
    co_return weft::frame_stats().live - live_before;
  };
  EXPECT_EQ(run(body()), 0);
  EXPECT_EQ(Counted::live, 0);
}

// --- Outside a reactor ------------------------------------------------------------------

TEST(SpawnOutsideAReactor, ThrowsLogicErrorAndDestroysTheTask) {
  auto make = [](Counted) -> Task<void> { co_return; };
  EXPECT_THROW((void)weft::spawn(make(Counted{})), std::logic_error);
  EXPECT_EQ(Counted::live, 0);
}

}  // namespace
