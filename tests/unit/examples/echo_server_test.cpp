// weft-echo's connection handling on a paused clock: the idle timeout fires without
// any real waiting, and activity keeps a connection open.
#include "echo_server.hpp"

#include <weft/testing/backends.hpp>
#include <weft/testing/run.hpp>

#include <gtest/gtest.h>

#include <array>
#include <chrono>

namespace {

using namespace std::chrono_literals;
using weft::Task;
using weft::net::Address;
using weft::net::TcpListener;
using weft::net::TcpStream;

class EchoServerTest : public weft::testing::IoTest {};
WEFT_INSTANTIATE_BACKENDS(EchoServerTest);

struct Outcome {
  std::size_t read_at_close = 99;        // 0 means the server closed the connection
  std::chrono::milliseconds elapsed{0};  // on the reactor's (paused) clock
  std::size_t live_after = 99;
};

TEST_P(EchoServerTest, AnIdleConnectionIsClosedWhenItsTimeoutPasses) {
  auto body = []() -> Task<Outcome> {
    auto listener = TcpListener::bind(Address::ipv4_loopback(0)).value();
    auto client = (co_await TcpStream::connect(listener.local_address().value())).value();
    auto live = std::make_shared<std::size_t>(1);
    const auto start = weft::now();
    auto server = weft::spawn(echo::serve_connection((co_await listener.accept()).value(), 30s, live));
    std::array<char, 8> buffer{};
    Outcome outcome;
    outcome.read_at_close = (co_await client.read(buffer)).value_or(99);
    outcome.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(weft::now() - start);
    co_await server;
    outcome.live_after = *live;
    co_return outcome;
  };
  const Outcome outcome = weft::testing::run(body(), paused_options());
  EXPECT_EQ(outcome.read_at_close, 0u);
  EXPECT_GE(outcome.elapsed, 30s);
  EXPECT_EQ(outcome.live_after, 0u);
}

TEST_P(EchoServerTest, EchoesEveryMessageAndClosesWhenThePeerDoes) {
  auto body = []() -> Task<std::string> {
    auto listener = TcpListener::bind(Address::ipv4_loopback(0)).value();
    auto client = (co_await TcpStream::connect(listener.local_address().value())).value();
    auto live = std::make_shared<std::size_t>(1);
    auto server = weft::spawn(echo::serve_connection((co_await listener.accept()).value(), 30s, live));
    std::string echoed;
    for (std::string_view message : {"one ", "two ", "three"}) {
      EXPECT_TRUE(co_await client.write_all(message));
      std::array<char, 16> buffer{};
      std::size_t got = 0;
      while (got < message.size()) got += (co_await client.read(std::span(buffer).subspan(got))).value();
      echoed.append(buffer.data(), got);
    }
    client.shutdown();
    co_await server;
    EXPECT_EQ(*live, 0u);
    co_return echoed;
  };
  EXPECT_EQ(weft::testing::run(body(), options()), "one two three");
}

}  // namespace
