// Stream::try_read and Stream::try_write (IoHandle's): a read or write made now or not
// at all — what is there, or operation_would_block having consumed or sent nothing.
// Every case runs on both backends; io_uring's try_write always says would_block.
#include <weft/net/tcp_stream.hpp>

#include <weft/runtime/join.hpp>
#include <weft/runtime/sleep.hpp>
#include <weft/testing/backends.hpp>
#include <weft/testing/sockets.hpp>

#include "run_bounded.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <array>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace {

using namespace std::chrono_literals;
using weft::Result;
using weft::Task;
using weft::net::TcpStream;
using weft::testing::connected_pair;
using weft::testing::read_exactly;
using weft::testing::run_bounded;

class TryIoTest : public weft::testing::IoTest {};
WEFT_INSTANTIATE_BACKENDS(TryIoTest);

bool would_block(const Result<std::size_t>& done) {
  return !done && done.error() == std::errc::operation_would_block;
}

// What one try_read into `size` bytes gave: the bytes, "<would block>" or "<error>".
std::string try_read_text(TcpStream& stream, std::size_t size) {
  std::vector<char> buffer(size);
  const Result<std::size_t> read = stream.try_read(std::span(buffer));
  if (would_block(read)) return "<would block>";
  return read ? std::string(buffer.data(), *read) : std::string("<error>");
}

TEST_P(TryIoTest, TryReadSaysWouldBlockUntilBytesArriveAndThenTakesThemAll) {
  auto body = []() -> Task<std::vector<std::string>> {
    auto [server, client] = co_await connected_pair();
    std::vector<std::string> seen;
    seen.push_back(try_read_text(server, 64));
    {
      const auto done = co_await client.write_all(std::string_view("hello"));
      EXPECT_TRUE(done);
    }
    {
      const auto done = co_await server.wait_readable();
      EXPECT_TRUE(done);
    }
    seen.push_back(try_read_text(server, 64));
    seen.push_back(try_read_text(server, 64));
    co_return seen;
  };
  const std::vector<std::string> expected{"<would block>", "hello", "<would block>"};
  EXPECT_EQ(run_bounded(body(), options()), expected);
}

TEST_P(TryIoTest, TryReadTakesNoMoreThanItsBufferAndLeavesTheRestInOrder) {
  auto body = []() -> Task<std::vector<std::string>> {
    auto [server, client] = co_await connected_pair();
    {
      const auto done = co_await client.write_all(std::string_view("hello world"));
      EXPECT_TRUE(done);
    }
    {
      const auto done = co_await server.wait_readable();
      EXPECT_TRUE(done);
    }
    std::vector<std::string> seen;
    seen.push_back(try_read_text(server, 5));
    seen.push_back(try_read_text(server, 64));
    co_return seen;
  };
  const std::vector<std::string> expected{"hello", " world"};
  EXPECT_EQ(run_bounded(body(), options()), expected);
}

TEST_P(TryIoTest, TryReadSeesTheEndOfTheStream) {
  auto body = []() -> Task<std::vector<std::string>> {
    auto [server, client] = co_await connected_pair();
    {
      const auto done = co_await client.write_all(std::string_view("last"));
      EXPECT_TRUE(done);
    }
    client.close();
    {
      const auto done = co_await server.wait_readable();
      EXPECT_TRUE(done);
    }
    std::vector<std::string> seen;
    seen.push_back(try_read_text(server, 64));
    // The end may arrive a moment after the bytes: wait for it as a server would.
    if (seen.back() == "last") {
      {
      const auto done = co_await server.wait_readable();
      EXPECT_TRUE(done);
    }
      seen.push_back(try_read_text(server, 64));
    }
    co_return seen;
  };
  const std::vector<std::string> expected{"last", ""};
  EXPECT_EQ(run_bounded(body(), options()), expected);
}

TEST_P(TryIoTest, TryReadAfterTheHandleIsClosedSaysSo) {
  auto body = []() -> Task<bool> {
    auto [server, client] = co_await connected_pair();
    server.close();
    std::array<char, 8> buffer{};
    const Result<std::size_t> read = server.try_read(std::span(buffer));
    co_return !read && read.error() == std::errc::bad_file_descriptor;
  };
  EXPECT_TRUE(run_bounded(body(), options()));
}

// epoll sends at once; io_uring says would_block (its sends go through the ring).
// Either way the peer gets every byte, once, in order.
TEST_P(TryIoTest, TryWriteSendsNowOnEpollAndNeverOnIoUring) {
  auto body = []() -> Task<std::pair<std::string, std::string>> {
    auto [server, client] = co_await connected_pair();
    const std::string_view first = "first;";
    const weft::IoVec buffer{first.data(), first.size()};
    const Result<std::size_t> written = server.try_write(std::span(&buffer, 1));
    std::string outcome = would_block(written) ? "<would block>" : written ? std::to_string(*written) : "<error>";
    if (would_block(written)) {
      const auto done = co_await server.write_all(first);
      EXPECT_TRUE(done);
    }
    const auto second = co_await server.write_all(std::string_view("second"));
    EXPECT_TRUE(second);
    std::string received = co_await read_exactly(client, first.size() + 6);
    co_return std::pair{outcome, received};
  };
  const auto [outcome, received] = run_bounded(body(), options());
  EXPECT_EQ(outcome, backend() == weft::Backend::epoll ? "6" : "<would block>");
  EXPECT_EQ(received, "first;second");
}

// A full socket: try_write says would_block having sent nothing, so every byte a
// try_write claimed, and no other, reaches the peer (epoll; io_uring never sends).
TEST_P(TryIoTest, TryWriteOnAFullSocketSendsNothingAndLosesNothing) {
  auto body = []() -> Task<std::pair<std::size_t, bool>> {
    auto [server, client] = co_await connected_pair();
    const int small = 4096;  // the kernel rounds it up to its minimum
    EXPECT_EQ(::setsockopt(server.native_handle(), SOL_SOCKET, SO_SNDBUF, &small, sizeof small), 0);
    EXPECT_EQ(::setsockopt(client.native_handle(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small), 0);
    std::string sent;
    std::array<char, 1000> chunk{};
    bool blocked = false;
    for (int round = 0; round < 10'000 && !blocked; ++round) {
      for (std::size_t i = 0; i < chunk.size(); ++i) chunk[i] = static_cast<char>('a' + (sent.size() + i) % 26);
      const weft::IoVec buffer{chunk.data(), chunk.size()};
      const Result<std::size_t> written = server.try_write(std::span(&buffer, 1));
      if (would_block(written)) {
        blocked = true;
      } else if (!written) {
        ADD_FAILURE() << "try_write failed: " << written.error().message();
        co_return std::pair{std::size_t{0}, false};
      } else {
        sent.append(chunk.data(), *written);
      }
    }
    EXPECT_TRUE(blocked) << "the socket never filled";
    server.close();
    const std::string received = co_await read_exactly(client, sent.size() + 1);  // +1: no byte more
    co_return std::pair{sent.size(), received == sent};
  };
  const auto [sent, same] = run_bounded(body(), options());
  if (backend() == weft::Backend::epoll) {
    EXPECT_GT(sent, 0U);
  } else {
    EXPECT_EQ(sent, 0U);
  }
  EXPECT_TRUE(same) << "the peer did not get exactly the bytes try_write claimed";
}

// While a write waits for room, a try_write must not pass it: it says would_block even
// when there is room again, before the waiting write has been told so.
TEST_P(TryIoTest, TryWriteDoesNotOvertakeAWaitingWrite) {
  auto body = []() -> Task<std::pair<bool, bool>> {
    auto [server, client] = co_await connected_pair();
    // The client's receive buffer keeps its size: shrunk after the handshake, it makes
    // the transfer crawl on zero-window probes.
    const int small = 4096;
    EXPECT_EQ(::setsockopt(server.native_handle(), SOL_SOCKET, SO_SNDBUF, &small, sizeof small), 0);
    const std::string big(1 << 20, 'w');  // far more than both buffers hold while nobody reads
    bool overtook = false;
    auto writer = [&]() -> Task<bool> { co_return (co_await server.write_all(big)).has_value(); };
    auto intruder_then_reader = [&]() -> Task<std::string> {
      co_await weft::sleep(20ms);  // the writer is waiting for room by now
      // Make room behind the reactor's back (no yield until the try_write): the
      // waiting write cannot have been resumed yet.
      std::string received(big.size() + 1, '\0');
      const ssize_t drained = ::recv(client.native_handle(), received.data(), received.size(), MSG_DONTWAIT);
      EXPECT_GT(drained, 0);
      const std::string_view extra = "X";
      const weft::IoVec buffer{extra.data(), extra.size()};
      overtook = !would_block(server.try_write(std::span(&buffer, 1)));
      received.resize(drained > 0 ? static_cast<std::size_t>(drained) : 0);
      received += co_await read_exactly(client, big.size() - received.size());
      co_return received;
    };
    auto [wrote, received] = co_await weft::join(writer(), intruder_then_reader());
    co_return std::pair{wrote && !overtook, received == big};
  };
  const auto [wrote_alone, same] = run_bounded(body(), options());
  EXPECT_TRUE(wrote_alone) << "a try_write went out while a write was waiting";
  EXPECT_TRUE(same);
}

}  // namespace
