// with_timeout on a paused clock: deadlines of minutes and hours pass at once, and
// every assertion is on an outcome (value, error, exception, what the task got to do)
// or on the reactor clock, which is deterministic here; never on wall time.
#include <weft/runtime/with_timeout.hpp>

#include <weft/core/cancellation.hpp>
#include <weft/core/frame_allocator.hpp>
#include <weft/core/result.hpp>
#include <weft/runtime/clock.hpp>
#include <weft/runtime/sleep.hpp>
#include <weft/runtime/spawn.hpp>
#include <weft/testing/backends.hpp>
#include <weft/testing/run.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace {

using namespace std::chrono_literals;
using std::chrono::nanoseconds;
using weft::JoinHandle;
using weft::Result;
using weft::Task;

class WithTimeout : public weft::testing::IoTest {
 protected:
  template <class T>
  T run(Task<T> task) {
    return weft::testing::run(std::move(task), paused_options());
  }
};
WEFT_INSTANTIATE_BACKENDS(WithTimeout);

using Log = std::vector<std::string>;

Task<int> value_after(nanoseconds delay, int value) {
  co_await weft::sleep(delay);
  co_return value;
}

// Sleeps; when cancelled it keeps running for a few turns (yield ignores cancellation),
// notes that it finished, and rethrows.
Task<int> cleans_up_when_cancelled(Log* log, nanoseconds delay) {
  bool cancelled = false;
  try {
    co_await weft::sleep(delay);
  } catch (const weft::Cancelled&) {
    cancelled = true;
  }
  if (cancelled) {
    log->push_back("cancelled");
    for (int i = 0; i < 3; ++i) co_await weft::yield_now();
    log->push_back("cleaned up");
    throw weft::Cancelled{};
  }
  log->push_back("slept");
  co_return 1;
}

// --- "if the task finishes first the timer is disarmed" -----------------------------------

TEST_P(WithTimeout, TaskFinishingFirstReturnsItsValue) {
  auto body = []() -> Task<std::pair<Result<int>, nanoseconds>> {
    const weft::Instant start = weft::now();
    Result<int> result = co_await weft::with_timeout(10s, value_after(1s, 42));
    co_return std::pair{result, weft::now() - start};
  };
  const auto [result, elapsed] = run(body());
  ASSERT_TRUE(result.has_value()) << result.error().message();
  EXPECT_EQ(*result, 42);
  EXPECT_GE(elapsed, 1s);
  EXPECT_LT(elapsed, 10s);  // returned without waiting for the deadline
}

TEST_P(WithTimeout, ReadyTaskReturnsItsValueWithoutArmingTheTimer) {
  auto ready = []() -> Task<std::string> { co_return "ready"; };
  auto body = [&ready]() -> Task<std::pair<Result<std::string>, nanoseconds>> {
    const weft::Instant start = weft::now();
    Result<std::string> result = co_await weft::with_timeout(1h, ready());
    co_return std::pair{result, weft::now() - start};
  };
  const auto [result, elapsed] = run(body());
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(*result, "ready");
  EXPECT_EQ(elapsed, 0ns);
}

TEST_P(WithTimeout, DisarmedTimerDoesNotDisturbLaterWaits) {
  // After an early finish, the next sleep must run its full length, not end at the
  // old deadline.
  auto body = []() -> Task<nanoseconds> {
    Result<int> result = co_await weft::with_timeout(5s, value_after(1s, 1));
    EXPECT_TRUE(result.has_value());
    const weft::Instant start = weft::now();
    co_await weft::sleep(1min);
    co_return weft::now() - start;
  };
  EXPECT_GE(run(body()), 1min);
}

// --- "On expiry the task is cancelled and awaited, then errc::timed_out is returned" ------

TEST_P(WithTimeout, TaskThatOutlivesTheDeadlineIsCancelledAndAwaited) {
  auto body = []() -> Task<std::pair<Result<int>, nanoseconds>> {
    Log log;
    const weft::Instant start = weft::now();
    Result<int> result = co_await weft::with_timeout(30s, cleans_up_when_cancelled(&log, 1h));
    const nanoseconds elapsed = weft::now() - start;
    EXPECT_EQ(log, (Log{"cancelled", "cleaned up"}));  // finished before with_timeout returned
    co_return std::pair{result, elapsed};
  };
  const auto [result, elapsed] = run(body());
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error(), weft::errc::timed_out);
  EXPECT_GE(elapsed, 30s);
  EXPECT_LT(elapsed, 1h);
}

TEST_P(WithTimeout, TaskThatSwallowsCancellationStillTimesOut) {
  auto stubborn = []() -> Task<int> {
    try {
      co_await weft::sleep(1h);
    } catch (const weft::Cancelled&) {
    }
    co_return 5;
  };
  auto body = [&stubborn]() -> Task<Result<int>> { co_return co_await weft::with_timeout(1s, stubborn()); };
  const Result<int> result = run(body());
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error(), weft::errc::timed_out);
}

TEST_P(WithTimeout, TaskThatThrowsWhenCancelledStillTimesOut) {
  auto throws_on_cancel = []() -> Task<int> {
    try {
      co_await weft::sleep(1h);
    } catch (const weft::Cancelled&) {
      throw std::logic_error("cleanup failed");
    }
    co_return 5;
  };
  auto body = [&throws_on_cancel]() -> Task<Result<int>> {
    co_return co_await weft::with_timeout(1s, throws_on_cancel());
  };
  const Result<int> result = run(body());
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error(), weft::errc::timed_out);
}

TEST_P(WithTimeout, TimedOutTaskWritesNothingAfterItsWait) {
  auto writer = [](Log* log) -> Task<int> {
    log->push_back("before wait");
    co_await weft::sleep(10s);
    log->push_back("after wait");
    co_return 0;
  };
  auto body = [&writer]() -> Task<Log> {
    Log log;
    Result<int> result = co_await weft::with_timeout(1s, writer(&log));
    EXPECT_FALSE(result.has_value());
    co_await weft::sleep(1min);
    co_return log;
  };
  EXPECT_EQ(run(body()), (Log{"before wait"}));
}

TEST_P(WithTimeout, ZeroDurationTimesOutATaskThatWaits) {
  auto body = []() -> Task<Result<int>> { co_return co_await weft::with_timeout(0s, value_after(1ms, 1)); };
  const Result<int> result = run(body());
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error(), weft::errc::timed_out);
}

// --- "The task's exception, if it throws first, propagates." -------------------------------

TEST_P(WithTimeout, TaskExceptionPropagates) {
  auto fails = []() -> Task<int> {
    co_await weft::sleep(1s);
    throw std::runtime_error("task failed");
  };
  auto body = [&fails]() -> Task<std::string> {
    try {
      co_await weft::with_timeout(10s, fails());
    } catch (const std::runtime_error& e) {
      co_return e.what();
    }
    co_return "no exception";
  };
  EXPECT_EQ(run(body()), "task failed");
}

TEST_P(WithTimeout, TaskExceptionThrownWhileStartingPropagates) {
  auto fails = []() -> Task<void> {
    throw std::invalid_argument("at once");
    co_return;
  };
  auto body = [&fails]() -> Task<bool> {
    try {
      co_await weft::with_timeout(10s, fails());
    } catch (const std::invalid_argument&) {
      co_return true;
    }
    co_return false;
  };
  EXPECT_TRUE(run(body()));
}

// --- void tasks ----------------------------------------------------------------------------

TEST_P(WithTimeout, VoidTaskFinishingFirstGivesAnEmptyResult) {
  auto body = []() -> Task<Result<void>> {
    auto pending = weft::with_timeout(10s, weft::sleep(1s));
    static_assert(std::is_same_v<decltype(pending), Task<Result<void>>>);
    co_return co_await std::move(pending);
  };
  const Result<void> result = run(body());
  EXPECT_TRUE(result.has_value());
}

TEST_P(WithTimeout, VoidTaskOutlivingTheDeadlineGivesTimedOut) {
  auto body = []() -> Task<Result<void>> { co_return co_await weft::with_timeout(1s, weft::sleep(1h)); };
  const Result<void> result = run(body());
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error(), weft::errc::timed_out);
}

// --- "the task wins a tie" -----------------------------------------------------------------

TEST_P(WithTimeout, TieGoesToTheTask) {
  auto body = []() -> Task<Result<int>> { co_return co_await weft::with_timeout(10s, value_after(10s, 3)); };
  const Result<int> result = run(body());
  ASSERT_TRUE(result.has_value()) << result.error().message();
  EXPECT_EQ(*result, 3);
}

TEST_P(WithTimeout, TieGoesToTheTaskEvenWhenTheTimerFiresFirst) {
  // The task arms its timer after with_timeout's, for the same tick: the timer's
  // branch finishes first within the turn, and the task still wins.
  auto late_armer = [](weft::Instant deadline) -> Task<int> {
    co_await weft::yield_now();
    co_await weft::sleep_until(deadline);
    co_return 4;
  };
  auto body = [&late_armer]() -> Task<Result<int>> {
    const weft::Instant deadline = weft::now() + 10s;
    co_return co_await weft::with_timeout(10s, late_armer(deadline));
  };
  const Result<int> result = run(body());
  ASSERT_TRUE(result.has_value()) << result.error().message();
  EXPECT_EQ(*result, 4);
}

// --- "Cancellation: total — cancelling the caller cancels the task (awaited) and the timer."

Task<Result<int>> caller_with_timeout(Log* log) { co_return co_await weft::with_timeout(1h, cleans_up_when_cancelled(log, 2h)); }

TEST_P(WithTimeout, CancellingTheCallerCancelsTheTaskAndTheTimer) {
  auto body = []() -> Task<std::pair<std::string, Log>> {
    Log log;
    const weft::Instant start = weft::now();
    JoinHandle<Result<int>> caller = weft::spawn(caller_with_timeout(&log));
    co_await weft::yield_now();
    caller.cancel();
    std::string outcome;
    try {
      Result<int> result = co_await caller;
      outcome = result.has_value() ? "value" : result.error().message();
    } catch (const weft::Cancelled&) {
      outcome = "cancelled";
    }
    EXPECT_LT(weft::now() - start, 1h);  // neither the timer nor the task's sleep ran out
    co_return std::pair{outcome, log};
  };
  const auto [outcome, log] = run(body());
  EXPECT_EQ(outcome, "cancelled");
  EXPECT_EQ(log, (Log{"cancelled", "cleaned up"}));
}

// --- Nothing leaks --------------------------------------------------------------------------

TEST_P(WithTimeout, FramesAreReleasedWhetherTheTaskOrTheTimerWins) {
  auto body = []() -> Task<std::int64_t> {
    const std::int64_t before = weft::frame_stats().live;
    Log log;
    for (int i = 0; i < 100; ++i) {
      (void)co_await weft::with_timeout(1s, value_after(1ms, i));
      (void)co_await weft::with_timeout(1ms, cleans_up_when_cancelled(&log, 1s));
    }
    co_return weft::frame_stats().live - before;
  };
  EXPECT_EQ(run(body()), 0);
}

}  // namespace
