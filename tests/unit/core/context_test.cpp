#include <weft/core/context.hpp>

#include <weft/runtime/join.hpp>
#include <weft/runtime/select.hpp>
#include <weft/runtime/sleep.hpp>
#include <weft/runtime/spawn.hpp>
#include <weft/runtime/submit_to.hpp>
#include <weft/testing/backends.hpp>
#include <weft/testing/run.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace {

using namespace std::chrono_literals;
using weft::Task;

class Context : public weft::testing::IoTest {};
WEFT_INSTANTIATE_BACKENDS(Context);

Task<std::string> read_id() { co_return weft::context::get("id").value_or("none"); }

TEST(ContextOutsideATask, GetFindsNothingAndSetDoesNothing) {
  weft::context::set("id", "x");
  EXPECT_FALSE(weft::context::get("id").has_value());
}

TEST_P(Context, ASetValueIsSeenLaterInTheSameTaskAndItsAwaitedChildren) {
  auto body = []() -> Task<std::string> {
    weft::context::set("id", "a");
    co_await weft::sleep(1ms);
    co_return co_await read_id();
  };
  EXPECT_EQ(weft::testing::run(body(), options()), "a");
}

TEST_P(Context, SpawnedTasksInheritASnapshot) {
  auto body = []() -> Task<std::string> {
    weft::context::set("id", "parent");
    auto child = weft::spawn([]() -> Task<std::string> {
      std::string seen = co_await read_id();
      weft::context::set("id", "child");  // stays with the child
      co_return seen;
    }());
    std::string seen = co_await child;
    co_return seen + "/" + co_await read_id();
  };
  EXPECT_EQ(weft::testing::run(body(), options()), "parent/parent");
}

TEST_P(Context, JoinAndSelectBranchesSeeTheCallersContext) {
  auto body = []() -> Task<std::string> {
    weft::context::set("id", "fan");
    auto [a, b] = co_await weft::join(read_id(), read_id());
    auto raced = co_await weft::select(read_id(), weft::sleep(1s));
    co_return a + b + std::get<0>(raced);
  };
  EXPECT_EQ(weft::testing::run(body(), options()), "fanfanfan");
}

TEST_P(Context, SubmitToCarriesTheContextToTheOtherCore) {
  auto body = []() -> Task<std::string> {
    weft::context::set("id", "cross");
    auto remote = [] { return read_id(); };
    co_return co_await weft::submit_to(1, std::move(remote));
  };
  EXPECT_EQ(weft::testing::run(body(), options(2)), "cross");
}

TEST_P(Context, DescribeListsEveryKeyInOrderAndEraseRemovesOne) {
  auto body = []() -> Task<std::string> {
    weft::context::set("trace", "t1");
    weft::context::set("id", "r9");
    weft::context::set("gone", "x");
    weft::context::erase("gone");
    co_return weft::context::describe();
  };
  EXPECT_EQ(weft::testing::run(body(), options()), "id=r9 trace=t1");
}

}  // namespace
