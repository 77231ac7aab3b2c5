// sleep, sleep_until and yield_now on a paused clock: an idle reactor jumps to its next
// timer, so any duration passes at once. Assertions are on the order of events and on
// the reactor's clock (weft::now()), which is deterministic here; never on wall time.
#include <weft/runtime/sleep.hpp>

#include <weft/core/cancellation.hpp>
#include <weft/core/frame_allocator.hpp>
#include <weft/core/result.hpp>
#include <weft/runtime/clock.hpp>
#include <weft/runtime/spawn.hpp>
#include <weft/testing/backends.hpp>
#include <weft/testing/run.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using weft::JoinHandle;
using weft::Task;

class Sleep : public weft::testing::IoTest {
 protected:
  template <class T>
  T run(Task<T> task) {
    return weft::testing::run(std::move(task), paused_options());
  }
};
WEFT_INSTANTIATE_BACKENDS(Sleep);

struct Wake {
  int id;
  nanoseconds late;  // how far past its deadline the reactor clock was at wake-up
};

Task<void> sleeper(int id, nanoseconds duration, std::vector<Wake>* wakes) {
  const weft::Instant deadline = weft::now() + duration;
  co_await weft::sleep(duration);
  wakes->push_back({id, weft::now() - deadline});
}

Task<void> push(std::vector<std::string>* log, std::string what) {
  log->push_back(std::move(what));
  co_return;
}

// --- sleep: "Suspends for at least `duration`" ------------------------------------------

TEST_P(Sleep, ThirtySecondSleepCompletesAndAdvancesTheReactorClockByAtLeastThirtySeconds) {
  auto body = []() -> Task<nanoseconds> {
    const weft::Instant start = weft::now();
    co_await weft::sleep(30s);
    co_return weft::now() - start;
  };
  EXPECT_GE(run(body()), 30s);
}

TEST_P(Sleep, SubMillisecondDurationIsRoundedUpNotDown) {
  auto body = []() -> Task<nanoseconds> {
    const weft::Instant start = weft::now();
    co_await weft::sleep(1500us);
    co_return weft::now() - start;
  };
  EXPECT_GE(run(body()), 1500us);
}

TEST_P(Sleep, SleepLongerThanTheTimerWheelCompletes) {
  // The wheel's four levels cover about 4.6 h; five hours lands on its overflow list.
  auto body = []() -> Task<nanoseconds> {
    const weft::Instant start = weft::now();
    co_await weft::sleep(5h);
    co_return weft::now() - start;
  };
  EXPECT_GE(run(body()), 5h);
}

TEST_P(Sleep, SleepsWakeInDeadlineOrder) {
  // Durations on every level of the timer wheel, spawned out of order.
  const std::vector<nanoseconds> durations{30ms, 10ms, 5s, 20ms, 7min, 1ms, 5h, 70ms, 2h, 4100ms};
  auto body = [&durations]() -> Task<std::vector<Wake>> {
    std::vector<Wake> wakes;
    std::vector<JoinHandle<void>> handles;
    for (int id = 0; id < static_cast<int>(durations.size()); ++id) {
      handles.push_back(weft::spawn(sleeper(id, durations[id], &wakes)));
    }
    for (auto& handle : handles) co_await handle;
    co_return wakes;
  };
  const std::vector<Wake> wakes = run(body());

  std::vector<int> expected(durations.size());
  for (int id = 0; id < static_cast<int>(durations.size()); ++id) expected[id] = id;
  std::stable_sort(expected.begin(), expected.end(), [&](int a, int b) { return durations[a] < durations[b]; });
  std::vector<int> order;
  for (const Wake& wake : wakes) {
    order.push_back(wake.id);
    EXPECT_GE(wake.late, 0ns) << "sleeper " << wake.id << " woke before its deadline";
  }
  EXPECT_EQ(order, expected);
}

TEST_P(Sleep, SleepsWithTheSameDeadlineAllWake) {
  auto body = []() -> Task<std::vector<Wake>> {
    std::vector<Wake> wakes;
    std::vector<JoinHandle<void>> handles;
    for (int id = 0; id < 50; ++id) handles.push_back(weft::spawn(sleeper(id, 250ms, &wakes)));
    for (auto& handle : handles) co_await handle;
    co_return wakes;
  };
  const std::vector<Wake> wakes = run(body());
  ASSERT_EQ(wakes.size(), 50u);
  std::vector<bool> woke(50, false);
  for (const Wake& wake : wakes) {
    EXPECT_FALSE(woke[wake.id]) << "sleeper " << wake.id << " woke twice";
    woke[wake.id] = true;
    EXPECT_GE(wake.late, 0ns);
  }
}

TEST_P(Sleep, ConsecutiveSleepsAddUp) {
  auto body = []() -> Task<nanoseconds> {
    const weft::Instant start = weft::now();
    for (int i = 0; i < 100; ++i) co_await weft::sleep(3s);
    co_return weft::now() - start;
  };
  EXPECT_GE(run(body()), 300s);
}

// --- sleep: "Completes inline: never (even a zero duration yields to the run queue once)"

TEST_P(Sleep, ZeroSleepYieldsToOtherReadyTasks) {
  auto body = []() -> Task<std::vector<std::string>> {
    std::vector<std::string> log;
    JoinHandle<void> other = weft::spawn(push(&log, "other task"));
    log.push_back("before sleep(0)");
    co_await weft::sleep(0ms);
    log.push_back("after sleep(0)");
    co_await other;
    co_return log;
  };
  EXPECT_EQ(run(body()), (std::vector<std::string>{"before sleep(0)", "other task", "after sleep(0)"}));
}

TEST_P(Sleep, ZeroSleepDoesNotMoveTheClock) {
  auto body = []() -> Task<nanoseconds> {
    const weft::Instant start = weft::now();
    for (int i = 0; i < 10; ++i) co_await weft::sleep(0ms);
    co_return weft::now() - start;
  };
  EXPECT_EQ(run(body()), 0ns);
}

TEST_P(Sleep, NegativeDurationBehavesLikeZero) {
  auto body = []() -> Task<std::vector<std::string>> {
    std::vector<std::string> log;
    JoinHandle<void> other = weft::spawn(push(&log, "other task"));
    co_await weft::sleep(-5s);
    log.push_back("after sleep(-5s)");
    co_await other;
    co_return log;
  };
  EXPECT_EQ(run(body()), (std::vector<std::string>{"other task", "after sleep(-5s)"}));
}

// --- sleep: "Cancellation: total — throws weft::Cancelled promptly" ---------------------

TEST_P(Sleep, CancelledSleepThrowsCancelled) {
  auto sleeper = []() -> Task<std::string> {
    try {
      co_await weft::sleep(1h);
    } catch (const weft::Cancelled&) {
      co_return "cancelled";
    }
    co_return "slept";
  };
  auto body = [&sleeper]() -> Task<std::pair<std::string, nanoseconds>> {
    const weft::Instant start = weft::now();
    JoinHandle<std::string> handle = weft::spawn(sleeper());
    co_await weft::yield_now();
    handle.cancel();
    std::string outcome = co_await handle;
    co_return std::pair{outcome, weft::now() - start};
  };
  const auto [outcome, elapsed] = run(body());
  EXPECT_EQ(outcome, "cancelled");
  EXPECT_LT(elapsed, 1h);  // promptly: the hour never ran out
}

TEST_P(Sleep, CancelledSleepUntilThrowsCancelled) {
  auto sleeper = []() -> Task<bool> {
    try {
      co_await weft::sleep_until(weft::now() + 1h);
    } catch (const weft::Cancelled&) {
      co_return true;
    }
    co_return false;
  };
  auto body = [&sleeper]() -> Task<bool> {
    JoinHandle<bool> handle = weft::spawn(sleeper());
    co_await weft::yield_now();
    handle.cancel();
    co_return co_await handle;
  };
  EXPECT_TRUE(run(body()));
}

TEST_P(Sleep, SleepInAnAlreadyCancelledTaskThrowsWithoutWaiting) {
  auto sleeper = []() -> Task<int> {
    int cancelled = 0;
    for (nanoseconds d : {nanoseconds(1h), nanoseconds(0ms)}) {
      try {
        co_await weft::sleep(d);
      } catch (const weft::Cancelled&) {
        ++cancelled;
      }
    }
    co_return cancelled;
  };
  auto body = [&sleeper]() -> Task<std::pair<int, nanoseconds>> {
    const weft::Instant start = weft::now();
    JoinHandle<int> handle = weft::spawn(sleeper());
    handle.cancel();  // before it starts
    const int cancelled = co_await handle;
    co_return std::pair{cancelled, weft::now() - start};
  };
  const auto [cancelled, elapsed] = run(body());
  EXPECT_EQ(cancelled, 2);
  EXPECT_EQ(elapsed, 0ns);
}

TEST_P(Sleep, CancellingOneSleeperLeavesTheOthersAsleep) {
  auto body = []() -> Task<std::vector<Wake>> {
    std::vector<Wake> wakes;
    JoinHandle<void> first = weft::spawn(sleeper(0, 10s, &wakes));
    JoinHandle<void> second = weft::spawn(sleeper(1, 10s, &wakes));
    JoinHandle<void> third = weft::spawn(sleeper(2, 10s, &wakes));
    co_await weft::yield_now();
    second.cancel();
    co_await first;
    try {
      co_await second;
    } catch (const weft::Cancelled&) {
    }
    co_await third;
    co_return wakes;
  };
  const std::vector<Wake> wakes = run(body());
  ASSERT_EQ(wakes.size(), 2u);
  EXPECT_EQ(wakes[0].id, 0);
  EXPECT_EQ(wakes[1].id, 2);
}

// --- sleep_until: "Suspends until this core's clock reaches `deadline`" -------------------

TEST_P(Sleep, SleepUntilWakesOnceTheClockReachesTheDeadline) {
  auto body = []() -> Task<std::pair<weft::Instant, weft::Instant>> {
    const weft::Instant deadline = weft::now() + 90s;
    co_await weft::sleep_until(deadline);
    co_return std::pair{deadline, weft::now()};
  };
  const auto [deadline, woke] = run(body());
  EXPECT_GE(woke, deadline);
}

TEST_P(Sleep, SleepUntilAPastDeadlineStillYieldsOnce) {
  auto body = []() -> Task<std::vector<std::string>> {
    std::vector<std::string> log;
    co_await weft::sleep(2s);  // so that "now - 1s" is after the reactor started
    JoinHandle<void> other = weft::spawn(push(&log, "other task"));
    co_await weft::sleep_until(weft::now() - 1s);
    log.push_back("after sleep_until(past)");
    co_await other;
    co_return log;
  };
  EXPECT_EQ(run(body()), (std::vector<std::string>{"other task", "after sleep_until(past)"}));
}

// --- yield_now: "Lets every other ready task on this core run once, then continues" ----

TEST_P(Sleep, YieldNowLetsAnotherReadyTaskRun) {
  auto body = []() -> Task<std::vector<std::string>> {
    std::vector<std::string> log;
    JoinHandle<void> other = weft::spawn(push(&log, "other task"));
    log.push_back("before yield");
    co_await weft::yield_now();
    log.push_back("after yield");
    co_await other;
    co_return log;
  };
  EXPECT_EQ(run(body()), (std::vector<std::string>{"before yield", "other task", "after yield"}));
}

TEST_P(Sleep, TasksThatYieldTakeTurns) {
  auto worker = [](std::string name, std::vector<std::string>* log) -> Task<void> {
    for (int i = 0; i < 3; ++i) {
      log->push_back(name + std::to_string(i));
      co_await weft::yield_now();
    }
  };
  auto body = [&worker]() -> Task<std::vector<std::string>> {
    std::vector<std::string> log;
    JoinHandle<void> a = weft::spawn(worker("a", &log));
    JoinHandle<void> b = weft::spawn(worker("b", &log));
    co_await a;
    co_await b;
    co_return log;
  };
  EXPECT_EQ(run(body()), (std::vector<std::string>{"a0", "b0", "a1", "b1", "a2", "b2"}));
}

TEST_P(Sleep, YieldNowInACancelledTaskJustYields) {
  // "Cancellation: none — a cancelled task still just yields".
  auto task = []() -> Task<int> {
    try {
      co_await weft::sleep(1h);
    } catch (const weft::Cancelled&) {
    }
    int yields = 0;
    for (int i = 0; i < 3; ++i) {
      co_await weft::yield_now();  // must not throw
      ++yields;
    }
    co_return yields;
  };
  auto body = [&task]() -> Task<int> {
    JoinHandle<int> handle = weft::spawn(task());
    co_await weft::yield_now();
    handle.cancel();
    co_return co_await handle;
  };
  EXPECT_EQ(run(body()), 3);
}

TEST_P(Sleep, YieldNowDoesNotMoveThePausedClock) {
  auto body = []() -> Task<nanoseconds> {
    JoinHandle<void> timer = weft::spawn(weft::sleep(1h));
    const weft::Instant start = weft::now();
    for (int i = 0; i < 100; ++i) co_await weft::yield_now();
    const nanoseconds elapsed = weft::now() - start;
    timer.cancel();
    try {
      co_await timer;
    } catch (const weft::Cancelled&) {
    }
    co_return elapsed;
  };
  EXPECT_EQ(run(body()), 0ns);
}

// --- Nothing leaks -------------------------------------------------------------------------

TEST_P(Sleep, SleepFramesAreReleasedWhetherTheyFireOrAreCancelled) {
  auto body = []() -> Task<std::int64_t> {
    const std::int64_t before = weft::frame_stats().live;
    {
      std::vector<Wake> wakes;
      std::vector<JoinHandle<void>> handles;
      for (int id = 0; id < 100; ++id) {
        handles.push_back(weft::spawn(sleeper(id, std::chrono::seconds(id % 2 == 0 ? 1 : 3600), &wakes)));
      }
      co_await weft::sleep(2s);
      for (auto& handle : handles) handle.cancel();
      for (auto& handle : handles) {
        try {
          co_await handle;
        } catch (const weft::Cancelled&) {
        }
      }
      EXPECT_EQ(wakes.size(), 50u);
    }
    co_return weft::frame_stats().live - before;
  };
  EXPECT_EQ(run(body()), 0);
}

}  // namespace
