#include <weft/runtime/runtime.hpp>

#include <weft/runtime/sleep.hpp>
#include <weft/runtime/spawn.hpp>
#include <weft/runtime/this_core.hpp>
#include <weft/testing/backends.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

namespace {

using namespace std::chrono_literals;
using weft::Runtime;
using weft::Task;

class RuntimeTest : public weft::testing::IoTest {};
WEFT_INSTANTIATE_BACKENDS(RuntimeTest);

TEST_P(RuntimeTest, RunsOnTheRequestedBackend) {
  Runtime runtime(options());
  EXPECT_EQ(runtime.backend(), backend());
}

TEST_P(RuntimeTest, BlockOnRunsTheTaskOnCoreZeroAndReturnsItsValue) {
  Runtime runtime(options(2));
  EXPECT_EQ(runtime.cores(), 2u);
  auto body = []() -> Task<unsigned> { co_return weft::this_core() + 10 * weft::core_count(); };
  EXPECT_EQ(runtime.block_on(body()), 20u);
}

TEST_P(RuntimeTest, BlockOnRethrowsTheTasksException) {
  Runtime runtime(options());
  auto body = []() -> Task<void> {
    throw std::invalid_argument("bad");
    co_return;
  };
  EXPECT_THROW(runtime.block_on(body()), std::invalid_argument);
  // The reactor survived the exception and still runs tasks.
  auto again = []() -> Task<int> { co_return 3; };
  EXPECT_EQ(runtime.block_on(again()), 3);
}

TEST_P(RuntimeTest, ShutdownCancelsAndFinishesDetachedTasks) {
  std::atomic<int> finished{0};
  {
    Runtime runtime(options(2));
    auto forever = [&]() -> Task<void> {
      try {
        co_await weft::sleep(24h);
      } catch (const weft::Cancelled&) {
        finished.fetch_add(1);
        throw;
      }
    };
    auto start = [&]() -> Task<void> {
      for (int i = 0; i < 10; ++i) weft::spawn(forever()).detach();
      co_return;
    };
    runtime.block_on(start());
  }
  EXPECT_EQ(finished.load(), 10);
}

TEST(Runtime, ZeroCoresMeansEveryAllowedCore) {
  Runtime runtime(weft::RuntimeOptions{.backend = weft::Backend::epoll});
  EXPECT_GE(runtime.cores(), 1u);
}

TEST(Runtime, ThisCoreOutsideAReactorThrows) {
  EXPECT_THROW(weft::this_core(), std::logic_error);
}

TEST(Runtime, BlockOnFromAReactorThreadIsRefused) {
  Runtime runtime(weft::RuntimeOptions{.cores = 1, .backend = weft::Backend::epoll});
  auto nested = [&]() -> Task<bool> {
    try {
      runtime.block_on([]() -> Task<void> { co_return; }());
    } catch (const std::logic_error&) {
      co_return true;
    }
    co_return false;
  };
  EXPECT_TRUE(runtime.block_on(nested()));
}

}  // namespace
