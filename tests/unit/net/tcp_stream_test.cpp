#include <weft/net/tcp_stream.hpp>

#include <weft/net/tcp_listener.hpp>
#include <weft/runtime/join.hpp>
#include <weft/runtime/select.hpp>
#include <weft/runtime/sleep.hpp>
#include <weft/runtime/spawn.hpp>
#include <weft/runtime/with_timeout.hpp>
#include <weft/testing/backends.hpp>
#include <weft/testing/run.hpp>
#include <weft/testing/sockets.hpp>

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <array>
#include <chrono>
#include <numeric>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using weft::Result;
using weft::Task;
using weft::net::Address;
using weft::net::TcpListener;
using weft::net::TcpStream;

class TcpStreamTest : public weft::testing::IoTest {};
WEFT_INSTANTIATE_BACKENDS(TcpStreamTest);

using weft::testing::connected_pair;
using weft::testing::read_exactly;

TEST_P(TcpStreamTest, ConnectAcceptAndExchangeBytesBothWays) {
  auto body = []() -> Task<std::pair<std::string, std::string>> {
    auto [server, client] = co_await connected_pair();
    EXPECT_TRUE(co_await client.write_all(std::string_view("ping")));
    const std::string at_server = co_await read_exactly(server, 4);
    EXPECT_TRUE(co_await server.write_all(std::string_view("pong!")));
    const std::string at_client = co_await read_exactly(client, 5);
    co_return std::pair{at_server, at_client};
  };
  const auto [at_server, at_client] = weft::testing::run(body(), options());
  EXPECT_EQ(at_server, "ping");
  EXPECT_EQ(at_client, "pong!");
}

TEST_P(TcpStreamTest, ReadReturnsZeroOnceThePeerShutsDownItsSide) {
  auto body = []() -> Task<std::size_t> {
    auto [server, client] = co_await connected_pair();
    EXPECT_TRUE(client.shutdown());
    std::array<char, 16> buffer{};
    co_return (co_await server.read(buffer)).value();
  };
  EXPECT_EQ(weft::testing::run(body(), options()), 0u);
}

// Bytes and the FIN arrive together, before the first read: one input edge for both.
// The short read that takes the bytes must not make the next read wait for an edge
// that never comes (epoll); the end of stream is still to be read.
TEST_P(TcpStreamTest, BytesFollowedByTheFinAreReadThenTheEndOfStream) {
  auto body = []() -> Task<std::vector<long>> {
    auto [server, client] = co_await connected_pair();
    EXPECT_TRUE(co_await client.write_all(std::string_view("last words")));
    EXPECT_TRUE(client.shutdown());
    for (int i = 0; i < 3; ++i) co_await weft::sleep(1ms);  // both have arrived
    std::vector<long> reads;
    std::array<char, 64> buffer;
    for (int i = 0; i < 2; ++i) {
      auto got = co_await weft::select(server.read(buffer), weft::sleep(1h));
      if (got.index() == 1) {
        reads.push_back(-1);  // waited an hour: the end of stream was never reported
        break;
      }
      reads.push_back(static_cast<long>(std::get<0>(got).value_or(999)));
    }
    co_return reads;
  };
  EXPECT_EQ(weft::testing::run(body(), paused_options()), (std::vector<long>{10, 0}));
}

TEST_P(TcpStreamTest, SixteenMebibytesArriveIntactWhileBothSidesRunConcurrently) {
  auto body = []() -> Task<bool> {
    auto [server, client] = co_await connected_pair();
    std::vector<std::byte> sent(16u << 20);
    for (std::size_t i = 0; i < sent.size(); ++i) sent[i] = static_cast<std::byte>((i * 7919) >> 3);
    auto writer = [&]() -> Task<bool> { co_return static_cast<bool>(co_await client.write_all(sent)); };
    auto reader = [&]() -> Task<std::vector<std::byte>> {
      std::vector<std::byte> got(sent.size());
      std::size_t have = 0;
      while (have < got.size()) {
        auto read = co_await server.read(std::span(got).subspan(have));
        if (!read || *read == 0) break;
        have += *read;
      }
      got.resize(have);
      co_return got;
    };
    auto [wrote, received] = co_await weft::join(writer(), reader());
    co_return wrote && received == sent;
  };
  EXPECT_TRUE(weft::testing::run(body(), options()));
}

TEST_P(TcpStreamTest, ConnectingToAPortNobodyListensOnFailsWithConnectionRefused) {
  auto body = []() -> Task<std::error_code> {
    // Bind then close a listener to find a port that is (for now) closed.
    Address address = Address::ipv4_loopback(0);
    {
      auto listener = TcpListener::bind(address).value();
      address = listener.local_address().value();
    }
    auto stream = co_await TcpStream::connect(address);
    co_return stream ? std::error_code{} : stream.error();
  };
  EXPECT_EQ(weft::testing::run(body(), options()), std::errc::connection_refused);
}

TEST_P(TcpStreamTest, APeerResetSurfacesAsConnectionResetOnEitherBackend) {
  auto body = []() -> Task<std::error_code> {
    auto [server, client] = co_await connected_pair();
    // SO_LINGER 0 makes close send RST instead of FIN.
    const linger hard{1, 0};
    ::setsockopt(client.native_handle(), SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    EXPECT_TRUE(co_await client.write_all(std::string_view("x")));
    co_await weft::sleep(10ms);  // let the byte land before the reset
    client.close();
    std::array<char, 8> buffer{};
    Result<std::size_t> read = co_await server.read(buffer);
    while (read && *read > 0) read = co_await server.read(buffer);
    co_return read ? std::error_code{} : read.error();
  };
  EXPECT_EQ(weft::testing::run(body(), options()), std::errc::connection_reset);
}

TEST_P(TcpStreamTest, WritingAfterThePeerResetFailsWithResetOrBrokenPipe) {
  auto body = []() -> Task<std::error_code> {
    auto [server, client] = co_await connected_pair();
    const linger hard{1, 0};
    ::setsockopt(client.native_handle(), SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    client.close();
    co_await weft::sleep(10ms);
    const std::string chunk(64 * 1024, 'x');
    for (int i = 0; i < 100; ++i) {
      auto wrote = co_await server.write_all(chunk);
      if (!wrote) co_return wrote.error();
    }
    co_return std::error_code{};
  };
  const std::error_code error = weft::testing::run(body(), options());
  EXPECT_TRUE(error == std::errc::broken_pipe || error == std::errc::connection_reset) << error.message();
}

// The read loses the race against the timer; bytes sent afterwards all reach the
// next read: a cancelled read never eats data.
TEST_P(TcpStreamTest, ACancelledReadLosesNoByte) {
  auto body = []() -> Task<std::string> {
    auto [server, client] = co_await connected_pair();
    std::array<char, 64> buffer{};
    auto raced = co_await weft::select(server.read(buffer), weft::sleep(5s));
    EXPECT_EQ(raced.index(), 1u);
    EXPECT_TRUE(co_await client.write_all(std::string_view("after the cancel")));
    co_return co_await read_exactly(server, 16);
  };
  EXPECT_EQ(weft::testing::run(body(), paused_options()), "after the cancel");
}

TEST_P(TcpStreamTest, ClosingTheListenerEndsAPendingAcceptWithOperationCanceled) {
  auto body = []() -> Task<std::error_code> {
    auto listener = TcpListener::bind(Address::ipv4_loopback(0)).value();
    auto closer = [&]() -> Task<void> {
      co_await weft::sleep(1ms);
      listener.close();
    };
    auto [accepted, closed] = co_await weft::join(listener.accept(), closer());
    co_return accepted ? std::error_code{} : accepted.error();
  };
  EXPECT_EQ(weft::testing::run(body(), options()), std::errc::operation_canceled);
}

TEST_P(TcpStreamTest, LocalAddressReportsTheKernelChosenPort) {
  auto body = []() -> Task<std::uint16_t> {
    auto listener = TcpListener::bind(Address::ipv4_loopback(0)).value();
    co_return listener.local_address().value().port();
  };
  EXPECT_NE(weft::testing::run(body(), options()), 0);
}

// A reader whose data is always there completes every read inline; its budget still
// makes it yield, so another task on the core runs before it has read everything.
TEST_P(TcpStreamTest, AReaderThatNeverWaitsStillLetsOtherTasksRun) {
  auto body = []() -> Task<std::size_t> {
    auto [server, client] = co_await connected_pair();
    EXPECT_TRUE(co_await client.write_all(std::string(4096, 'z')));
    co_await weft::sleep(10ms);  // all 4096 bytes are now queued at the server
    bool other_ran = false;
    auto other = weft::spawn([](bool& ran) -> Task<void> {
      ran = true;
      co_return;
    }(other_ran));
    std::size_t reads_before_other_ran = 0;
    std::array<char, 1> byte{};
    for (int i = 0; i < 4096 && !other_ran; ++i) {
      EXPECT_EQ((co_await server.read(byte)).value(), 1u);
      ++reads_before_other_ran;
    }
    co_await other;
    co_return reads_before_other_ran;
  };
  EXPECT_LT(weft::testing::run(body(), options()), 4096u);
}

TEST_P(TcpStreamTest, PeerAndLocalAddressesMirrorEachOther) {
  auto body = []() -> Task<bool> {
    auto [server, client] = co_await connected_pair();
    co_return server.peer_address().value() == client.local_address().value() &&
        client.peer_address().value() == server.local_address().value();
  };
  EXPECT_TRUE(weft::testing::run(body(), options()));
}

TEST_P(TcpStreamTest, WritevAllGathersEveryBufferInOrder) {
  auto body = []() -> Task<std::string> {
    auto [server, client] = co_await connected_pair();
    std::vector<std::string> parts;
    std::vector<weft::IoVec> buffers;
    for (int i = 0; i < 200; ++i) parts.push_back(std::to_string(i) + ",");
    for (const auto& part : parts) buffers.push_back({part.data(), part.size()});
    EXPECT_TRUE(co_await client.writev_all(buffers));
    client.shutdown();
    co_return co_await read_exactly(server, 1 << 20);
  };
  std::string expected;
  for (int i = 0; i < 200; ++i) expected += std::to_string(i) + ",";
  EXPECT_EQ(weft::testing::run(body(), options()), expected);
}

TEST_P(TcpStreamTest, ConnectWithTimeoutSucceedsWellWithinIt) {
  auto body = []() -> Task<bool> {
    auto listener = TcpListener::bind(Address::ipv4_loopback(0)).value();
    auto stream = co_await TcpStream::connect(listener.local_address().value(), 5s);
    co_return stream.has_value() && stream->set_nodelay(true).has_value();
  };
  EXPECT_TRUE(weft::testing::run(body(), options()));
}

Task<int> ready_now() { co_return 7; }

// A read that has completed but whose task is cancelled before it resumes gives its
// bytes back, so select never swallows them. Made deterministic with the budget: after
// 63 inline reads the next inline read yields with its bytes in hand, then the other
// branch finishes at once and wins, and the read is cancelled in that gap.
TEST_P(TcpStreamTest, AReadThatLosesASelectAfterCompletingGivesItsBytesBack) {
  auto body = []() -> Task<bool> {
    auto [server, client] = co_await connected_pair();
    std::string sent;
    for (int i = 0; i < 4096; ++i) sent.push_back(static_cast<char>('a' + i % 26));
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
    EXPECT_EQ(raced.index(), 1u);  // the read lost; its 16 bytes must not be lost with it
    client.shutdown();  // a lost chunk then shows as a short stream, not a hang
    got += co_await read_exactly(server, sent.size());
    co_return got == sent;
  };
  EXPECT_TRUE(weft::testing::run(body(), options()));
}

// One connection that is sent many tiny segments and never read must not take every
// receive buffer of its core: another connection on the core is still served.
TEST_P(TcpStreamTest, ATrickleOfTinySegmentsToAnUnreadConnectionStarvesNoOtherConnection) {
  auto body = []() -> Task<bool> {
    auto [idle_server, trickler] = co_await connected_pair();
    EXPECT_TRUE(trickler.set_nodelay(true));
    std::array<char, 1> byte{};
    for (int i = 0; i < 1500; ++i) {
      byte[0] = 'x';
      EXPECT_TRUE(co_await trickler.write_all(std::string_view(byte.data(), 1)));
      if (i % 8 == 0) co_await weft::sleep(1ms);  // let segments arrive one by one
    }
    auto [server, client] = co_await connected_pair();
    EXPECT_TRUE(co_await client.write_all(std::string_view("still served")));
    auto echoed = co_await weft::with_timeout(10s, read_exactly(server, 12));
    co_return echoed.has_value() && *echoed == "still served";
  };
  EXPECT_TRUE(weft::testing::run(body(), options()));
}

// Closing a listener and then cancelling the task that was waiting in accept on it:
// the accept ends once, with operation_canceled, and nothing touches the freed socket.
TEST_P(TcpStreamTest, CloseThenCancelOfAPendingAcceptEndsItOnce) {
  auto body = []() -> Task<std::error_code> {
    auto listener = TcpListener::bind(Address::ipv4_loopback(0)).value();
    auto waiting = weft::spawn([](TcpListener& l) -> Task<std::error_code> {
      auto accepted = co_await l.accept();
      co_return accepted ? std::error_code{} : accepted.error();
    }(listener));
    co_await weft::yield_now();
    listener.close();
    waiting.cancel();
    co_return co_await waiting;
  };
  EXPECT_EQ(weft::testing::run(body(), options()), std::errc::operation_canceled);
}

}  // namespace
