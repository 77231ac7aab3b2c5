#include <weft/runtime/task_dump.hpp>

#include <weft/runtime/join.hpp>
#include <weft/runtime/runtime.hpp>
#include <weft/runtime/select.hpp>
#include <weft/runtime/sleep.hpp>
#include <weft/runtime/spawn.hpp>
#include <weft/testing/backends.hpp>
#include <weft/testing/run.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <string>

namespace {

using namespace std::chrono_literals;
using weft::Task;

class TaskDump : public weft::testing::IoTest {};
WEFT_INSTANTIATE_BACKENDS(TaskDump);

Task<void> waits_in_a_select() {
  co_await weft::select(weft::sleep(1h), weft::sleep(2h));  // dump-marker-select
}

Task<void> nested_wait() {
  co_await weft::sleep(1h);  // dump-marker-nested
}

Task<void> outer_wait() { co_await nested_wait(); }

TEST_P(TaskDump, ShowsEachTaskWhereItWasSpawnedAndTheAwaitChainItWaitsIn) {
  auto body = []() -> Task<std::string> {
    auto a = weft::spawn(outer_wait());
    auto b = weft::spawn(waits_in_a_select());
    co_await weft::yield_now();
    co_await weft::yield_now();
    std::string dump = weft::dump_tasks();
    a.cancel();
    b.cancel();
    try {
      co_await a;
    } catch (const weft::Cancelled&) {
    }
    try {
      co_await b;
    } catch (const weft::Cancelled&) {
    }
    co_return dump;
  };
  weft::RuntimeOptions opts = options();
  opts.dump_signal = 0;
  const std::string dump = weft::testing::run(body(), opts);
  // Both spawned tasks, with the line of this file that spawned them and their spawner.
  // (Plain searches: std::regex trips a false -Wmaybe-uninitialized in GCC 12 at -O2+ASan.)
  const auto first = dump.find(" spawned at task_dump_test.cpp:");
  ASSERT_NE(first, std::string::npos) << dump;
  EXPECT_NE(dump.find(" spawned at task_dump_test.cpp:", first + 1), std::string::npos) << dump;
  EXPECT_NE(dump.find(" by #", first), std::string::npos) << dump;
  // The await chain, innermost first: sleep's own frame, then nested_wait, then outer_wait.
  const auto nested = dump.find("in {anonymous}::nested_wait\n");
  const auto outer = dump.find("in {anonymous}::outer_wait\n");
  EXPECT_NE(nested, std::string::npos) << dump;
  EXPECT_NE(outer, std::string::npos) << dump;
  EXPECT_LT(nested, outer) << dump;
  // The select's two branches appear under the task that awaits them.
  EXPECT_EQ(std::count(dump.begin(), dump.end(), '#') >= 5, true) << dump;
  EXPECT_NE(dump.find("branch of #"), std::string::npos) << dump;
}

TEST_P(TaskDump, DumpAllTasksCoversEveryCore) {
  auto body = []() -> Task<std::string> { co_return co_await weft::dump_all_tasks(); };
  weft::RuntimeOptions opts = options(2);
  opts.dump_signal = 0;
  const std::string dump = weft::testing::run(body(), opts);
  EXPECT_NE(dump.find("core 0:"), std::string::npos) << dump;
  EXPECT_NE(dump.find("core 1:"), std::string::npos) << dump;
}

TEST(TaskDumpOutsideAReactor, IsRefused) { EXPECT_THROW(weft::dump_tasks(), std::logic_error); }

}  // namespace
