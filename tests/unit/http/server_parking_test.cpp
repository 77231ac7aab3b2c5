// A keep-alive connection idle for more than a moment is parked: the core keeps its
// socket, watched for input, and no coroutine frame. These tests check that a parked
// connection behaves exactly like one waiting in its coroutine — served again on its
// next bytes, closed at its keep-alive deadline, closed by a drain after the grace —
// and that it really holds no frame. Real sockets on 127.0.0.1, both backends, on a
// paused clock.
#include <weft/http/server.hpp>

#include <weft/core/frame_allocator.hpp>
#include <weft/runtime/sleep.hpp>
#include <weft/runtime/spawn.hpp>
#include <weft/testing/backends.hpp>
#include <weft/testing/run.hpp>

#include "raw_client.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string_view>
#include <vector>

namespace weft::http {
namespace {

using namespace std::chrono_literals;
using testing_support::RawClient;

constexpr std::string_view kGet = "GET / HTTP/1.1\r\nHost: t\r\n\r\n";
// Longer than any wait before parking.
constexpr auto kIdle = 1s;

ServerOptions test_options() {
  ServerOptions options;
  options.listen = net::Address::ipv4_loopback(0);
  return options;
}

Router hello_router() {
  Router router;
  router.get("/", [](Request&) -> Task<Response> { co_return Response::text("Hello, World!"); });
  router.post("/echo", [](Request& request) -> Task<Response> { co_return Response::text(request.body); });
  return router;
}

class ServerParking : public testing::IoTest {
 protected:
  template <class F>
  void with_server(ServerOptions options, F test) {
    auto body = [&]() -> Task<void> {
      Server server(std::move(options), hello_router());
      co_await server.start();
      co_await test(server);
      co_await server.stop();
    };
    testing::run(body(), paused_options());
  }
};
WEFT_INSTANTIATE_BACKENDS(ServerParking);

TEST_P(ServerParking, AParkedConnectionIsServedAgainOnItsNextRequest) {
  with_server(test_options(), [](Server& server) -> Task<void> {
    RawClient client = co_await RawClient::connect(server);
    for (int i = 0; i < 3; ++i) {
      co_await client.send(kGet);
      auto reply = co_await client.reply();
      EXPECT_TRUE(reply && reply->status == 200 && reply->body == "Hello, World!") << "request " << i;
      co_await sleep(kIdle);  // parked now
      EXPECT_EQ(server.connections_on_this_core(), 1u);
    }
  });
}

TEST_P(ServerParking, PipelinedRequestsWakingAParkedConnectionAreAnsweredInOrder) {
  with_server(test_options(), [](Server& server) -> Task<void> {
    RawClient client = co_await RawClient::connect(server);
    co_await client.send(kGet);
    const bool first = static_cast<bool>(co_await client.reply());
    EXPECT_TRUE(first);
    co_await sleep(kIdle);
    co_await client.send(
        "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 6\r\n\r\nsecond"
        "GET / HTTP/1.1\r\nHost: t\r\n\r\n");
    for (const char* expected : {"second", "Hello, World!"}) {
      auto reply = co_await client.reply();
      EXPECT_TRUE(reply && reply->body == expected) << expected;
    }
  });
}

TEST_P(ServerParking, AParkedConnectionIsClosedAtItsKeepAliveDeadline) {
  ServerOptions options = test_options();
  options.keepalive_timeout = 30s;
  with_server(options, [](Server& server) -> Task<void> {
    RawClient client = co_await RawClient::connect(server);
    co_await client.send(kGet);
    const bool answered = static_cast<bool>(co_await client.reply());
    EXPECT_TRUE(answered);
    const auto idle_since = now();
    const bool closed = co_await client.closed_by_server();
    EXPECT_TRUE(closed);
    EXPECT_GE(now() - idle_since, 30s);
    EXPECT_LT(now() - idle_since, 31s);
    EXPECT_TRUE(client.unread().empty());  // closed silently
    EXPECT_EQ(server.connections_on_this_core(), 0u);
  });
}

constexpr std::size_t kClients = 32;

TEST_P(ServerParking, ParkedConnectionsHoldNoFrame) {
  with_server(test_options(), [](Server& server) -> Task<void> {
    std::vector<RawClient> clients;
    clients.reserve(kClients);
    co_await sleep(kIdle);
    const std::int64_t before = frame_stats().live;
    for (std::size_t i = 0; i < kClients; ++i) {
      clients.push_back(co_await RawClient::connect(server));
      co_await clients.back().send(kGet);
      const bool answered = static_cast<bool>(co_await clients.back().reply());
      EXPECT_TRUE(answered);
    }
    co_await sleep(kIdle);
    const std::int64_t after = frame_stats().live;
    EXPECT_EQ(server.connections_on_this_core(), kClients);
    // Waiting in its coroutine, each connection would hold a chain of frames.
    EXPECT_LT(after - before, static_cast<std::int64_t>(kClients)) << "frames held by " << kClients << " idle connections";
  });
}

TEST_P(ServerParking, ADrainClosesParkedConnectionsAfterTheGraceAndAnswersOneLastRequest) {
  auto body = []() -> Task<void> {
    Server server(test_options(), hello_router());
    co_await server.start();
    RawClient quiet = co_await RawClient::connect(server);
    RawClient late = co_await RawClient::connect(server);
    for (RawClient* client : {&quiet, &late}) {
      co_await client->send(kGet);
      const bool answered = static_cast<bool>(co_await client->reply());
      EXPECT_TRUE(answered);
    }
    co_await sleep(kIdle);  // both parked
    const auto start = now();
    auto stopping = spawn(server.stop());
    co_await sleep(100ms);  // within the drain's grace for idle connections
    co_await late.send(kGet);
    auto reply = co_await late.reply();
    EXPECT_TRUE(reply && reply->status == 200 && reply->has("Connection: close"));
    const bool late_closed = co_await late.closed_by_server();
    EXPECT_TRUE(late_closed);
    const bool quiet_closed = co_await quiet.closed_by_server();
    EXPECT_TRUE(quiet_closed);
    EXPECT_LT(now() - start, 1s);
    co_await stopping;
    EXPECT_EQ(server.connections_on_this_core(), 0u);
  };
  testing::run(body(), paused_options());
}

}  // namespace
}  // namespace weft::http
