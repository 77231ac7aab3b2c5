// Stream::wait_readable(deadline, WaitTimer&) and write_some(buffers, deadline,
// WaitTimer&) on a paused clock over real loopback sockets, both backends: a wait ends
// when input comes (or the write is done) or at its deadline (timed_out), never early,
// never late, whatever deadlines the same timer kept before; a readable wait consumes
// nothing; cancelling the task ends it with operation_canceled. Assertions are on
// outcomes and on the reactor clock, which is deterministic here.
#include <weft/runtime/wait_timer.hpp>

#include <weft/core/frame_allocator.hpp>
#include <weft/core/result.hpp>
#include <weft/net/tcp_stream.hpp>
#include <weft/runtime/clock.hpp>
#include <weft/runtime/join.hpp>
#include <weft/runtime/select.hpp>
#include <weft/runtime/sleep.hpp>
#include <weft/runtime/with_timeout.hpp>
#include <weft/testing/backends.hpp>
#include <weft/testing/run.hpp>
#include <weft/testing/sockets.hpp>

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using weft::IoVec;
using weft::WaitTimer;
using weft::Result;
using weft::Task;
using weft::net::TcpStream;

class WaitTimerTest : public weft::testing::IoTest {
 protected:
  // A wait that never ends fails the test when the clock reaches an hour (it jumps
  // there at once: the clock is paused) instead of hanging it.
  template <class T>
  T run(Task<T> task) {
    auto outcome = weft::testing::run(weft::with_timeout(1h, std::move(task)), paused_options());
    if (!outcome) {
      ADD_FAILURE() << "timed out: a wait never ended";
      return T{};
    }
    return std::move(*outcome);
  }
};
WEFT_INSTANTIATE_BACKENDS(WaitTimerTest);

// One wait's outcome: "ready", "timed out", or another error's message; and when.
struct Waited {
  std::string outcome;
  milliseconds at;  // since the test's start
};

std::string describe(const Result<void>& ready) {
  if (ready) return "ready";
  if (ready.error() == weft::errc::timed_out) return "timed out";
  return ready.error().message();
}

// Waits with `timer` until `start + deadline`, with `input` sent by the client after
// `send_after` (if given) from a concurrent task.
Task<Waited> wait_once(TcpStream& server, TcpStream& client, WaitTimer& timer, weft::Instant start,
                       milliseconds deadline, std::optional<milliseconds> send_after = std::nullopt) {
  auto writer = [](TcpStream& to, std::optional<milliseconds> after) -> Task<void> {
    if (!after) co_return;
    co_await weft::sleep(*after);
    const auto sent = co_await to.write_all(std::string_view("x"));
    EXPECT_TRUE(sent);
  };
  auto waiter = [](TcpStream& on, WaitTimer& idle, weft::Instant until) -> Task<Result<void>> {
    co_return co_await on.wait_readable(until, idle);
  };
  auto both = co_await weft::join(waiter(server, timer, start + deadline), writer(client, send_after));
  const Result<void> ready = std::get<0>(both);
  const auto at = std::chrono::duration_cast<milliseconds>(weft::now() - start);
  if (ready) {
    const std::string taken = co_await weft::testing::read_exactly(server, 1);  // consumed nothing
    EXPECT_EQ(taken, "x");
  }
  co_return Waited{describe(ready), at};
}

TEST_P(WaitTimerTest, InputBeforeTheDeadlineEndsTheWaitThenAndConsumesNothing) {
  auto body = []() -> Task<Waited> {
    auto [server, client] = co_await weft::testing::connected_pair();
    WaitTimer timer;
    co_return co_await wait_once(server, client, timer, weft::now(), 10s, 2s);
  };
  const Waited waited = run(body());
  EXPECT_EQ(waited.outcome, "ready");
  EXPECT_EQ(waited.at, 2s);
}

TEST_P(WaitTimerTest, NoInputTimesOutAtTheDeadlineAndTheStreamStillWorks) {
  auto body = []() -> Task<std::pair<Waited, std::string>> {
    auto [server, client] = co_await weft::testing::connected_pair();
    WaitTimer timer;
    const Waited waited = co_await wait_once(server, client, timer, weft::now(), 30s);
    const auto sent = co_await client.write_all(std::string_view("later"));
    EXPECT_TRUE(sent);
    std::string later = co_await weft::testing::read_exactly(server, 5);
    co_return std::pair{waited, later};
  };
  const auto [waited, later] = run(body());
  EXPECT_EQ(waited.outcome, "timed out");
  EXPECT_EQ(waited.at, 30s);
  EXPECT_EQ(later, "later");
}

TEST_P(WaitTimerTest, InputAlreadyThereCompletesAtOnceEvenPastTheDeadline) {
  auto body = []() -> Task<Waited> {
    auto [server, client] = co_await weft::testing::connected_pair();
    const auto sent = co_await client.write_all(std::string_view("x"));
    EXPECT_TRUE(sent);
    co_await weft::sleep(1ms);  // let it arrive (io_uring: let the recv deliver it)
    WaitTimer timer;
    const weft::Instant start = weft::now();
    co_return co_await wait_once(server, client, timer, start, -1s);
  };
  const Waited waited = run(body());
  EXPECT_EQ(waited.outcome, "ready");
  EXPECT_EQ(waited.at, 0s);
}

// Two waits on one timer, deadlines counted from the same start: the first ended by
// input at 1 s, the second left to time out.
Task<std::vector<Waited>> input_then_timeout(milliseconds first_deadline, milliseconds second_deadline) {
  auto [server, client] = co_await weft::testing::connected_pair();
  WaitTimer timer;
  const weft::Instant start = weft::now();
  std::vector<Waited> waits;
  waits.push_back(co_await wait_once(server, client, timer, start, first_deadline, 1s));
  waits.push_back(co_await wait_once(server, client, timer, start, second_deadline));
  co_return waits;
}

// The timer stays armed for the first wait's deadline (10 s) after input ended it at
// 1 s; the second wait's deadline (31 s) is later: the timer must not cut it at 10 s.
TEST_P(WaitTimerTest, ALaterDeadlineIsKeptWhenTheTimerFiresForAnEarlierOne) {
  const std::vector<Waited> waits = run(input_then_timeout(10s, 31s));
  ASSERT_EQ(waits.size(), 2u);
  EXPECT_EQ(waits[0].outcome, "ready");
  EXPECT_EQ(waits[0].at, 1s);
  EXPECT_EQ(waits[1].outcome, "timed out");
  EXPECT_EQ(waits[1].at, 31s);
}

// The other way round: armed for 60 s by the first wait, the timer must be brought
// forward for a second wait that ends at 3 s.
TEST_P(WaitTimerTest, AnEarlierDeadlineIsKeptWhenTheTimerIsArmedForALaterOne) {
  const std::vector<Waited> waits = run(input_then_timeout(60s, 3s));
  ASSERT_EQ(waits.size(), 2u);
  EXPECT_EQ(waits[0].outcome, "ready");
  EXPECT_EQ(waits[1].outcome, "timed out");
  EXPECT_EQ(waits[1].at, 3s);
}

// Many short waits in a row, each ended by input, then one that times out: every
// deadline is met exactly, whichever the timer was armed for when it began; and
// after a timeout the same timer serves the next wait.
TEST_P(WaitTimerTest, EveryWaitOfALongRunEndsAtItsOwnDeadline) {
  auto body = []() -> Task<std::vector<Waited>> {
    auto [server, client] = co_await weft::testing::connected_pair();
    WaitTimer timer;
    std::vector<Waited> waits;
    for (int round = 0; round < 3; ++round) {
      for (int i = 0; i < 20; ++i) {
        const weft::Instant start = weft::now();
        waits.push_back(co_await wait_once(server, client, timer, start, 10ms, 3ms));
      }
      const weft::Instant start = weft::now();
      waits.push_back(co_await wait_once(server, client, timer, start, 10ms));
    }
    co_return waits;
  };
  const std::vector<Waited> waits = run(body());
  ASSERT_EQ(waits.size(), 63u);
  for (std::size_t i = 0; i < waits.size(); ++i) {
    const bool times_out = i % 21 == 20;
    EXPECT_EQ(waits[i].outcome, times_out ? "timed out" : "ready") << "wait " << i;
    EXPECT_EQ(waits[i].at, times_out ? 10ms : 3ms) << "wait " << i;
  }
}

TEST_P(WaitTimerTest, CancellingTheTaskEndsTheWaitWithOperationCanceled) {
  auto body = []() -> Task<std::pair<std::string, milliseconds>> {
    auto [server, client] = co_await weft::testing::connected_pair();
    WaitTimer timer;
    const weft::Instant start = weft::now();
    std::string outcome = "not ended";
    auto waiter = [](TcpStream& on, WaitTimer& idle, weft::Instant until, std::string& seen) -> Task<void> {
      const Result<void> ready = co_await on.wait_readable(until, idle);
      seen = describe(ready);
    };
    auto winner = co_await weft::select(waiter(server, timer, start + 30s, outcome), weft::sleep(2s));
    EXPECT_EQ(winner.index(), 1u);
    co_return std::pair{outcome, std::chrono::duration_cast<milliseconds>(weft::now() - start)};
  };
  const auto [outcome, at] = run(body());
  EXPECT_EQ(outcome, std::make_error_code(std::errc::operation_canceled).message());
  EXPECT_EQ(at, 2s);
}

// A timer destroyed while armed (its wait ended by input) leaves the wheel: time
// passing its old deadline must not touch it (the ASan build reports a use after free
// if it did).
TEST_P(WaitTimerTest, ATimerDestroyedWhileArmedIsNotFiredLater) {
  auto body = []() -> Task<Waited> {
    auto [server, client] = co_await weft::testing::connected_pair();
    auto timer = std::make_unique<WaitTimer>();  // on the heap, for ASan to watch
    const Waited first = co_await wait_once(server, client, *timer, weft::now(), 5s, 1s);
    timer.reset();
    co_await weft::sleep(10s);
    co_return first;
  };
  const Waited waited = run(body());
  EXPECT_EQ(waited.outcome, "ready");
}

TEST_P(WaitTimerTest, AClosedStreamSaysBadFileDescriptor) {
  auto body = []() -> Task<std::string> {
    auto [server, client] = co_await weft::testing::connected_pair();
    server.close();
    WaitTimer timer;
    const Result<void> ready = co_await server.wait_readable(weft::now() + 1s, timer);
    co_return describe(ready);
  };
  EXPECT_EQ(run(body()), std::make_error_code(std::errc::bad_file_descriptor).message());
}

TEST_P(WaitTimerTest, WaitsWithoutAFrameOfItsOwn) {
  auto body = []() -> Task<std::uint64_t> {
    auto [server, client] = co_await weft::testing::connected_pair();
    const auto sent = co_await client.write_all(std::string_view("x"));
    EXPECT_TRUE(sent);
    co_await weft::sleep(1ms);
    WaitTimer timer;
    const weft::FrameStats before = weft::frame_stats();
    const Result<void> ready = co_await server.wait_readable(weft::now() + 1s, timer);
    const weft::FrameStats after = weft::frame_stats();
    EXPECT_TRUE(ready);
    co_return (after.from_pool + after.from_heap) - (before.from_pool + before.from_heap);
  };
  EXPECT_EQ(run(body()), 0u);
}

// --- write_some with a deadline ------------------------------------------------------------

TEST_P(WaitTimerTest, WriteSomeWithADeadlineWritesAtOnceWhenThereIsRoom) {
  auto body = []() -> Task<std::pair<Result<std::size_t>, std::string>> {
    auto [server, client] = co_await weft::testing::connected_pair();
    WaitTimer timer;
    const std::string_view text = "hello";
    const IoVec part{text.data(), text.size()};
    const Result<std::size_t> written = co_await server.write_some(std::span(&part, 1), weft::now() + 1s, timer);
    std::string got = co_await weft::testing::read_exactly(client, 5);
    co_return std::pair{written, got};
  };
  const auto [written, got] = run(body());
  ASSERT_TRUE(written) << written.error().message();
  EXPECT_EQ(*written, 5u);
  EXPECT_EQ(got, "hello");
}

// Writes 64 KiB at a time to a peer that never reads, each under `deadline` from its
// start, until one fails; returns that failure's outcome and when (since the start
// of that write), and whether any write succeeded before.
struct Blocked {
  std::string outcome = "never blocked";
  milliseconds after{};
  bool wrote = false;
};

Task<Blocked> write_until_blocked(TcpStream& stream, WaitTimer& timer, milliseconds deadline) {
  const int small = 4096;  // the sender's buffer only: the peer's window is left alone
  EXPECT_EQ(::setsockopt(stream.native_handle(), SOL_SOCKET, SO_SNDBUF, &small, sizeof small), 0);
  const std::string chunk(64 * 1024, 'x');
  const IoVec part{chunk.data(), chunk.size()};
  Blocked blocked;
  for (int i = 0; i < 1000; ++i) {
    const weft::Instant start = weft::now();
    const Result<std::size_t> written = co_await stream.write_some(std::span(&part, 1), start + deadline, timer);
    if (!written) {
      blocked.outcome = describe(Result<void>(weft::fail(written.error())));
      blocked.after = std::chrono::duration_cast<milliseconds>(weft::now() - start);
      break;
    }
    blocked.wrote = true;
  }
  co_return blocked;
}

TEST_P(WaitTimerTest, AWriteToAPeerThatDoesNotReadTimesOutAtItsDeadline) {
  auto body = []() -> Task<Blocked> {
    auto [server, client] = co_await weft::testing::connected_pair();
    WaitTimer timer;
    co_return co_await write_until_blocked(server, timer, 5s);
  };
  const Blocked blocked = run(body());
  EXPECT_TRUE(blocked.wrote);
  EXPECT_EQ(blocked.outcome, "timed out");
  EXPECT_EQ(blocked.after, 5s);
}

// One timer for a connection's readable waits and writes: armed for 60 s by a wait
// that input ended at 1 s, it must be brought forward for a write bounded to 2 s.
TEST_P(WaitTimerTest, AReadableWaitAndAWriteShareOneTimer) {
  auto body = []() -> Task<std::pair<Waited, Blocked>> {
    auto [server, client] = co_await weft::testing::connected_pair();
    WaitTimer timer;
    const Waited waited = co_await wait_once(server, client, timer, weft::now(), 60s, 1s);
    const Blocked blocked = co_await write_until_blocked(server, timer, 2s);
    co_return std::pair{waited, blocked};
  };
  const auto [waited, blocked] = run(body());
  EXPECT_EQ(waited.outcome, "ready");
  EXPECT_EQ(blocked.outcome, "timed out");
  EXPECT_EQ(blocked.after, 2s);
}

}  // namespace
