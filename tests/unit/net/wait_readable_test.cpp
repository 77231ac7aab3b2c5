// Stream::wait_readable (IoHandle::wait_readable): waits until a read would not block,
// consumes nothing, and holds no buffer while it waits; watch_readable, the same wait
// calling back instead of resuming a coroutine. Every case runs on both backends.
#include <weft/net/tcp_stream.hpp>

#include <weft/net/tcp_listener.hpp>
#include <weft/runtime/join.hpp>
#include <weft/runtime/select.hpp>
#include <weft/runtime/sleep.hpp>
#include <weft/testing/backends.hpp>
#include <weft/testing/run.hpp>
#include <weft/testing/sockets.hpp>

#include "run_bounded.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <array>
#include <chrono>
#include <string>
#include <utility>
#include <variant>

namespace {

using namespace std::chrono_literals;
using weft::Result;
using weft::Task;
using weft::net::Address;
using weft::net::TcpListener;
using weft::net::TcpStream;

class WaitReadableTest : public weft::testing::IoTest {};
WEFT_INSTANTIATE_BACKENDS(WaitReadableTest);

using weft::testing::connected_pair;
using weft::testing::read_exactly;
using weft::testing::run_bounded;

// One read into a generous buffer: what it returned, or "<error>".
Task<std::string> read_once(TcpStream& stream) {
  std::array<char, 256> buffer{};
  auto read = co_await stream.read(buffer);
  co_return read ? std::string(buffer.data(), *read) : std::string("<error>");
}

// Whether wait_readable completed inline: a branch that finishes while select starts
// it wins before yield_now even starts; one that had to wait loses to yield_now.
Task<bool> ready_inline(TcpStream& stream) {
  auto raced = co_await weft::select(stream.wait_readable(), weft::yield_now());
  co_return raced.index() == 0 && std::get<0>(raced).has_value();
}

Task<int> ready_now() { co_return 7; }

TEST_P(WaitReadableTest, WaitsUntilThePeerWritesThenTheReadGetsExactlyThoseBytes) {
  auto body = []() -> Task<std::pair<bool, std::string>> {
    auto [server, client] = co_await connected_pair();
    bool written = false;
    auto writer = [&]() -> Task<void> {
      co_await weft::sleep(5ms);
      written = true;
      EXPECT_TRUE(co_await client.write_all(std::string_view("hello")));
    };
    auto waiter = [&]() -> Task<bool> {
      auto ready = co_await server.wait_readable();
      co_return ready.has_value() && written;  // not before the bytes were sent
    };
    auto [ready_after_write, done] = co_await weft::join(waiter(), writer());
    std::string read = co_await read_once(server);
    co_return std::pair{ready_after_write, std::move(read)};
  };
  const auto [ready_after_write, read] = run_bounded(body(), options());
  EXPECT_TRUE(ready_after_write);
  EXPECT_EQ(read, "hello");  // the wait took nothing
}

// The keep-alive pattern: wait, read the request, answer, wait again. Each wait holds
// until the next request is sent (on epoll the short read has marked the socket
// drained; on io_uring the recv stays armed between requests).
TEST_P(WaitReadableTest, AKeepAliveLoopWaitsForEachRequestInTurn) {
  auto body = []() -> Task<std::string> {
    auto [server, client] = co_await connected_pair();
    int sent = 0;
    auto peer = [&]() -> Task<void> {
      for (int i = 0; i < 3; ++i) {
        co_await weft::sleep(2ms);
        ++sent;
        EXPECT_TRUE(co_await client.write_all("request " + std::to_string(i)));
        EXPECT_EQ(co_await read_exactly(client, 4), "done");
      }
    };
    auto serve = [&]() -> Task<std::string> {
      std::string log;
      for (int i = 0; i < 3; ++i) {
        if (!co_await server.wait_readable()) co_return "wait failed";
        const int sent_before_read = sent;
        const std::string request = co_await read_once(server);
        log += std::to_string(sent_before_read) + ":" + request + ";";
        EXPECT_TRUE(co_await server.write_all(std::string_view("done")));
      }
      co_return log;
    };
    auto [log, done] = co_await weft::join(serve(), peer());
    co_return log;
  };
  EXPECT_EQ(run_bounded(body(), options()), "1:request 0;2:request 1;3:request 2;");
}

TEST_P(WaitReadableTest, CompletesInlineWhenBytesAreAlreadyThere) {
  auto body = []() -> Task<std::pair<bool, std::string>> {
    auto [server, client] = co_await connected_pair();
    EXPECT_TRUE(co_await client.write_all(std::string_view("a")));
    // A short read: epoll marks the socket drained; io_uring arms its recv.
    EXPECT_EQ(co_await read_once(server), "a");
    EXPECT_TRUE(co_await client.write_all(std::string_view("hello")));
    co_await weft::sleep(10ms);  // the bytes are now queued at the server
    const bool inline_ready = co_await ready_inline(server);
    std::string read = co_await read_once(server);
    co_return std::pair{inline_ready, std::move(read)};
  };
  const auto [inline_ready, read] = run_bounded(body(), options());
  EXPECT_TRUE(inline_ready);
  EXPECT_EQ(read, "hello");
}

TEST_P(WaitReadableTest, ReportsReadinessAtEndOfStreamThenTheReadReturnsZero) {
  auto body = []() -> Task<std::string> {
    auto [server, client] = co_await connected_pair();
    bool shut = false;
    auto closer = [&]() -> Task<void> {
      co_await weft::sleep(5ms);
      shut = true;
      EXPECT_TRUE(client.shutdown());
    };
    auto waiter = [&]() -> Task<bool> {
      auto ready = co_await server.wait_readable();
      co_return ready.has_value() && shut;  // not before the peer shut down
    };
    auto [ready_after_shutdown, done] = co_await weft::join(waiter(), closer());
    std::string log = ready_after_shutdown ? "ready;" : "early or failed;";
    std::array<char, 16> buffer{};
    auto read = co_await server.read(buffer);
    log += read ? "read " + std::to_string(*read) + ";" : "read failed;";
    // The end of the stream stays: a second wait completes at once.
    const bool again_inline = co_await ready_inline(server);
    log += again_inline ? "again inline" : "again waited";
    co_return log;
  };
  EXPECT_EQ(run_bounded(body(), options()), "ready;read 0;again inline");
}

// A wait on a fresh connection with nothing sent must not report readiness (on epoll
// the socket starts out "maybe readable"); it loses to the timer, and bytes sent after
// the cancel all reach the reads that follow.
TEST_P(WaitReadableTest, ACancelledWaitLosesNoByteAndLeavesNothingBehind) {
  auto body = []() -> Task<std::string> {
    auto [server, client] = co_await connected_pair();
    auto raced = co_await weft::select(server.wait_readable(), weft::sleep(5s));
    EXPECT_EQ(raced.index(), 1u);
    EXPECT_TRUE(co_await client.write_all(std::string_view("after the cancel")));
    auto ready = co_await server.wait_readable();
    EXPECT_TRUE(ready.has_value());
    co_return co_await read_exactly(server, 16);
  };
  EXPECT_EQ(weft::testing::run(body(), paused_options()), "after the cancel");
}

// Bytes a cancelled read gave back are readable: the wait completes at once and the
// next read gets them. Staged as in TcpStreamTest's give-back case: after 63 inline
// reads the next inline read yields with its bytes in hand and loses the select; the
// 16 bytes it gives back are then all that is left to read.
TEST_P(WaitReadableTest, BytesGivenBackByAReadThatLostASelectMakeItCompleteInline) {
  auto body = []() -> Task<bool> {
    auto [server, client] = co_await connected_pair();
    std::string sent;
    for (int i = 0; i < weft::testing::kInlineBudget + 16; ++i) sent.push_back(static_cast<char>('a' + i % 26));
    EXPECT_TRUE(co_await client.write_all(sent));
    std::string got;
    std::array<char, 1> byte{};
    got.push_back((co_await server.read(byte)).value() == 1 ? byte[0] : '?');  // arms io_uring's recv
    co_await weft::sleep(10ms);  // all queued at the server; this resumption has a fresh budget
    for (int i = 0; i < weft::testing::kInlineBudget - 1; ++i) {
      got.push_back((co_await server.read(byte)).value() == 1 ? byte[0] : '?');
    }
    std::array<char, 16> chunk{};
    auto raced = co_await weft::select(server.read(chunk), ready_now());
    EXPECT_EQ(raced.index(), 1u);  // the read lost and gave its 16 bytes back
    const bool inline_ready = co_await ready_inline(server);
    EXPECT_TRUE(inline_ready);
    client.shutdown();  // a lost byte then shows as a short stream, not a hang
    got += co_await read_exactly(server, sent.size());
    EXPECT_EQ(got, sent);
    co_return inline_ready && got == sent;
  };
  EXPECT_TRUE(run_bounded(body(), options()));
}

TEST_P(WaitReadableTest, ClosingTheHandleEndsAPendingWaitWithOperationCanceled) {
  auto body = []() -> Task<std::error_code> {
    auto [server, client] = co_await connected_pair();
    auto closer = [&]() -> Task<void> {
      co_await weft::sleep(1ms);
      server.close();
    };
    auto [waited, closed] = co_await weft::join(server.wait_readable(), closer());
    co_return waited ? std::error_code{} : waited.error();
  };
  EXPECT_EQ(run_bounded(body(), options()), std::errc::operation_canceled);
}

// A reset with no data ahead of it: the wait reports readiness and the read that
// follows reports the error (the wait did not swallow it).
TEST_P(WaitReadableTest, APeerResetMakesItReadyAndTheNextReadReportsIt) {
  auto body = []() -> Task<std::error_code> {
    auto [server, client] = co_await connected_pair();
    bool reset = false;
    auto resetter = [&]() -> Task<void> {
      co_await weft::sleep(5ms);
      reset = true;
      const linger hard{1, 0};  // close sends RST instead of FIN
      ::setsockopt(client.native_handle(), SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
      client.close();
    };
    auto waiter = [&]() -> Task<bool> {
      auto ready = co_await server.wait_readable();
      co_return ready.has_value() && reset;  // not before the reset
    };
    auto [ready_after_reset, done] = co_await weft::join(waiter(), resetter());
    EXPECT_TRUE(ready_after_reset);
    std::array<char, 8> buffer{};
    auto read = co_await server.read(buffer);
    co_return read ? std::error_code{} : read.error();
  };
  EXPECT_EQ(run_bounded(body(), options()), std::errc::connection_reset);
}

TEST_P(WaitReadableTest, OnAClosedStreamFailsWithBadFileDescriptor) {
  auto body = []() -> Task<std::error_code> {
    TcpStream stream;
    auto ready = co_await stream.wait_readable();
    co_return ready ? std::error_code{} : ready.error();
  };
  EXPECT_EQ(run_bounded(body(), options()), std::errc::bad_file_descriptor);
}

// input_pending: the same question as wait_readable, asked without waiting.
TEST_P(WaitReadableTest, InputPendingSaysWhetherAReadWouldCompleteAtOnce) {
  auto body = []() -> Task<int> {
    auto [server, client] = co_await connected_pair();
    EXPECT_FALSE(server.input_pending());  // nothing sent yet
    EXPECT_TRUE(co_await client.write_all(std::string_view("one")));
    co_await weft::sleep(20ms);  // the bytes arrive (and, on io_uring, nothing reads them yet)
    EXPECT_TRUE(server.input_pending());
    EXPECT_EQ(co_await read_once(server), "one");
    EXPECT_FALSE(server.input_pending());  // taken; on io_uring a recv now stays armed
    EXPECT_TRUE(co_await client.write_all(std::string_view("two")));
    co_await weft::sleep(20ms);  // on io_uring the armed recv takes them into its buffers
    EXPECT_TRUE(server.input_pending());
    EXPECT_TRUE(server.input_pending());  // asking consumed nothing
    EXPECT_EQ(co_await read_once(server), "two");
    EXPECT_FALSE(server.input_pending());
    client.close();  // the end of the stream is input too
    co_await weft::sleep(20ms);
    EXPECT_TRUE(server.input_pending());
    EXPECT_EQ(co_await read_once(server), "");
    co_return 0;
  };
  run_bounded(body(), options());
}

// --- watch_readable: the same wait, calling back instead of resuming a coroutine ----------

// Records the one call a watch makes, and how many there were.
struct WatchLog {
  int calls = 0;
  std::error_code error;
  static void ready(void* arg, std::error_code error) noexcept {
    auto* log = static_cast<WatchLog*>(arg);
    ++log->calls;
    log->error = error;
  }
};

// Waits until `log` has its call (run_bounded stops a wait that never ends).
Task<void> until_called(const WatchLog& log) {
  while (log.calls == 0) co_await weft::sleep(1ms);
}

TEST_P(WaitReadableTest, AWatchCallsBackOnceWhenThePeerWritesAndConsumesNothing) {
  auto body = []() -> Task<std::string> {
    auto [server, client] = co_await connected_pair();
    WatchLog log;
    server.watch_readable(&WatchLog::ready, &log);
    co_await weft::sleep(5ms);
    EXPECT_EQ(log.calls, 0) << "called back before any byte came";
    auto sent = co_await client.write_all(std::string_view("ping"));
    EXPECT_TRUE(sent);
    co_await until_called(log);
    co_await weft::sleep(5ms);
    EXPECT_EQ(log.calls, 1);
    EXPECT_FALSE(log.error) << log.error.message();
    co_return co_await read_exactly(server, 4);  // the bytes are all still there
  };
  EXPECT_EQ(run_bounded(body(), options()), "ping");
}

TEST_P(WaitReadableTest, AWatchOnBytesAlreadyThereCallsBackFromTheRunQueueNotInline) {
  auto body = []() -> Task<std::pair<int, int>> {
    auto [server, client] = co_await connected_pair();
    auto sent = co_await client.write_all(std::string_view("x"));
    EXPECT_TRUE(sent);
    co_await weft::sleep(5ms);
    WatchLog log;
    server.watch_readable(&WatchLog::ready, &log);
    const int inline_calls = log.calls;
    co_await until_called(log);
    co_return std::pair{inline_calls, log.calls};
  };
  EXPECT_EQ(run_bounded(body(), options()), std::pair(0, 1));
}

TEST_P(WaitReadableTest, CancelWatchCallsBackWithOperationCanceledAndLosesNoByte) {
  auto body = []() -> Task<std::string> {
    auto [server, client] = co_await connected_pair();
    WatchLog log;
    server.watch_readable(&WatchLog::ready, &log);
    co_await weft::sleep(1ms);
    server.cancel_watch();
    co_await until_called(log);
    EXPECT_EQ(log.error, std::errc::operation_canceled);
    server.cancel_watch();  // none pending: no effect
    auto sent = co_await client.write_all(std::string_view("later"));
    EXPECT_TRUE(sent);
    co_await weft::sleep(5ms);
    EXPECT_EQ(log.calls, 1);
    co_return co_await read_exactly(server, 5);
  };
  EXPECT_EQ(run_bounded(body(), options()), "later");
}

TEST_P(WaitReadableTest, ClosingTheHandleEndsAWatchWithOperationCanceled) {
  auto body = []() -> Task<std::error_code> {
    auto [server, client] = co_await connected_pair();
    WatchLog log;
    server.watch_readable(&WatchLog::ready, &log);
    co_await weft::sleep(1ms);
    server.close();
    co_await until_called(log);
    co_return log.error;
  };
  EXPECT_EQ(run_bounded(body(), options()), std::errc::operation_canceled);
}

TEST_P(WaitReadableTest, AWatchSeesThePeerClosing) {
  auto body = []() -> Task<std::string> {
    auto [server, client] = co_await connected_pair();
    WatchLog log;
    server.watch_readable(&WatchLog::ready, &log);
    co_await weft::sleep(1ms);
    client.close();
    co_await until_called(log);
    EXPECT_FALSE(log.error) << log.error.message();
    co_return co_await read_once(server);  // end of stream
  };
  EXPECT_EQ(run_bounded(body(), options()), "");
}

}  // namespace
