// with_deadline on a paused clock, over real loopback sockets where the task is I/O:
// every assertion is on an outcome (value, error, exception, bytes read) or on the
// reactor clock, which is deterministic here; never on wall time.
#include <weft/runtime/with_deadline.hpp>

#include <weft/core/cancellation.hpp>
#include <weft/core/frame_allocator.hpp>
#include <weft/core/result.hpp>
#include <weft/net/tcp_stream.hpp>
#include <weft/runtime/clock.hpp>
#include <weft/runtime/select.hpp>
#include <weft/runtime/sleep.hpp>
#include <weft/testing/backends.hpp>
#include <weft/testing/run.hpp>
#include <weft/testing/sockets.hpp>

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace {

using namespace std::chrono_literals;
using std::chrono::nanoseconds;
using weft::Result;
using weft::Task;

class WithDeadline : public weft::testing::IoTest {
 protected:
  template <class T>
  T run(Task<T> task) {
    return weft::testing::run(std::move(task), paused_options());
  }
};
WEFT_INSTANTIATE_BACKENDS(WithDeadline);

Task<Result<int>> value_after(nanoseconds delay, int value) {
  co_await weft::sleep(delay);
  co_return value;
}

Task<Result<void>> send(weft::net::TcpStream& stream, std::string_view text) {
  const weft::IoVec part{text.data(), text.size()};
  co_return co_await stream.writev_all(std::span(&part, 1));
}

struct Outcome {
  Result<std::size_t> read = 0;
  nanoseconds elapsed;
  std::string later;  // what a read after the deadline got
};

// --- the task finishes first -------------------------------------------------------------

TEST_P(WithDeadline, TaskFinishingFirstReturnsItsValueAndDisarmsTheTimer) {
  auto body = []() -> Task<std::pair<Result<int>, nanoseconds>> {
    const weft::Instant start = weft::now();
    Result<int> result = co_await weft::with_deadline(start + 10s, value_after(1s, 42));
    const nanoseconds first = weft::now() - start;
    EXPECT_GE(first, 1s);
    EXPECT_LT(first, 10s);  // returned without waiting for the deadline
    // A disarmed timer must not cut a later wait short.
    co_await weft::sleep(1min);
    co_return std::pair{result, weft::now() - start};
  };
  const auto [result, elapsed] = run(body());
  ASSERT_TRUE(result.has_value()) << result.error().message();
  EXPECT_EQ(*result, 42);
  EXPECT_GE(elapsed, 1min + 1s);
}

TEST_P(WithDeadline, ReadThatGetsBytesInTimeReturnsThem) {
  auto body = []() -> Task<std::string> {
    auto [server, client] = co_await weft::testing::connected_pair();
    auto sent = co_await send(client, "hello");
    EXPECT_TRUE(sent.has_value());
    std::array<char, 16> buffer{};
    const auto read = co_await weft::with_deadline(weft::now() + 1s, server.read(std::span(buffer)));
    if (!read) co_return "error: " + read.error().message();
    co_return std::string(buffer.data(), *read);
  };
  EXPECT_EQ(run(body()), "hello");
}

TEST_P(WithDeadline, CostsNoFrameBeyondTheTasks) {
  auto ready = []() -> Task<Result<int>> { co_return 7; };
  auto body = [&ready]() -> Task<std::uint64_t> {
    const weft::FrameStats before = weft::frame_stats();
    const Result<int> result = co_await weft::with_deadline(weft::now() + 1s, ready());
    const weft::FrameStats after = weft::frame_stats();
    EXPECT_EQ(result.value_or(0), 7);
    co_return (after.from_pool + after.from_heap) - (before.from_pool + before.from_heap);
  };
  EXPECT_EQ(run(body()), 1u);  // the task's own frame, nothing else
}

// --- the deadline passes -----------------------------------------------------------------

TEST_P(WithDeadline, ReadPastTheDeadlineTimesOutAndLosesNoByte) {
  auto body = []() -> Task<Outcome> {
    auto [server, client] = co_await weft::testing::connected_pair();
    std::array<char, 16> buffer{};
    const weft::Instant start = weft::now();
    Outcome outcome;
    outcome.read = co_await weft::with_deadline(start + 30s, server.read(std::span(buffer)));
    outcome.elapsed = weft::now() - start;
    auto sent = co_await send(client, "later");
    EXPECT_TRUE(sent.has_value());
    outcome.later = co_await weft::testing::read_exactly(server, 5);
    co_return outcome;
  };
  const Outcome outcome = run(body());
  ASSERT_FALSE(outcome.read.has_value());
  EXPECT_EQ(outcome.read.error(), weft::errc::timed_out);
  EXPECT_GE(outcome.elapsed, 30s);
  EXPECT_LT(outcome.elapsed, 31s);
  EXPECT_EQ(outcome.later, "later");  // the socket still works, nothing was consumed
}

TEST_P(WithDeadline, PastDeadlineTimesOutATaskThatWaits) {
  auto body = []() -> Task<Result<int>> {
    co_return co_await weft::with_deadline(weft::now() - 1s, value_after(1ms, 1));
  };
  const Result<int> result = run(body());
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error(), weft::errc::timed_out);
}

TEST_P(WithDeadline, PastDeadlineStillLetsAnInlineTaskFinish) {
  auto ready = []() -> Task<Result<int>> { co_return 3; };
  auto body = [&ready]() -> Task<Result<int>> { co_return co_await weft::with_deadline(weft::now() - 1s, ready()); };
  EXPECT_EQ(run(body()).value_or(0), 3);
}

TEST_P(WithDeadline, TaskThatSucceedsDespiteTheCancelKeepsItsValue) {
  auto stubborn = []() -> Task<Result<int>> {
    try {
      co_await weft::sleep(1h);
    } catch (const weft::Cancelled&) {
    }
    co_return 5;
  };
  auto body = [&stubborn]() -> Task<Result<int>> { co_return co_await weft::with_deadline(weft::now() + 1s, stubborn()); };
  EXPECT_EQ(run(body()).value_or(0), 5);
}

TEST_P(WithDeadline, OtherExceptionsPropagate) {
  auto throws_on_cancel = []() -> Task<Result<int>> {
    try {
      co_await weft::sleep(1h);
    } catch (const weft::Cancelled&) {
      throw std::logic_error("cleanup failed");
    }
    co_return 5;
  };
  auto body = [&throws_on_cancel]() -> Task<std::string> {
    try {
      co_await weft::with_deadline(weft::now() + 1s, throws_on_cancel());
    } catch (const std::logic_error& error) {
      co_return error.what();
    }
    co_return "no exception";
  };
  EXPECT_EQ(run(body()), "cleanup failed");
}

// --- the caller is cancelled -------------------------------------------------------------

TEST_P(WithDeadline, CancellingTheCallerCancelsTheTaskAndIsNotATimeout) {
  auto body = []() -> Task<std::pair<std::string, nanoseconds>> {
    auto [server, client] = co_await weft::testing::connected_pair();
    std::array<char, 16> buffer{};
    std::string seen = "not finished";
    auto reader = [&]() -> Task<void> {
      const auto read = co_await weft::with_deadline(weft::now() + 1h, server.read(std::span(buffer)));
      seen = read ? "read" : read.error() == weft::errc::timed_out ? "timed out" : "cancelled";
    };
    const weft::Instant start = weft::now();
    co_await weft::select(reader(), weft::sleep(2s));
    const nanoseconds elapsed = weft::now() - start;
    // The scope is gone with the task: a later wait runs its full length.
    co_await weft::sleep(10s);
    EXPECT_GE(weft::now() - start, 12s);
    co_return std::pair{seen, elapsed};
  };
  const auto [seen, elapsed] = run(body());
  EXPECT_EQ(seen, "cancelled");
  EXPECT_GE(elapsed, 2s);
  EXPECT_LT(elapsed, 1h);
}

TEST_P(WithDeadline, NestedDeadlinesEachCutTheirOwnScope) {
  auto body = []() -> Task<std::pair<std::string, std::string>> {
    auto inner = []() -> Task<Result<int>> {
      const Result<int> first = co_await weft::with_deadline(weft::now() + 1s, value_after(1h, 1));
      if (first) co_return weft::fail(std::errc::invalid_argument);  // must have timed out
      // The inner deadline passed; the outer one (10 s) still allows this 2 s wait.
      co_return co_await value_after(2s, 2);
    };
    const Result<int> outer = co_await weft::with_deadline(weft::now() + 10s, inner());
    const Result<int> cut = co_await weft::with_deadline(weft::now() + 2s, inner());
    std::string outer_text = outer ? std::to_string(*outer) : outer.error().message();
    std::string cut_text = cut ? std::to_string(*cut) : cut.error() == weft::errc::timed_out ? "timed out" : "?";
    co_return std::pair{outer_text, cut_text};
  };
  const auto [outer, cut] = run(body());
  EXPECT_EQ(outer, "2");
  EXPECT_EQ(cut, "timed out");
}

}  // namespace
