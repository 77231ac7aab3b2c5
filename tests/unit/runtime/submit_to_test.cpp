// submit_to and on_all_cores on a two-core runtime: where the work runs, where the
// caller resumes, what crosses back (values, tasks' values, exceptions), and that a
// flood of messages arrives exactly once each. No test waits on wall time.
//
// WORKAROUND(gcc 12): a lambda (or aggregate) temporary with non-trivially-copyable
// captures, passed by value to a coroutine inside a co_await expression, is destroyed
// twice (a shared_ptr capture loses a reference per call; tremotesf2 PR #551 hit the
// same bug). So every capturing lambda below is named first and then moved into
// submit_to / on_all_cores. Captureless lambdas and ones capturing ints are safe.
#include <weft/runtime/submit_to.hpp>

#include <weft/core/frame_allocator.hpp>
#include <weft/core/result.hpp>
#include <weft/runtime/clock.hpp>
#include <weft/runtime/join.hpp>
#include <weft/runtime/runtime.hpp>
#include <weft/runtime/select.hpp>
#include <weft/runtime/sleep.hpp>
#include <weft/runtime/spawn.hpp>
#include <weft/runtime/this_core.hpp>
#include <weft/runtime/with_timeout.hpp>
#include <weft/testing/backends.hpp>
#include <weft/testing/run.hpp>

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace {

using weft::JoinHandle;
using weft::Task;

class SubmitTo : public weft::testing::IoTest {
 protected:
  template <class T>
  T run(Task<T> task, unsigned cores = 2) {
    return weft::testing::run(std::move(task), options(cores));
  }
};
WEFT_INSTANTIATE_BACKENDS(SubmitTo);

// --- "`submit_to(core, f)` runs `f()` on `core` ... and resumes the caller on its own
//      core with the result or the exception." ---------------------------------------------

TEST_P(SubmitTo, RunsTheFunctionOnTheTargetCoreAndResumesOnTheCallersCore) {
  auto body = []() -> Task<std::array<unsigned, 3>> {
    const unsigned before = weft::this_core();
    const unsigned inside = co_await weft::submit_to(1, [] { return weft::this_core(); });
    const unsigned after = weft::this_core();
    co_return std::array{before, inside, after};
  };
  EXPECT_EQ(run(body()), (std::array<unsigned, 3>{0, 1, 0}));
}

TEST_P(SubmitTo, FunctionReturningATaskRunsAsATaskOnTheTargetCore) {
  auto body = []() -> Task<std::pair<std::vector<unsigned>, unsigned>> {
    std::vector<unsigned> cores = co_await weft::submit_to(1, []() -> Task<std::vector<unsigned>> {
      std::vector<unsigned> seen{weft::this_core()};
      co_await weft::yield_now();  // suspends and resumes on core 1
      seen.push_back(weft::this_core());
      co_return seen;
    });
    co_return std::pair{cores, weft::this_core()};
  };
  const auto [cores, after] = run(body());
  EXPECT_EQ(cores, (std::vector<unsigned>{1, 1}));
  EXPECT_EQ(after, 0u);
}

TEST_P(SubmitTo, VoidFunctionRunsBeforeTheCallerResumes) {
  auto body = []() -> Task<unsigned> {
    auto ran_on = std::make_shared<std::atomic<unsigned>>(99);
    auto note_core = [ran_on] { ran_on->store(weft::this_core()); };
    co_await weft::submit_to(1, std::move(note_core));
    co_return ran_on->load();
  };
  EXPECT_EQ(run(body()), 1u);
}

TEST_P(SubmitTo, FunctionReturningATaskOfVoidIsAwaitedOnTheTargetCore) {
  auto body = []() -> Task<std::vector<unsigned>> {
    auto seen = std::make_shared<std::vector<unsigned>>();
    auto three_steps = [seen]() -> Task<void> {
      for (int i = 0; i < 3; ++i) {
        co_await weft::yield_now();
        seen->push_back(weft::this_core());
      }
    };
    co_await weft::submit_to(1, std::move(three_steps));
    co_return *seen;  // core 1 is done with it: the reply above came after its last step
  };
  EXPECT_EQ(run(body()), (std::vector<unsigned>{1, 1, 1}));
}

TEST_P(SubmitTo, SubmittingToTheCallersOwnCoreWorks) {
  auto body = []() -> Task<unsigned> { co_return co_await weft::submit_to(0, [] { return weft::this_core() + 10; }); };
  EXPECT_EQ(run(body()), 10u);
}

// A call to the caller's own core is local work, so a paused clock may jump for its
// timers (a wait for another core's reply would hold the clock still).
TEST_P(SubmitTo, ACallToTheOwnCoreThatSleepsCompletesOnAPausedClock) {
  auto body = []() -> Task<std::chrono::nanoseconds> {
    const auto start = weft::now();
    co_await weft::submit_to(0, []() -> Task<void> { co_await weft::sleep(std::chrono::hours(1)); });
    co_return weft::now() - start;
  };
  EXPECT_GE(weft::testing::run(body(), paused_options()), std::chrono::hours(1));
}

TEST_P(SubmitTo, CallsCanBeChainedAcrossCores) {
  // Core 0 asks core 1, which asks core 0 back.
  auto body = []() -> Task<std::vector<unsigned>> {
    std::vector<unsigned> path = co_await weft::submit_to(1, []() -> Task<std::vector<unsigned>> {
      std::vector<unsigned> seen{weft::this_core()};
      seen.push_back(co_await weft::submit_to(0, [] { return weft::this_core(); }));
      seen.push_back(weft::this_core());
      co_return seen;
    });
    path.push_back(weft::this_core());
    co_return path;
  };
  EXPECT_EQ(run(body()), (std::vector<unsigned>{1, 0, 1, 0}));
}

// --- Exceptions cross back ---------------------------------------------------------------

TEST_P(SubmitTo, ExceptionOfTheFunctionIsRethrownOnTheCallersCore) {
  auto body = []() -> Task<std::pair<std::string, unsigned>> {
    try {
      co_await weft::submit_to(1, []() -> int {
        throw std::runtime_error("failed on core " + std::to_string(weft::this_core()));
      });
    } catch (const std::runtime_error& e) {
      co_return std::pair{std::string(e.what()), weft::this_core()};
    }
    co_return std::pair{std::string("no exception"), weft::this_core()};
  };
  const auto [message, caught_on] = run(body());
  EXPECT_EQ(message, "failed on core 1");
  EXPECT_EQ(caught_on, 0u);
}

TEST_P(SubmitTo, ExceptionOfTheReturnedTaskIsRethrownOnTheCallersCore) {
  auto body = []() -> Task<std::string> {
    try {
      co_await weft::submit_to(1, []() -> Task<void> {
        co_await weft::yield_now();
        throw std::invalid_argument("task failed on core " + std::to_string(weft::this_core()));
      });
    } catch (const std::invalid_argument& e) {
      co_return e.what();
    }
    co_return "no exception";
  };
  EXPECT_EQ(run(body()), "task failed on core 1");
}

TEST_P(SubmitTo, SubmittingToACoreThatDoesNotExistThrowsOutOfRange) {
  auto body = []() -> Task<bool> {
    try {
      co_await weft::submit_to(7, [] { return 1; });
    } catch (const std::out_of_range&) {
      co_return true;
    }
    co_return false;
  };
  EXPECT_TRUE(run(body()));
}

// --- "Cancellation: none yet — the caller waits until the remote work has finished." ---

TEST_P(SubmitTo, CancelledCallerStillWaitsForTheRemoteWorkAndGetsItsResult) {
  auto caller = [](std::shared_ptr<std::atomic<bool>> remote_done) -> Task<std::pair<int, bool>> {
    auto slow = [remote_done]() -> Task<int> {
      for (int i = 0; i < 200; ++i) co_await weft::yield_now();
      remote_done->store(true);
      co_return 5;
    };
    const int value = co_await weft::submit_to(1, std::move(slow));
    co_return std::pair{value, remote_done->load()};
  };
  auto body = [&caller]() -> Task<std::pair<int, bool>> {
    JoinHandle<std::pair<int, bool>> handle = weft::spawn(caller(std::make_shared<std::atomic<bool>>(false)));
    co_await weft::yield_now();  // the call is on its way to core 1
    handle.cancel();
    co_return co_await handle;
  };
  const auto [value, remote_done_when_resumed] = run(body());
  EXPECT_EQ(value, 5);
  EXPECT_TRUE(remote_done_when_resumed);
}

// --- A paused clock and work in flight on another core ------------------------------------
// clock.hpp: a paused reactor jumps to its next timer "when its reactor has nothing to
// run". A core waiting for a reply from another core still has something coming, so a
// cross-core call that takes no time must never lose to a one-hour timeout.

TEST_P(SubmitTo, PendingReplyKeepsAPausedClockFromJumpingToTheNextTimer) {
  auto body = []() -> Task<std::pair<int, std::chrono::nanoseconds>> {
    const weft::Instant start = weft::now();
    int timeouts = 0;
    for (int i = 0; i < 1000; ++i) {
      weft::Result<int> reply = co_await weft::with_timeout(std::chrono::hours(1), weft::submit_to(1, [i] { return i; }));
      if (!reply.has_value()) ++timeouts;
    }
    co_return std::pair{timeouts, weft::now() - start};
  };
  const auto [timeouts, elapsed] =
      weft::testing::run(body(), weft::RuntimeOptions{.cores = 2, .backend = GetParam(), .paused_clock = true});
  EXPECT_EQ(timeouts, 0) << "instant cross-core calls timed out after a jump of the paused clock";
  EXPECT_LT(elapsed, std::chrono::hours(1));
}

// --- A flood of messages: none lost, none duplicated -----------------------------------------

// Owned by core 1 and touched only there, through the submitted functions.
struct Tally {
  std::vector<std::uint8_t> seen;
  std::uint64_t count = 0;
  std::uint64_t sum = 0;
};

TEST_P(SubmitTo, MillionMessagesRoundTripWithNoneLostOrDuplicated) {
  constexpr std::uint64_t kMessages = 1'000'000;
  constexpr std::uint64_t kSenders = 50;  // concurrent senders, each sending in sequence
  auto tally = std::make_shared<Tally>();
  tally->seen.assign(kMessages, 0);

  auto sender = [](std::shared_ptr<Tally> tally, std::uint64_t first, std::uint64_t step) -> Task<std::uint64_t> {
    std::uint64_t replies = 0;
    for (std::uint64_t i = first; i < kMessages; i += step) {
      auto message = [tally, i] {
        ++tally->seen[i];
        ++tally->count;
        tally->sum += i;
        return 2 * i + 1;
      };
      const std::uint64_t reply = co_await weft::submit_to(1, std::move(message));
      EXPECT_EQ(reply, 2 * i + 1);
      replies += reply;
    }
    co_return replies;
  };
  auto body = [&]() -> Task<std::uint64_t> {
    std::vector<Task<std::uint64_t>> senders;
    for (std::uint64_t s = 0; s < kSenders; ++s) senders.push_back(sender(tally, s, kSenders));
    std::uint64_t total = 0;
    const std::vector<std::uint64_t> per_sender = co_await weft::join_all(std::move(senders));
    for (std::uint64_t replies : per_sender) total += replies;
    co_return total;
  };
  const std::uint64_t replies = run(body());

  // Every reply was seen by the caller after core 1 wrote the tally, so reading it here
  // is ordered after those writes.
  const std::uint64_t expected_sum = kMessages * (kMessages - 1) / 2;
  EXPECT_EQ(replies, 2 * expected_sum + kMessages);
  EXPECT_EQ(tally->count, kMessages);
  EXPECT_EQ(tally->sum, expected_sum);
  std::uint64_t missing = 0;
  std::uint64_t duplicated = 0;
  for (std::uint8_t times : tally->seen) {
    missing += times == 0 ? 1 : 0;
    duplicated += times > 1 ? 1 : 0;
  }
  EXPECT_EQ(missing, 0u);
  EXPECT_EQ(duplicated, 0u);
}

// --- on_all_cores ----------------------------------------------------------------------------

TEST_P(SubmitTo, OnAllCoresRunsOnEveryCoreExactlyOnce) {
  auto hits = std::make_shared<std::array<std::atomic<int>, 2>>();
  auto body = [hits]() -> Task<unsigned> {
    auto count_core = [hits]() -> Task<void> {
      (*hits)[weft::this_core()].fetch_add(1);
      co_return;
    };
    co_await weft::on_all_cores(std::move(count_core));
    co_return weft::this_core();
  };
  EXPECT_EQ(run(body()), 0u);
  EXPECT_EQ((*hits)[0].load(), 1);
  EXPECT_EQ((*hits)[1].load(), 1);
}

TEST_P(SubmitTo, OnAllCoresOnOneCoreRunsOnce) {
  auto hits = std::make_shared<std::atomic<int>>(0);
  auto body = [hits]() -> Task<void> {
    auto count = [hits]() -> Task<void> {
      hits->fetch_add(1);
      co_return;
    };
    co_await weft::on_all_cores(std::move(count));
  };
  run(body(), 1);
  EXPECT_EQ(hits->load(), 1);
}

TEST_P(SubmitTo, OnAllCoresRethrowsOnlyAfterEveryCoreHasFinished) {
  auto finished = std::make_shared<std::array<std::atomic<bool>, 2>>();
  auto body = [finished]() -> Task<std::string> {
    try {
      auto fail_on_core_1 = [finished]() -> Task<void> {
        const unsigned core = weft::this_core();
        if (core == 1) {
          (*finished)[core].store(true);
          throw std::runtime_error("core 1 failed");
        }
        for (int i = 0; i < 100; ++i) co_await weft::yield_now();  // core 0 finishes later
        (*finished)[core].store(true);
      };
      co_await weft::on_all_cores(std::move(fail_on_core_1));
    } catch (const std::runtime_error& e) {
      co_return std::string(e.what()) + (((*finished)[0].load() && (*finished)[1].load()) ? ", all finished" : "");
    }
    co_return "no exception";
  };
  EXPECT_EQ(run(body()), "core 1 failed, all finished");
}

// --- Nothing leaks ------------------------------------------------------------------------

TEST_P(SubmitTo, FramesAreReleasedOnBothCores) {
  auto live_on = [](unsigned core) -> Task<std::int64_t> {
    co_return co_await weft::submit_to(core, [] { return weft::frame_stats().live; });
  };
  auto body = [&live_on]() -> Task<std::pair<std::int64_t, std::int64_t>> {
    const std::int64_t core0_before = weft::frame_stats().live;
    const std::int64_t core1_before = co_await live_on(1);
    for (int i = 0; i < 1000; ++i) {
      co_await weft::submit_to(1, [i]() -> Task<int> {
        co_await weft::yield_now();
        co_return i;
      });
    }
    const std::int64_t core1_after = co_await live_on(1);
    co_return std::pair{weft::frame_stats().live - core0_before, core1_after - core1_before};
  };
  EXPECT_EQ(run(body()), (std::pair<std::int64_t, std::int64_t>{0, 0}));
}

}  // namespace

namespace {

class SubmitToCancel : public weft::testing::IoTest {};
WEFT_INSTANTIATE_BACKENDS(SubmitToCancel);

TEST_P(SubmitToCancel, CancellingTheCallerCancelsTheRemoteTaskAndAwaitsIt) {
  auto body = []() -> weft::Task<std::pair<bool, bool>> {
    auto remote_saw_cancel = std::make_shared<std::atomic<bool>>(false);
    auto remote = [remote_saw_cancel]() -> weft::Task<void> {
      try {
        co_await weft::sleep(std::chrono::hours(1));
      } catch (const weft::Cancelled&) {
        remote_saw_cancel->store(true);
        throw;
      }
    };
    auto caller = weft::spawn(weft::submit_to(1, std::move(remote)));
    co_await weft::sleep(std::chrono::milliseconds(5));
    caller.cancel();
    bool caller_got_cancelled = false;
    try {
      co_await caller;
    } catch (const weft::Cancelled&) {
      caller_got_cancelled = true;
    }
    co_return std::pair{caller_got_cancelled, remote_saw_cancel->load()};
  };
  const auto [caller_cancelled, remote_cancelled] = weft::testing::run(body(), options(2));
  EXPECT_TRUE(caller_cancelled);
  EXPECT_TRUE(remote_cancelled);  // and it had finished before the caller resumed
}

TEST_P(SubmitToCancel, ACallerCancelledBeforeTheRemoteStartsStillGetsAnAnswer) {
  auto body = []() -> weft::Task<int> {
    int answered = 0;
    for (int i = 0; i < 200; ++i) {
      auto remote = []() -> weft::Task<int> {
        co_await weft::sleep(std::chrono::hours(1));
        co_return 1;
      };
      auto caller = weft::spawn(weft::submit_to(1, std::move(remote)));
      caller.cancel();  // before core 1 has even seen the request
      try {
        co_await caller;
      } catch (const weft::Cancelled&) {
        ++answered;
      }
    }
    co_return answered;
  };
  EXPECT_EQ(weft::testing::run(body(), options(2)), 200);
}

// Cancels land at every point of the round trip (before the request, while the remote
// runs, after the reply is queued): each call still ends exactly once, with the value
// or with Cancelled (under ASan this also proves no message outlives its call).
TEST_P(SubmitToCancel, CancelsAtAnyPointOfTheRoundTripEndEachCallExactlyOnce) {
  auto body = []() -> weft::Task<int> {
    int ended = 0;
    for (int i = 0; i < 500; ++i) {
      auto caller = weft::spawn(weft::submit_to(1, [] { return 1; }));
      for (int turns = 0; turns < i % 5; ++turns) co_await weft::yield_now();
      caller.cancel();
      try {
        ended += co_await caller;
      } catch (const weft::Cancelled&) {
        ++ended;
      }
    }
    co_return ended;
  };
  EXPECT_EQ(weft::testing::run(body(), options(2)), 500);
}

}  // namespace

namespace {

class SubmitToShutdown : public weft::testing::IoTest {};
WEFT_INSTANTIATE_BACKENDS(SubmitToShutdown);

// The runtime is torn down while thousands of calls are on their way between the
// cores: every one still ends (answered or cancelled), nothing hangs, nothing leaks
// (the ASan build checks the leak part).
TEST_P(SubmitToShutdown, ShutdownWithMessagesInFlightEndsEveryCall) {
  auto ended = std::make_shared<std::atomic<int>>(0);
  {
    weft::Runtime runtime(options(2));
    auto start = [ended]() -> weft::Task<void> {
      for (int i = 0; i < 5000; ++i) {
        auto call = [ended]() -> weft::Task<void> {
          try {
            auto remote = []() -> weft::Task<int> {
              co_await weft::sleep(std::chrono::milliseconds(1));
              co_return 1;
            };
            co_await weft::submit_to(1, std::move(remote));
          } catch (const weft::Cancelled&) {
          }
          ended->fetch_add(1);
        };
        weft::spawn(call()).detach();
      }
      co_return;
    };
    runtime.block_on(start());
  }  // shutdown right away: most calls are still in flight
  EXPECT_EQ(ended->load(), 5000);
}

// Cancelling a task reaches through every level of what it awaits: a select inside a
// join inside the cancelled task.
TEST_P(SubmitToShutdown, CancellationReachesBranchesOfBranchesTransitively) {
  auto body = []() -> weft::Task<int> {
    auto inner_cancelled = std::make_shared<int>(0);
    auto leaf = [](std::shared_ptr<int> count) -> weft::Task<void> {
      try {
        co_await weft::sleep(std::chrono::hours(1));
      } catch (const weft::Cancelled&) {
        ++*count;
        throw;
      }
    };
    auto middle = [&]() -> weft::Task<void> {
      co_await weft::select(leaf(inner_cancelled), leaf(inner_cancelled));
    };
    auto outer = [&]() -> weft::Task<void> { co_await weft::join(middle(), leaf(inner_cancelled)); };
    auto handle = weft::spawn(outer());
    co_await weft::yield_now();
    handle.cancel();
    try {
      co_await handle;
    } catch (const weft::Cancelled&) {
    }
    co_return *inner_cancelled;
  };
  EXPECT_EQ(weft::testing::run(body(), options()), 3);
}

}  // namespace
