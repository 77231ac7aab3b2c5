// PerCore<T>: each core gets its own T, made and destroyed on that core.
#include <weft/runtime/per_core.hpp>

#include <weft/runtime/sleep.hpp>
#include <weft/runtime/spawn.hpp>
#include <weft/testing/backends.hpp>
#include <weft/testing/run.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace weft {
namespace {

using namespace std::chrono_literals;

// Remembers the thread it was made on and checks it is destroyed there.
struct Owned {
  explicit Owned(std::atomic<int>& destroyed) : made_on(std::this_thread::get_id()), core(this_core()), destroyed(destroyed) {}
  ~Owned() {
    EXPECT_EQ(std::this_thread::get_id(), made_on);
    ++destroyed;
  }
  std::thread::id made_on;
  unsigned core;
  std::atomic<int>& destroyed;
  int uses = 0;
};

class PerCoreTest : public testing::IoTest {};
WEFT_INSTANTIATE_BACKENDS(PerCoreTest);

TEST_P(PerCoreTest, EachCoreGetsItsOwnMadeAndDestroyedThere) {
  std::atomic<int> destroyed = 0;
  auto body = [&]() -> Task<void> {
    PerCore<Owned> owned;
    co_await owned.make([&destroyed] { return std::make_unique<Owned>(destroyed); });
    ++owned.here().uses;
    auto on_other = [&owned]() -> Task<unsigned> {
      ++owned.here().uses;
      co_return owned.here().core;
    };
    const unsigned other = co_await submit_to(1, std::move(on_other));
    EXPECT_EQ(other, 1u);
    EXPECT_EQ(owned.here().core, 0u);
    EXPECT_EQ(owned.here().uses, 1);  // core 1's use went to its own Owned
    co_await owned.destroy();
    EXPECT_EQ(destroyed.load(), 2);
    EXPECT_THROW(owned.here(), std::logic_error);
  };
  testing::run(body(), options(2));
}

TEST_P(PerCoreTest, AFactoryMayBeATaskAndDestroyAwaitsAStopFirst) {
  std::atomic<int> destroyed = 0;
  auto body = [&]() -> Task<void> {
    PerCore<Owned> owned;
    co_await owned.make([&destroyed]() -> Task<std::unique_ptr<Owned>> {
      co_await sleep(1ms);
      co_return std::make_unique<Owned>(destroyed);
    });
    std::atomic<int> stopped = 0;
    co_await owned.destroy([&stopped](Owned& item) -> Task<void> {
      co_await sleep(1ms);
      EXPECT_EQ(item.core, this_core());  // stopped on its own core, before it goes
      ++stopped;
    });
    EXPECT_EQ(stopped.load(), 2);
    EXPECT_EQ(destroyed.load(), 2);
  };
  testing::run(body(), options(2));
}

}  // namespace
}  // namespace weft
