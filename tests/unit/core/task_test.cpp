#include <weft/core/task.hpp>

#include <weft/runtime/spawn.hpp>
#include <weft/testing/run.hpp>

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace {

using weft::Task;
using weft::testing::run;

Task<int> answer() { co_return 42; }

Task<int> count_down(int n) {
  if (n == 0) co_return 0;
  co_return 1 + co_await count_down(n - 1);
}

Task<void> throws() {
  throw std::runtime_error("boom");
  co_return;
}

TEST(Task, DoesNotStartUntilAwaited) {
  bool started = false;
  auto make = [&]() -> Task<void> {
    started = true;
    co_return;
  };
  {
    Task<void> task = make();
    EXPECT_FALSE(started);
  }
  EXPECT_FALSE(started);  // destroyed unawaited: never ran
}

TEST(Task, ReturnsItsValueWhenAwaited) {
  EXPECT_EQ(run(answer()), 42);
}

TEST(Task, PropagatesExceptionsToTheAwaiter) {
  auto outer = []() -> Task<std::string> {
    try {
      co_await throws();
    } catch (const std::runtime_error& e) {
      co_return e.what();
    }
    co_return "no exception";
  };
  EXPECT_EQ(run(outer()), "boom");
}

TEST(Task, MoveOnlyResultsAreMovedOut) {
  auto make = []() -> Task<std::unique_ptr<int>> { co_return std::make_unique<int>(7); };
  EXPECT_EQ(*run(make()), 7);
}

// Symmetric transfer both ways: a million nested tasks that complete synchronously
// neither grow the stack nor overflow it.
TEST(Task, MillionNestedSynchronousTasksDoNotGrowTheStack) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer turns GCC's symmetric-transfer tail calls into real calls; "
                  "this test runs in the plain build";
#endif
  EXPECT_EQ(run(count_down(1'000'000)), 1'000'000);
}

TEST(Task, FramesComeFromThePoolAndAreAllReleased) {
  auto body = []() -> Task<std::pair<std::int64_t, std::uint64_t>> {
    const auto before = weft::frame_stats();
    for (int i = 0; i < 1000; ++i) co_await answer();
    const auto after = weft::frame_stats();
    co_return std::pair{after.live - before.live, after.from_pool - before.from_pool};
  };
  const auto [leaked, pooled] = run(body());
  EXPECT_EQ(leaked, 0);
  EXPECT_GE(pooled, 999u);  // every frame after the first reused a pooled block
}

}  // namespace
