// select: one test per sentence of the policy in select.hpp's header comment, named
// after it, then the return type and a leak check. Runtimes run on a paused clock;
// "the timer did not fire" is shown by the reactor clock not having jumped to it.
#include <weft/runtime/select.hpp>

#include <weft/core/cancellation.hpp>
#include <weft/core/frame_allocator.hpp>
#include <weft/core/result.hpp>
#include <weft/runtime/clock.hpp>
#include <weft/runtime/sleep.hpp>
#include <weft/runtime/spawn.hpp>
#include <weft/testing/backends.hpp>
#include <weft/testing/run.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace {

using namespace std::chrono_literals;
using std::chrono::nanoseconds;
using weft::JoinHandle;
using weft::Task;

class Select : public weft::testing::IoTest {
 protected:
  template <class T>
  T run(Task<T> task) {
    return weft::testing::run(std::move(task), paused_options());
  }
};
WEFT_INSTANTIATE_BACKENDS(Select);

using Log = std::vector<std::string>;

struct Counted {
  static inline int live = 0;
  Counted() { ++live; }
  Counted(const Counted&) { ++live; }
  Counted(Counted&&) noexcept { ++live; }
  ~Counted() { --live; }
};

Task<int> value_after(nanoseconds delay, int value) {
  co_await weft::sleep(delay);
  co_return value;
}

Task<int> ready(int value) { co_return value; }

// Logs its start, then sleeps; on cancellation it logs that, keeps running for a few
// turns (yield ignores cancellation) and logs its end before rethrowing.
Task<int> loser(Log* log, std::string name, nanoseconds delay = 1h) {
  log->push_back(name + " started");
  bool cancelled = false;
  try {
    co_await weft::sleep(delay);
  } catch (const weft::Cancelled&) {
    cancelled = true;
  }
  if (cancelled) {
    log->push_back(name + " cancelled");
    for (int i = 0; i < 3; ++i) co_await weft::yield_now();
    log->push_back(name + " finished");
    throw weft::Cancelled{};
  }
  log->push_back(name + " woke");
  co_return -1;
}

Task<int> logged_value_after(Log* log, std::string name, nanoseconds delay, int value) {
  log->push_back(name + " started");
  co_await weft::sleep(delay);
  log->push_back(name + " finished");
  co_return value;
}

Task<int> logged_ready(Log* log, std::string name, int value) {
  log->push_back(name + " started");
  co_return value;
}

// --- "Branches start in argument order." -----------------------------------------------

TEST_P(Select, BranchesStartInArgumentOrder) {
  auto body = []() -> Task<Log> {
    Log log;
    auto result = co_await weft::select(logged_value_after(&log, "a", 30ms, 0), logged_value_after(&log, "b", 10ms, 1),
                                        logged_value_after(&log, "c", 20ms, 2));
    EXPECT_EQ(result.index(), 1u);
    co_return log;
  };
  const Log log = run(body());
  ASSERT_GE(log.size(), 3u);
  EXPECT_EQ(Log(log.begin(), log.begin() + 3), (Log{"a started", "b started", "c started"}));
}

// --- "If one finishes while they are being started, it wins and the later branches
//      never start (their tasks are destroyed unrun)." --------------------------------

Task<int> never_to_run(Log* log, Counted) {
  log->push_back("later branch started");
  co_return 3;
}

TEST_P(Select, BranchFinishingWhileStartingStopsLaterBranchesFromStarting) {
  auto body = []() -> Task<Log> {
    Log log;
    auto result = co_await weft::select(loser(&log, "sleeper"), logged_ready(&log, "ready", 2),
                                        never_to_run(&log, Counted{}));
    EXPECT_EQ(result.index(), 1u);
    if (result.index() == 1) {
      EXPECT_EQ(std::get<1>(result), 2);
    }
    EXPECT_EQ(Counted::live, 0) << "the unstarted branch's task was not destroyed";
    co_return log;
  };
  EXPECT_EQ(run(body()), (Log{"sleeper started", "ready started", "sleeper cancelled", "sleeper finished"}));
  EXPECT_EQ(Counted::live, 0);
}

TEST_P(Select, FirstBranchFinishingWhileStartingMeansNoOtherBranchStarts) {
  auto body = []() -> Task<Log> {
    Log log;
    auto result = co_await weft::select(logged_ready(&log, "ready", 1), loser(&log, "second"), loser(&log, "third"));
    EXPECT_EQ(result.index(), 0u);
    co_return log;
  };
  EXPECT_EQ(run(body()), (Log{"ready started"}));
}

// --- "Otherwise the winner is the earliest argument among the branches that finished
//      in the same run-queue turn as the first one to finish." ---------------------------

Task<int> yield_then_sleep_until(weft::Instant deadline, int value, Log* log) {
  co_await weft::yield_now();  // arms its timer after the other branch's
  co_await weft::sleep_until(deadline);
  log->push_back("branch " + std::to_string(value) + " finished");
  co_return value;
}

Task<int> sleep_until_then(weft::Instant deadline, int value, Log* log) {
  co_await weft::sleep_until(deadline);
  log->push_back("branch " + std::to_string(value) + " finished");
  co_return value;
}

TEST_P(Select, EarliestArgumentWinsATie) {
  // Both wake on the same timer tick; branch 1's timer was armed first, so it finishes
  // first in time, yet branch 0, finishing in the same turn, is the winner.
  auto body = []() -> Task<std::pair<std::size_t, Log>> {
    Log log;
    const weft::Instant deadline = weft::now() + 10ms;
    auto result = co_await weft::select(yield_then_sleep_until(deadline, 0, &log), sleep_until_then(deadline, 1, &log));
    co_return std::pair{result.index(), log};
  };
  const auto [index, log] = run(body());
  EXPECT_EQ(log, (Log{"branch 1 finished", "branch 0 finished"}));
  EXPECT_EQ(index, 0u);
}

TEST_P(Select, EarliestArgumentWinsATieOfEqualSleeps) {
  auto body = []() -> Task<std::size_t> {
    auto result = co_await weft::select(value_after(10ms, 0), value_after(10ms, 1), value_after(10ms, 2));
    co_return result.index();
  };
  EXPECT_EQ(run(body()), 0u);
}

TEST_P(Select, BranchFinishingInALaterTurnLoses) {
  auto body = []() -> Task<std::size_t> {
    auto result = co_await weft::select(value_after(20ms, 0), value_after(10ms, 1));
    co_return result.index();
  };
  EXPECT_EQ(run(body()), 1u);
}

// --- "Every other started branch is then cancelled, and select waits until each has
//      finished." ------------------------------------------------------------------------

TEST_P(Select, LoserIsCancelledAndFinishedBeforeSelectReturns) {
  auto body = []() -> Task<Log> {
    Log log;
    auto result = co_await weft::select(value_after(10ms, 1), loser(&log, "loser"));
    log.push_back("select returned");
    EXPECT_EQ(result.index(), 0u);
    co_return log;
  };
  EXPECT_EQ(run(body()),
            (Log{"loser started", "loser cancelled", "loser finished", "select returned"}));
}

TEST_P(Select, EveryLoserIsCancelledAndFinishedBeforeSelectReturns) {
  auto body = []() -> Task<std::pair<Log, nanoseconds>> {
    Log log;
    const weft::Instant start = weft::now();
    auto result = co_await weft::select(loser(&log, "a"), value_after(10ms, 1), loser(&log, "b"), loser(&log, "c"));
    const nanoseconds elapsed = weft::now() - start;
    log.push_back("select returned");
    EXPECT_EQ(result.index(), 1u);
    co_return std::pair{log, elapsed};
  };
  const auto [log, elapsed] = run(body());
  ASSERT_FALSE(log.empty());
  EXPECT_EQ(log.back(), "select returned");
  for (const char* name : {"a", "b", "c"}) {
    EXPECT_NE(std::find(log.begin(), log.end(), std::string(name) + " finished"), log.end()) << name;
  }
  EXPECT_LT(elapsed, 1h);  // the losers' hour-long sleeps were cut short
}

// --- "A loser's side effects are exactly what its code does before its next wait and
//      on its error path; its result or exception is discarded." -----------------------

Task<int> writes_after_its_wait(Log* log, nanoseconds delay, std::string name) {
  co_await weft::sleep(delay);
  log->push_back(name + " wrote");
  co_return 0;
}

TEST_P(Select, LoserThatWouldWriteAfterItsWaitNeverDoes) {
  auto body = []() -> Task<Log> {
    Log log;
    co_await weft::select(writes_after_its_wait(&log, 10ms, "winner"), writes_after_its_wait(&log, 20ms, "loser"));
    co_await weft::sleep(1min);  // long past the loser's own deadline
    co_return log;
  };
  EXPECT_EQ(run(body()), (Log{"winner wrote"}));
}

Task<int> writes_before_and_on_error(Log* log) {
  log->push_back("before wait");
  try {
    co_await weft::sleep(1h);
  } catch (const weft::Cancelled&) {
    log->push_back("error path");
    throw;
  }
  log->push_back("after wait");
  co_return 0;
}

TEST_P(Select, LoserKeepsWhatItDidBeforeItsWaitAndOnItsErrorPath) {
  auto body = []() -> Task<Log> {
    Log log;
    co_await weft::select(value_after(1s, 0), writes_before_and_on_error(&log));
    co_await weft::sleep(2h);
    co_return log;
  };
  EXPECT_EQ(run(body()), (Log{"before wait", "error path"}));
}

Task<int> swallows_cancellation(int value) {
  try {
    co_await weft::sleep(1h);
  } catch (const weft::Cancelled&) {
  }
  co_return value;
}

TEST_P(Select, LosersResultIsDiscarded) {
  auto body = []() -> Task<std::variant<int, int>> {
    co_return co_await weft::select(value_after(10ms, 1), swallows_cancellation(2));
  };
  const auto result = run(body());
  ASSERT_EQ(result.index(), 0u);
  EXPECT_EQ(std::get<0>(result), 1);
}

Task<int> throws_when_cancelled() {
  try {
    co_await weft::sleep(1h);
  } catch (const weft::Cancelled&) {
    throw std::logic_error("loser's own error");
  }
  co_return 0;
}

TEST_P(Select, LosersExceptionIsDiscarded) {
  auto body = []() -> Task<int> {
    auto result = co_await weft::select(value_after(10ms, 5), throws_when_cancelled());
    co_return std::get<0>(result);
  };
  EXPECT_EQ(run(body()), 5);
}

TEST_P(Select, LosersCancelledIsDiscarded) {
  auto body = []() -> Task<int> {
    Log log;
    auto result = co_await weft::select(loser(&log, "loser"), value_after(10ms, 6));
    co_return std::get<1>(result);
  };
  EXPECT_EQ(run(body()), 6);
}

// --- "The winner's outcome is select's: its value as the variant alternative of its
//      index (void → std::monostate), or its exception rethrown." ------------------------

TEST_P(Select, WinnersValueIsTheAlternativeOfItsIndex) {
  auto text_after = [](nanoseconds delay) -> Task<std::string> {
    co_await weft::sleep(delay);
    co_return "text";
  };
  auto nothing_after = [](nanoseconds delay) -> Task<void> { co_await weft::sleep(delay); };
  auto body = [&]() -> Task<std::vector<std::size_t>> {
    using Mixed = std::variant<int, std::string, std::monostate>;
    std::vector<std::size_t> indexes;

    Mixed a = co_await weft::select(value_after(10ms, 4), text_after(20ms), nothing_after(30ms));
    EXPECT_EQ(std::get<int>(a), 4);
    indexes.push_back(a.index());

    Mixed b = co_await weft::select(value_after(20ms, 4), text_after(10ms), nothing_after(30ms));
    EXPECT_EQ(std::get<std::string>(b), "text");
    indexes.push_back(b.index());

    Mixed c = co_await weft::select(value_after(20ms, 4), text_after(30ms), nothing_after(10ms));
    EXPECT_TRUE(std::holds_alternative<std::monostate>(c));
    indexes.push_back(c.index());
    co_return indexes;
  };
  EXPECT_EQ(run(body()), (std::vector<std::size_t>{0, 1, 2}));
}

TEST_P(Select, WinnersIndexIsKeptWhenBranchesShareAType) {
  auto body = []() -> Task<std::pair<std::size_t, int>> {
    auto result = co_await weft::select(value_after(30ms, 10), value_after(10ms, 20), value_after(20ms, 30));
    static_assert(std::is_same_v<decltype(result), std::variant<int, int, int>>);
    co_return std::pair{result.index(), std::get<1>(result)};
  };
  EXPECT_EQ(run(body()), (std::pair<std::size_t, int>{1, 20}));
}

TEST_P(Select, VoidResultsBecomeMonostate) {
  auto body = []() -> Task<std::size_t> {
    auto result = co_await weft::select(weft::sleep(20ms), weft::sleep(10ms));
    static_assert(std::is_same_v<decltype(result), std::variant<std::monostate, std::monostate>>);
    co_return result.index();
  };
  EXPECT_EQ(run(body()), 1u);
}

Task<int> throw_after(nanoseconds delay, std::string message) {
  co_await weft::sleep(delay);
  throw std::runtime_error(message);
}

TEST_P(Select, WinnersExceptionIsRethrown) {
  auto body = []() -> Task<std::pair<std::string, Log>> {
    Log log;
    std::string caught = "no exception";
    try {
      co_await weft::select(throw_after(10ms, "winner failed"), loser(&log, "loser"));
    } catch (const std::runtime_error& e) {
      caught = e.what();
    }
    co_return std::pair{caught, log};
  };
  const auto [caught, log] = run(body());
  EXPECT_EQ(caught, "winner failed");
  EXPECT_EQ(log, (Log{"loser started", "loser cancelled", "loser finished"}));  // still awaited
}

TEST_P(Select, WinnerThrowingWhileStartingIsRethrown) {
  auto throws_at_once = []() -> Task<int> {
    throw std::invalid_argument("at once");
    co_return 0;
  };
  auto body = [&throws_at_once]() -> Task<bool> {
    Log log;
    try {
      co_await weft::select(throws_at_once(), loser(&log, "never"));
    } catch (const std::invalid_argument&) {
      co_return log.empty();
    }
    co_return false;
  };
  EXPECT_TRUE(run(body()));
}

// --- "Cancelling the task that awaits select cancels every branch; select then returns
//      the outcome of whichever finished first (usually weft::Cancelled is rethrown)." -

Task<int> select_two_losers(Log* log) {
  auto result = co_await weft::select(loser(log, "a"), loser(log, "b"));
  co_return std::get<0>(result);
}

TEST_P(Select, CancellingTheCallerCancelsEveryBranch) {
  auto body = []() -> Task<std::pair<bool, Log>> {
    Log log;
    const weft::Instant start = weft::now();
    JoinHandle<int> caller = weft::spawn(select_two_losers(&log));
    co_await weft::yield_now();  // both branches are asleep
    caller.cancel();
    bool cancelled = false;
    try {
      co_await caller;
    } catch (const weft::Cancelled&) {
      cancelled = true;
    }
    EXPECT_LT(weft::now() - start, 1h);
    co_return std::pair{cancelled, log};
  };
  const auto [cancelled, log] = run(body());
  EXPECT_TRUE(cancelled);
  for (const char* event : {"a cancelled", "a finished", "b cancelled", "b finished"}) {
    EXPECT_NE(std::find(log.begin(), log.end(), event), log.end()) << event;
  }
}

Task<std::string> swallows_after(int yields, std::string name) {
  try {
    co_await weft::sleep(1h);
  } catch (const weft::Cancelled&) {
  }
  for (int i = 0; i < yields; ++i) co_await weft::yield_now();
  co_return name;
}

Task<std::string> select_two_swallowers() {
  auto result = co_await weft::select(swallows_after(5, "slow"), swallows_after(0, "fast"));
  co_return result.index() == 0 ? std::get<0>(result) : std::get<1>(result);
}

TEST_P(Select, CancelledCallerGetsTheOutcomeOfTheBranchThatFinishedFirst) {
  auto body = []() -> Task<std::string> {
    JoinHandle<std::string> caller = weft::spawn(select_two_swallowers());
    co_await weft::yield_now();
    caller.cancel();
    co_return co_await caller;
  };
  EXPECT_EQ(run(body()), "fast");
}

TEST_P(Select, CallerCancelledBeforeSelectStartsItsBranchesCancelled) {
  auto caller = [](Log* log) -> Task<int> {
    try {
      co_await weft::sleep(1h);
    } catch (const weft::Cancelled&) {
    }
    auto result = co_await weft::select(loser(log, "a"), loser(log, "b"));
    co_return std::get<0>(result);
  };
  auto body = [&caller]() -> Task<std::pair<bool, Log>> {
    Log log;
    JoinHandle<int> handle = weft::spawn(caller(&log));
    co_await weft::yield_now();
    handle.cancel();
    bool cancelled = false;
    try {
      co_await handle;
    } catch (const weft::Cancelled&) {
      cancelled = true;
    }
    co_return std::pair{cancelled, log};
  };
  const auto [cancelled, log] = run(body());
  EXPECT_TRUE(cancelled);
  for (const char* event : {"a cancelled", "b cancelled"}) {
    EXPECT_NE(std::find(log.begin(), log.end(), event), log.end()) << event;
  }
}

// --- A ready task against a long sleep -------------------------------------------------------

TEST_P(Select, ReadyTaskAgainstALongSleepReturnsAtOnceWithoutTheTimerFiring) {
  auto body = []() -> Task<std::pair<std::size_t, nanoseconds>> {
    const weft::Instant start = weft::now();
    auto result = co_await weft::select(ready(1), weft::sleep(24h));
    co_return std::pair{result.index(), weft::now() - start};
  };
  const auto [index, elapsed] = run(body());
  EXPECT_EQ(index, 0u);
  EXPECT_EQ(elapsed, 0ns);
}

TEST_P(Select, LongSleepAgainstAReadyTaskIsCancelledWithoutFiring) {
  auto body = []() -> Task<std::pair<std::size_t, nanoseconds>> {
    const weft::Instant start = weft::now();
    auto result = co_await weft::select(weft::sleep(24h), ready(1));
    co_return std::pair{result.index(), weft::now() - start};
  };
  const auto [index, elapsed] = run(body());
  EXPECT_EQ(index, 1u);
  EXPECT_EQ(elapsed, 0ns);
}

// --- Nothing leaks ----------------------------------------------------------------------------

TEST_P(Select, BranchFramesAreReleasedWhenSelectReturns) {
  auto body = []() -> Task<std::int64_t> {
    const std::int64_t before = weft::frame_stats().live;
    Log log;
    for (int i = 0; i < 100; ++i) {
      co_await weft::select(value_after(1ms, i), loser(&log, "l"));
      co_await weft::select(loser(&log, "l"), ready(i), never_to_run(&log, Counted{}));
      try {
        co_await weft::select(throw_after(1ms, "x"), loser(&log, "l"));
      } catch (const std::runtime_error&) {
      }
    }
    EXPECT_EQ(Counted::live, 0);
    co_return weft::frame_stats().live - before;
  };
  EXPECT_EQ(run(body()), 0);
}

}  // namespace
