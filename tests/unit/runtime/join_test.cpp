// join and join_all: one test per sentence of the policy in join.hpp's header comment,
// named after it, then join_all's own cases and a leak check. Runtimes run on a paused
// clock; concurrency is shown on the reactor clock (weft::now()), which is
// deterministic there.
#include <weft/runtime/join.hpp>

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
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using weft::JoinHandle;
using weft::Task;

class Join : public weft::testing::IoTest {
 protected:
  template <class T>
  T run(Task<T> task) {
    return weft::testing::run(std::move(task), paused_options());
  }
};
WEFT_INSTANTIATE_BACKENDS(Join);

using Log = std::vector<std::string>;

bool contains(const Log& log, const std::string& event) {
  return std::find(log.begin(), log.end(), event) != log.end();
}

Task<int> value_after(nanoseconds delay, int value) {
  co_await weft::sleep(delay);
  co_return value;
}

Task<int> logged_value_after(Log* log, std::string name, nanoseconds delay, int value) {
  log->push_back(name + " started");
  co_await weft::sleep(delay);
  log->push_back(name + " finished");
  co_return value;
}

Task<int> throw_after(Log* log, std::string name, nanoseconds delay) {
  co_await weft::sleep(delay);
  log->push_back(name + " threw");
  throw std::runtime_error(name);
}

// --- "Branches start in argument order on this core and run concurrently." --------------

TEST_P(Join, BranchesStartInArgumentOrder) {
  auto body = []() -> Task<Log> {
    Log log;
    co_await weft::join(logged_value_after(&log, "a", 30ms, 0), logged_value_after(&log, "b", 10ms, 1),
                        logged_value_after(&log, "c", 20ms, 2));
    co_return log;
  };
  const Log log = run(body());
  ASSERT_EQ(log.size(), 6u);
  EXPECT_EQ(Log(log.begin(), log.begin() + 3), (Log{"a started", "b started", "c started"}));
}

TEST_P(Join, BranchesRunConcurrently) {
  // Two ten-second sleeps end together at +10 s, not one after the other at +20 s.
  auto body = []() -> Task<nanoseconds> {
    const weft::Instant start = weft::now();
    co_await weft::join(weft::sleep(10s), weft::sleep(10s));
    co_return weft::now() - start;
  };
  const nanoseconds elapsed = run(body());
  EXPECT_GE(elapsed, 10s);
  EXPECT_LT(elapsed, 20s);
}

// --- "join waits for every branch, whatever happens to the others: a failing branch
//      does not cancel its siblings." ----------------------------------------------------

Task<int> records_cancellation(Log* log, std::string name, nanoseconds delay, int value) {
  try {
    co_await weft::sleep(delay);
  } catch (const weft::Cancelled&) {
    log->push_back(name + " cancelled");
    throw;
  }
  log->push_back(name + " finished");
  co_return value;
}

TEST_P(Join, FailingBranchDoesNotCancelItsSiblings) {
  auto body = []() -> Task<std::pair<std::string, Log>> {
    Log log;
    std::string caught = "no exception";
    try {
      co_await weft::join(throw_after(&log, "failing", 1ms), records_cancellation(&log, "sibling", 1h, 2));
    } catch (const std::runtime_error& e) {
      caught = e.what();
    }
    co_return std::pair{caught, log};
  };
  const auto [caught, log] = run(body());
  EXPECT_EQ(caught, "failing");
  EXPECT_EQ(log, (Log{"failing threw", "sibling finished"}));
}

TEST_P(Join, WaitsForEveryBranch) {
  auto body = []() -> Task<std::pair<Log, nanoseconds>> {
    Log log;
    const weft::Instant start = weft::now();
    co_await weft::join(logged_value_after(&log, "short", 1s, 0), logged_value_after(&log, "long", 1h, 1));
    const nanoseconds elapsed = weft::now() - start;
    log.push_back("join returned");
    co_return std::pair{log, elapsed};
  };
  const auto [log, elapsed] = run(body());
  EXPECT_EQ(log, (Log{"short started", "long started", "short finished", "long finished", "join returned"}));
  EXPECT_GE(elapsed, 1h);
}

// --- "Results come back in argument order, whatever the completion order (void →
//      std::monostate)." ----------------------------------------------------------------

TEST_P(Join, ResultsComeBackInArgumentOrder) {
  auto text_after = [](Log* log, nanoseconds delay) -> Task<std::string> {
    co_await weft::sleep(delay);
    log->push_back("text");
    co_return "text";
  };
  auto body = [&text_after]() -> Task<Log> {
    Log log;
    auto [number, text, other] =
        co_await weft::join(logged_value_after(&log, "number", 30ms, 7), text_after(&log, 10ms),
                            logged_value_after(&log, "other", 20ms, 9));
    EXPECT_EQ(number, 7);
    EXPECT_EQ(text, "text");
    EXPECT_EQ(other, 9);
    co_return log;
  };
  const Log log = run(body());
  // Completed in the order text, other, number.
  EXPECT_EQ(log, (Log{"number started", "other started", "text", "other finished", "number finished"}));
}

TEST_P(Join, VoidResultsBecomeMonostate) {
  auto body = []() -> Task<int> {
    auto results = co_await weft::join(weft::sleep(1ms), value_after(2ms, 3), weft::yield_now());
    static_assert(std::is_same_v<decltype(results), std::tuple<std::monostate, int, std::monostate>>);
    co_return std::get<1>(results);
  };
  EXPECT_EQ(run(body()), 3);
}

TEST_P(Join, BranchesThatAllFinishWhileStartingStillReturnEveryResult) {
  auto ready = [](int value) -> Task<int> { co_return value; };
  auto body = [&ready]() -> Task<std::tuple<int, int>> { co_return co_await weft::join(ready(1), ready(2)); };
  EXPECT_EQ(run(body()), (std::tuple<int, int>{1, 2}));
}

// --- "If any branch threw, the exception that was thrown first is rethrown once every
//      branch has ended; the other results and exceptions are discarded." ----------------

TEST_P(Join, FirstExceptionRethrownAfterAllBranchesEnd) {
  // Argument 0 throws at +20 ms, argument 1 at +10 ms: the first in time is argument 1's.
  auto body = []() -> Task<std::pair<std::string, Log>> {
    Log log;
    std::string caught = "no exception";
    try {
      co_await weft::join(throw_after(&log, "arg0", 20ms), throw_after(&log, "arg1", 10ms),
                          logged_value_after(&log, "arg2", 30ms, 2));
    } catch (const std::runtime_error& e) {
      caught = e.what();
    }
    log.push_back("join returned");
    co_return std::pair{caught, log};
  };
  const auto [caught, log] = run(body());
  EXPECT_EQ(caught, "arg1");
  EXPECT_EQ(log, (Log{"arg2 started", "arg1 threw", "arg0 threw", "arg2 finished", "join returned"}));
}

TEST_P(Join, ExceptionThrownWhileStartingCountsAsFirst) {
  auto throws_at_once = []() -> Task<int> {
    throw std::invalid_argument("at once");
    co_return 0;
  };
  auto body = [&throws_at_once]() -> Task<std::string> {
    Log log;
    try {
      co_await weft::join(throw_after(&log, "later", 1ms), throws_at_once());
    } catch (const std::invalid_argument& e) {
      co_return e.what();
    } catch (const std::runtime_error& e) {
      co_return e.what();
    }
    co_return "no exception";
  };
  EXPECT_EQ(run(body()), "at once");
}

// --- "Cancelling the task that awaits join cancels every branch; join still waits for
//      all." ----------------------------------------------------------------------------

// On cancellation keeps running for `yields` turns, then rethrows (or returns).
Task<int> slow_to_stop(Log* log, std::string name, int yields, bool rethrow) {
  bool cancelled = false;
  try {
    co_await weft::sleep(1h);
  } catch (const weft::Cancelled&) {
    cancelled = true;
  }
  if (cancelled) {
    log->push_back(name + " cancelled");
    for (int i = 0; i < yields; ++i) co_await weft::yield_now();
    log->push_back(name + " finished");
    if (rethrow) throw weft::Cancelled{};
  }
  co_return 1;
}

Task<void> join_slow_stoppers(Log* log) {
  try {
    co_await weft::join(slow_to_stop(log, "a", 5, true), slow_to_stop(log, "b", 1, false),
                        slow_to_stop(log, "c", 3, true));
  } catch (const weft::Cancelled&) {
    log->push_back("join rethrew Cancelled");
    throw;
  }
}

TEST_P(Join, CancellingTheCallerCancelsEveryBranchAndStillWaits) {
  auto body = []() -> Task<std::pair<Log, nanoseconds>> {
    Log log;
    const weft::Instant start = weft::now();
    JoinHandle<void> caller = weft::spawn(join_slow_stoppers(&log));
    co_await weft::yield_now();  // every branch is asleep
    caller.cancel();
    try {
      co_await caller;
    } catch (const weft::Cancelled&) {
    }
    co_return std::pair{log, weft::now() - start};
  };
  const auto [log, elapsed] = run(body());
  for (const char* name : {"a", "b", "c"}) {
    EXPECT_TRUE(contains(log, std::string(name) + " cancelled")) << name;
    EXPECT_TRUE(contains(log, std::string(name) + " finished")) << name;
  }
  ASSERT_FALSE(log.empty());
  EXPECT_EQ(log.back(), "join rethrew Cancelled");
  EXPECT_LT(elapsed, 1h);
}

// --- join_all ---------------------------------------------------------------------------------

TEST_P(Join, JoinAllReturnsResultsInInputOrderWhateverTheCompletionOrder) {
  auto body = []() -> Task<std::pair<std::vector<int>, std::vector<int>>> {
    std::vector<int> completion;
    auto task = [](int i, std::vector<int>* done) -> Task<int> {
      co_await weft::sleep(milliseconds(100 - 10 * i));  // the last one finishes first
      done->push_back(i);
      co_return i * i;
    };
    std::vector<Task<int>> tasks;
    for (int i = 0; i < 10; ++i) tasks.push_back(task(i, &completion));
    std::vector<int> results = co_await weft::join_all(std::move(tasks));
    co_return std::pair{results, completion};
  };
  const auto [results, completion] = run(body());
  EXPECT_EQ(results, (std::vector<int>{0, 1, 4, 9, 16, 25, 36, 49, 64, 81}));
  EXPECT_EQ(completion, (std::vector<int>{9, 8, 7, 6, 5, 4, 3, 2, 1, 0}));
}

TEST_P(Join, JoinAllOfAnEmptyVectorReturnsAnEmptyVector) {
  auto body = []() -> Task<std::pair<std::size_t, std::size_t>> {
    std::vector<int> ints = co_await weft::join_all(std::vector<Task<int>>{});
    std::vector<std::monostate> voids = co_await weft::join_all(std::vector<Task<void>>{});
    co_return std::pair{ints.size(), voids.size()};
  };
  EXPECT_EQ(run(body()), (std::pair<std::size_t, std::size_t>{0, 0}));
}

TEST_P(Join, JoinAllRunsTenThousandTasks) {
  constexpr int kTasks = 10'000;
  auto body = []() -> Task<std::pair<std::vector<int>, nanoseconds>> {
    auto task = [](int i) -> Task<int> {
      co_await weft::yield_now();
      co_await weft::sleep(milliseconds(i % 7));
      co_return i;
    };
    std::vector<Task<int>> tasks;
    tasks.reserve(kTasks);
    for (int i = 0; i < kTasks; ++i) tasks.push_back(task(i));
    const weft::Instant start = weft::now();
    std::vector<int> results = co_await weft::join_all(std::move(tasks));
    co_return std::pair{results, weft::now() - start};
  };
  const auto [results, elapsed] = run(body());
  ASSERT_EQ(results.size(), static_cast<std::size_t>(kTasks));
  for (int i = 0; i < kTasks; ++i) ASSERT_EQ(results[i], i) << "at index " << i;
  EXPECT_LT(elapsed, 1s);  // concurrent: 10,000 sleeps of up to 6 ms did not add up
}

TEST_P(Join, JoinAllOfVoidTasksReturnsOneMonostateEach) {
  auto body = []() -> Task<std::pair<std::size_t, int>> {
    int ran = 0;
    auto task = [](int* counter) -> Task<void> {
      co_await weft::yield_now();
      ++*counter;
    };
    std::vector<Task<void>> tasks;
    for (int i = 0; i < 5; ++i) tasks.push_back(task(&ran));
    std::vector<std::monostate> results = co_await weft::join_all(std::move(tasks));
    co_return std::pair{results.size(), ran};
  };
  EXPECT_EQ(run(body()), (std::pair<std::size_t, int>{5, 5}));
}

TEST_P(Join, JoinAllRethrowsTheFirstExceptionAfterAllTasksEnd) {
  auto body = []() -> Task<std::pair<std::string, Log>> {
    Log log;
    std::vector<Task<int>> tasks;
    tasks.push_back(throw_after(&log, "first in input", 30ms));
    tasks.push_back(logged_value_after(&log, "slowest", 1h, 1));
    tasks.push_back(throw_after(&log, "first in time", 10ms));
    std::string caught = "no exception";
    try {
      co_await weft::join_all(std::move(tasks));
    } catch (const std::runtime_error& e) {
      caught = e.what();
    }
    log.push_back("join_all returned");
    co_return std::pair{caught, log};
  };
  const auto [caught, log] = run(body());
  EXPECT_EQ(caught, "first in time");
  EXPECT_EQ(log, (Log{"slowest started", "first in time threw", "first in input threw", "slowest finished",
                      "join_all returned"}));
}

TEST_P(Join, JoinAllCancelledCallerCancelsEveryTaskAndStillWaits) {
  auto caller = [](Log* log) -> Task<void> {
    std::vector<Task<int>> tasks;
    tasks.push_back(slow_to_stop(log, "a", 4, true));
    tasks.push_back(slow_to_stop(log, "b", 2, true));
    co_await weft::join_all(std::move(tasks));
  };
  auto body = [&caller]() -> Task<std::pair<bool, Log>> {
    Log log;
    JoinHandle<void> handle = weft::spawn(caller(&log));
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
  EXPECT_TRUE(contains(log, "a finished"));
  EXPECT_TRUE(contains(log, "b finished"));
}

// --- Nothing leaks ----------------------------------------------------------------------------

TEST_P(Join, BranchFramesAreReleasedWhenJoinReturns) {
  auto body = []() -> Task<std::int64_t> {
    const std::int64_t before = weft::frame_stats().live;
    Log log;
    for (int i = 0; i < 50; ++i) {
      co_await weft::join(value_after(1ms, i), weft::sleep(2ms));
      try {
        co_await weft::join(throw_after(&log, "x", 1ms), value_after(3ms, i));
      } catch (const std::runtime_error&) {
      }
      std::vector<Task<int>> tasks;
      for (int k = 0; k < 20; ++k) tasks.push_back(value_after(milliseconds(k), k));
      co_await weft::join_all(std::move(tasks));
    }
    co_return weft::frame_stats().live - before;
  };
  EXPECT_EQ(run(body()), 0);
}

}  // namespace
