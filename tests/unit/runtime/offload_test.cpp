#include <weft/runtime/offload.hpp>

#include <weft/core/context.hpp>
#include <weft/runtime/join.hpp>
#include <weft/runtime/select.hpp>
#include <weft/runtime/sleep.hpp>
#include <weft/runtime/spawn.hpp>
#include <weft/runtime/submit_to.hpp>
#include <weft/runtime/this_core.hpp>
#include <weft/testing/backends.hpp>
#include <weft/testing/run.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

namespace {

using namespace std::chrono_literals;
using weft::Task;

class Offload : public weft::testing::IoTest {};
WEFT_INSTANTIATE_BACKENDS(Offload);

TEST_P(Offload, RunsOnAnotherThreadAndResumesOnTheCallersCore) {
  auto body = []() -> Task<bool> {
    const auto reactor_thread = std::this_thread::get_id();
    const auto worker_thread = co_await weft::offload([] { return std::this_thread::get_id(); });
    co_return worker_thread != reactor_thread && std::this_thread::get_id() == reactor_thread &&
        weft::this_core() == 1;
  };
  EXPECT_TRUE(weft::testing::run([&]() -> Task<bool> {
    co_return co_await weft::submit_to(1, [&] { return body(); });
  }(), options(2)));
}

TEST_P(Offload, ReturnsTheValueAndRethrowsTheException) {
  auto body = []() -> Task<int> {
    const int value = co_await weft::offload([] { return 6 * 7; });
    try {
      co_await weft::offload([]() -> int { throw std::runtime_error("in the pool"); });
    } catch (const std::runtime_error& error) {
      co_return std::string(error.what()) == "in the pool" ? value : -1;
    }
    co_return -2;
  };
  EXPECT_EQ(weft::testing::run(body(), options()), 42);
}

TEST_P(Offload, TheCoreKeepsServingWhileTwoJobsBurnCpu) {
  auto body = []() -> Task<int> {
    std::atomic<bool> release{false};
    auto burn = [&release] {
      while (!release.load()) {
      }  // CPU-bound until told to stop
      return 1;
    };
    auto first = weft::spawn(weft::offload(burn));
    auto second = weft::spawn(weft::offload(burn));
    int ticks = 0;
    for (int i = 0; i < 20; ++i) {  // the reactor still runs timers and tasks
      co_await weft::sleep(1ms);
      ++ticks;
    }
    release.store(true);
    co_return ticks + co_await first + co_await second;
  };
  weft::RuntimeOptions two_workers = options();
  two_workers.offload_threads = 2;
  EXPECT_EQ(weft::testing::run(body(), two_workers), 22);
}

TEST_P(Offload, CancelledBeforeItStartsTheFunctionNeverRuns) {
  auto body = []() -> Task<std::pair<int, bool>> {
    std::atomic<bool> release{false};
    std::atomic<int> ran{0};
    // One worker, kept busy, so the second job waits in the queue.
    auto blocker = weft::spawn(weft::offload([&] {
      while (!release.load()) {
      }
    }));
    co_await weft::sleep(5ms);
    auto queued = weft::spawn(weft::offload([&] { ran.fetch_add(1); }));
    co_await weft::sleep(5ms);
    queued.cancel();
    bool cancelled = false;
    try {
      co_await queued;
    } catch (const weft::Cancelled&) {
      cancelled = true;
    }
    release.store(true);
    co_await blocker;
    co_await weft::offload([] {});  // the pool has drained past where the job was
    co_return std::pair{ran.load(), cancelled};
  };
  weft::RuntimeOptions one_worker = options();
  one_worker.offload_threads = 1;
  const auto [ran, cancelled] = weft::testing::run(body(), one_worker);
  EXPECT_EQ(ran, 0);
  EXPECT_TRUE(cancelled);
}

TEST_P(Offload, CancelledWhileRunningTheCallerLeavesAtOnceAndTheResultIsDropped) {
  auto body = []() -> Task<bool> {
    auto release = std::make_shared<std::atomic<bool>>(false);
    auto job = weft::spawn(weft::offload([release] {
      while (!release->load()) {
      }
      return std::string("discarded");
    }));
    co_await weft::sleep(5ms);
    job.cancel();
    bool cancelled = false;
    try {
      co_await job;  // returns while the function is still running
    } catch (const weft::Cancelled&) {
      cancelled = true;
    }
    release->store(true);
    co_return cancelled;
  };
  EXPECT_TRUE(weft::testing::run(body(), options()));
}

TEST_P(Offload, TheFunctionSeesTheCallersContext) {
  auto body = []() -> Task<std::string> {
    weft::context::set("request_id", "r-17");
    co_return co_await weft::offload([] { return weft::context::get("request_id").value_or("none"); });
  };
  EXPECT_EQ(weft::testing::run(body(), options()), "r-17");
}

TEST_P(Offload, ManyConcurrentJobsAllComeBack) {
  auto body = []() -> Task<long> {
    std::vector<Task<int>> jobs;
    for (int i = 0; i < 2000; ++i) jobs.push_back(weft::offload([i] { return i; }));
    long sum = 0;
    for (int value : co_await weft::join_all(std::move(jobs))) sum += value;
    co_return sum;
  };
  EXPECT_EQ(weft::testing::run(body(), options()), 1999L * 2000 / 2);
}

}  // namespace
