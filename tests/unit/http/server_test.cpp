// http::Server end to end over real sockets on 127.0.0.1, both backends, on a paused
// clock: timeouts of any length pass at once and deterministically. The client side
// is a raw TcpStream in the same runtime, so every byte on the wire is checked.
#include <weft/http/server.hpp>

#include <weft/runtime/select.hpp>
#include <weft/runtime/sleep.hpp>
#include <weft/runtime/spawn.hpp>
#include <weft/runtime/this_core.hpp>
#include <weft/net/tcp_stream.hpp>
#include <weft/testing/backends.hpp>
#include <weft/testing/run.hpp>

#include "raw_client.hpp"

#include <gtest/gtest.h>

#include <sys/socket.h>

#include <array>
#include <chrono>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace weft::http {
namespace {

using namespace std::chrono_literals;
using net::TcpStream;
using testing_support::Reply;
using testing_support::RawClient;

ServerOptions test_options() {
  ServerOptions options;
  options.listen = net::Address::ipv4_loopback(0);
  options.server_name = "weft-test";
  return options;
}

Router hello_router() {
  Router router;
  router.get("/", [](Request&) -> Task<Response> { co_return Response::text("Hello, World!"); });
  router.post("/echo", [](Request& request) -> Task<Response> { co_return Response::text(request.body); });
  router.get("/sleep/{ms}", [](Request& request) -> Task<Response> {
    co_await sleep(std::chrono::milliseconds(std::stoi(std::string(*request.param("ms")))));
    co_return Response::text("slept");
  });
  router.get("/throw", [](Request&) -> Task<Response> {
    throw std::runtime_error("handler failed on purpose");
    co_return Response::text("unreachable");
  });
  return router;
}

constexpr std::string_view kGet = "GET / HTTP/1.1\r\nHost: t\r\n\r\n";

class ServerTest : public testing::IoTest {
 protected:
  // Runs `test(server)` against a started server, then stops it.
  template <class F>
  void with_server(ServerOptions options, Router router, F test) {
    auto body = [&]() -> Task<void> {
      Server server(std::move(options), std::move(router));
      co_await server.start();
      co_await test(server);
      co_await server.stop();
    };
    testing::run(body(), paused_options());
  }
};
WEFT_INSTANTIATE_BACKENDS(ServerTest);

TEST_P(ServerTest, AnswersAndKeepsTheConnectionOpenForTheNextRequest) {
  with_server(test_options(), hello_router(), [](Server& server) -> Task<void> {
    RawClient client = co_await RawClient::connect(server);
    for (int i = 0; i < 3; ++i) {
      co_await client.send(kGet);
      auto reply = co_await client.reply();
      EXPECT_TRUE(reply) << "request " << i;
      if (!reply) co_return;
      EXPECT_EQ(reply->status, 200);
      EXPECT_EQ(reply->body, "Hello, World!");
      EXPECT_TRUE(reply->has("\r\nServer: weft-test\r\n"));
      EXPECT_TRUE(reply->has("\r\nDate: "));
      EXPECT_TRUE(reply->has("\r\nContent-Type: text/plain\r\n"));
      EXPECT_FALSE(reply->has("Connection:"));
    }
    EXPECT_EQ(server.connections_on_this_core(), 1u);
  });
}

TEST_P(ServerTest, PipelinedRequestsAreAnsweredInOrderEvenWhenAnEarlierOneIsSlower) {
  with_server(test_options(), hello_router(), [](Server& server) -> Task<void> {
    RawClient client = co_await RawClient::connect(server);
    co_await client.send(
        "GET /sleep/50 HTTP/1.1\r\nHost: t\r\n\r\n"
        "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 6\r\n\r\nsecond"
        "GET / HTTP/1.1\r\nHost: t\r\n\r\n");
    for (const char* expected : {"slept", "second", "Hello, World!"}) {
      auto reply = co_await client.reply();
      EXPECT_TRUE(reply && reply->body == expected) << expected;
    }
  });
}

TEST_P(ServerTest, AHandlerThatThrowsGets500AndTheConnectionCarriesOn) {
  with_server(test_options(), hello_router(), [](Server& server) -> Task<void> {
    RawClient client = co_await RawClient::connect(server);
    co_await client.send("GET /throw HTTP/1.1\r\nHost: t\r\n\r\n");
    auto failed = co_await client.reply();
    EXPECT_TRUE(failed && failed->status == 500);
    co_await client.send(kGet);
    auto next = co_await client.reply();
    EXPECT_TRUE(next && next->status == 200 && next->body == "Hello, World!");
  });
}

TEST_P(ServerTest, AHandlerOverItsDeadlineGets503) {
  ServerOptions options = test_options();
  options.handler_timeout = 1s;
  with_server(options, hello_router(), [](Server& server) -> Task<void> {
    RawClient client = co_await RawClient::connect(server);
    const auto start = now();
    co_await client.send("GET /sleep/5000 HTTP/1.1\r\nHost: t\r\n\r\n");
    auto reply = co_await client.reply();
    EXPECT_TRUE(reply && reply->status == 503);
    EXPECT_GE(now() - start, 1s);
    EXPECT_LT(now() - start, 5s);
    co_await client.send("GET /sleep/10 HTTP/1.1\r\nHost: t\r\n\r\n");
    auto fast = co_await client.reply();
    EXPECT_TRUE(fast && fast->status == 200);
  });
}

TEST_P(ServerTest, ASlowlorisClientGets408AndIsClosed) {
  ServerOptions options = test_options();
  options.header_timeout = 2s;
  with_server(options, hello_router(), [](Server& server) -> Task<void> {
    RawClient client = co_await RawClient::connect(server);
    const auto start = now();
    co_await client.send("GET / HTTP/1.1\r\n");
    for (int i = 0; i < 40 && !cancelled(); ++i) {  // one byte every 100 ms: 4 s in all
      co_await sleep(100ms);
      co_await client.send("X");
      if (now() - start > 3s) break;
    }
    auto reply = co_await client.reply();
    EXPECT_TRUE(reply && reply->status == 408);
    const bool ok1 = static_cast<bool>(co_await client.closed_by_server());
    EXPECT_TRUE(ok1);
    EXPECT_GE(now() - start, 2s);
  });
}

TEST_P(ServerTest, ABodyThatTricklesPastTheBodyTimeoutGets408) {
  ServerOptions options = test_options();
  options.body_timeout = 1s;
  with_server(options, hello_router(), [](Server& server) -> Task<void> {
    RawClient client = co_await RawClient::connect(server);
    co_await client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc");
    auto reply = co_await client.reply();
    EXPECT_TRUE(reply && reply->status == 408);
    const bool ok2 = static_cast<bool>(co_await client.closed_by_server());
    EXPECT_TRUE(ok2);
  });
}

TEST_P(ServerTest, AnIdleKeepAliveConnectionIsClosedWhenItsTimeoutPasses) {
  ServerOptions options = test_options();
  options.keepalive_timeout = 5s;
  with_server(options, hello_router(), [](Server& server) -> Task<void> {
    RawClient client = co_await RawClient::connect(server);
    co_await client.send(kGet);
    const bool ok3 = static_cast<bool>(co_await client.reply());
    EXPECT_TRUE(ok3);
    const auto idle_since = now();
    const bool ok4 = static_cast<bool>(co_await client.closed_by_server());
    EXPECT_TRUE(ok4);
    EXPECT_GE(now() - idle_since, 5s);
    EXPECT_TRUE(client.unread().empty());  // closed silently
  });
}

TEST_P(ServerTest, AConnectionThatNeverSendsIsClosedSilentlyAfterTheHeaderTimeout) {
  ServerOptions options = test_options();
  options.header_timeout = 3s;
  options.keepalive_timeout = 1h;
  with_server(options, hello_router(), [](Server& server) -> Task<void> {
    RawClient client = co_await RawClient::connect(server);
    const auto start = now();
    const bool ok5 = static_cast<bool>(co_await client.closed_by_server());
    EXPECT_TRUE(ok5);
    EXPECT_GE(now() - start, 3s);
    EXPECT_LT(now() - start, 1h);
    EXPECT_TRUE(client.unread().empty());
  });
}

TEST_P(ServerTest, HeadGetsTheHeadersOfGetWithoutTheBody) {
  with_server(test_options(), hello_router(), [](Server& server) -> Task<void> {
    RawClient client = co_await RawClient::connect(server);
    co_await client.send("HEAD / HTTP/1.1\r\nHost: t\r\n\r\n");
    co_await client.send(kGet);  // proves no body bytes came between the two
    auto head = co_await client.reply();  // read with Content-Length 13...
    // ...so the reader took the next response's first 13 bytes as the body: the HEAD
    // reply's "body" must be the start of the GET reply.
    EXPECT_TRUE(head && head->status == 200 && head->has("Content-Length: 13"));
    EXPECT_TRUE(head && head->body == "HTTP/1.1 200 ");
  });
}

TEST_P(ServerTest, AnEmptyAnswerToHeadMayGiveTheLengthAGetWouldHave) {
  Router router;
  router.get("/file", [](Request& request) -> Task<Response> {
    if (!request.is_head()) co_return Response::text(std::string(500, 'f'));
    co_return Response::text("").set("Content-Length", "500");  // as a proxy passes it on
  });
  with_server(test_options(), std::move(router), [](Server& server) -> Task<void> {
    RawClient client = co_await RawClient::connect(server);
    co_await client.send("HEAD /file HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    const bool closed = co_await client.closed_by_server();
    EXPECT_TRUE(closed);
    const std::string& wire = client.unread();  // the whole answer, and no body after it
    EXPECT_NE(wire.find("\r\nContent-Length: 500\r\n"), std::string::npos) << wire;
    EXPECT_EQ(wire.find("Content-Length: 0"), std::string::npos) << wire;
    EXPECT_TRUE(wire.ends_with("\r\n\r\n")) << wire;
  });
}

TEST_P(ServerTest, ExpectContinueIsAnsweredBeforeTheBodyIsSent) {
  with_server(test_options(), hello_router(), [](Server& server) -> Task<void> {
    RawClient client = co_await RawClient::connect(server);
    co_await client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
    auto interim = co_await client.reply();
    EXPECT_TRUE(interim && interim->status == 100);
    co_await client.send("hello");
    auto reply = co_await client.reply();
    EXPECT_TRUE(reply && reply->status == 200 && reply->body == "hello");
  });
}

TEST_P(ServerTest, ChunkedRequestBodiesArriveWhole) {
  with_server(test_options(), hello_router(), [](Server& server) -> Task<void> {
    RawClient client = co_await RawClient::connect(server);
    co_await client.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
    co_await client.send("6\r\n world\r\n0\r\n\r\n");
    auto reply = co_await client.reply();
    EXPECT_TRUE(reply && reply->body == "hello world");
  });
}

TEST_P(ServerTest, StreamedResponsesAreChunkedForHttp11AndCloseDelimitedFor10) {
  Router router;
  router.get("/stream", [](Request&) -> Task<Response> {
    co_return Response::streamed(
        [](BodyWriter& out) -> Task<Result<void>> {
          for (const char* piece : {"one ", "two ", "three"}) {
            if (auto sent = co_await out.write(piece); !sent) co_return sent;
            co_await sleep(1ms);
          }
          co_return Result<void>{};
        },
        "text/plain");
  });
  with_server(test_options(), router, [](Server& server) -> Task<void> {
    RawClient v11 = co_await RawClient::connect(server);
    co_await v11.send("GET /stream HTTP/1.1\r\nHost: t\r\n\r\n");
    auto chunked = co_await v11.reply();
    EXPECT_TRUE(chunked && chunked->has("Transfer-Encoding: chunked") && chunked->body == "one two three");
    co_await v11.send("GET /stream HTTP/1.1\r\nHost: t\r\n\r\n");  // still open
    const bool ok6 = static_cast<bool>(co_await v11.reply());
    EXPECT_TRUE(ok6);
    RawClient v10 = co_await RawClient::connect(server);
    co_await v10.send("GET /stream HTTP/1.0\r\n\r\n");
    auto raw = co_await v10.reply();
    EXPECT_TRUE(raw && !raw->has("Transfer-Encoding") && raw->has("Connection: close") &&
                raw->body == "one two three");
  });
}

// More than a loopback socket buffer holds: the server sends it in several partial
// writes. The bytes vary (a uniform body would hide a send that resends its start).
std::string large_body() {
  std::string body(12 << 20, '\0');
  for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>('a' + (i * 7 + i / 4096) % 26);
  return body;
}

TEST_P(ServerTest, LargeBodiesAreSentWhole) {
  Router router;
  router.get("/big", [](Request&) -> Task<Response> { co_return Response::text(large_body()); });
  with_server(test_options(), router, [](Server& server) -> Task<void> {
    RawClient client = co_await RawClient::connect(server);
    co_await client.send("GET /big HTTP/1.1\r\nHost: t\r\n\r\n");
    auto reply = co_await client.reply();
    EXPECT_TRUE(reply && reply->body == large_body());
  });
}

constexpr std::size_t kBig = 4 << 20;  // the body of the test below

// A client that stops reading a large response is cut off at the write timeout: the
// server's send waits for room under it, then the connection closes. The client, back
// after the timeout, gets part of the body and then the end. A server that never gave
// up would send it all as the client reads and keep the connection open.

TEST_P(ServerTest, AClientThatStopsReadingIsCutOffAtTheWriteTimeout) {
  ServerOptions options = test_options();
  options.write_timeout = 7s;
  Router router;
  router.get("/big", [](Request& request) -> Task<Response> {
    const int bytes = 1;  // raised to the kernel's minimum
    EXPECT_EQ(::setsockopt(request.socket, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof bytes), 0);
    co_return Response::text(std::string(kBig, 'x'));
  });
  with_server(options, router, [](Server& server) -> Task<void> {
    // A receive buffer of the usual size: a small one closes the window, and reopening
    // it then takes the kernel's zero-window probe, in real time, which the paused
    // clock does not wait for.
    RawClient client = co_await RawClient::connect(server);
    co_await client.send("GET /big HTTP/1.1\r\nHost: t\r\n\r\n");
    co_await sleep(8s);
    const bool closed = co_await client.closed_by_server();
    EXPECT_TRUE(closed);
    EXPECT_LT(client.unread().size(), kBig);
  });
}

// Response `n` of the test below: 12 KiB (copied into the connection's write buffer,
// under the 16 KiB past which a body is sent from its own memory), different for each n.
std::string numbered_body(std::size_t n) {
  std::string body(12 * 1024, '\0');
  for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>('a' + (i + n * 11) % 26);
  return body;
}

constexpr std::size_t kNumbered = 5;  // 5 x 12 KiB: under the 64 KiB that flushes mid-batch

// Five pipelined responses (62 KiB, answered in one write once the requests are read)
// through socket buffers as small as they get (the handler shrinks the server's send
// buffer, the client its receive buffer): the write comes back partial, and the rest
// must still go out, in order, as the client reads.
TEST_P(ServerTest, PipelinedResponsesBeyondTheSocketBuffersArriveWholeAndInOrder) {
  Router router;
  router.get("/n/{n}", [](Request& request) -> Task<Response> {
    const std::size_t n = std::stoul(std::string(request.param("n").value_or("0")));
    if (n == 0) {
      const int bytes = 1;  // raised to the kernel's minimum
      EXPECT_EQ(::setsockopt(request.socket, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof bytes), 0);
    }
    co_return Response::text(numbered_body(n));
  });
  with_server(test_options(), router, [](Server& server) -> Task<void> {
    RawClient client = RawClient::connect_with_small_receive_buffer(server);
    std::string requests;
    for (std::size_t n = 0; n < kNumbered; ++n) requests += "GET /n/" + std::to_string(n) + " HTTP/1.1\r\nHost: t\r\n\r\n";
    co_await client.send(requests);
    co_await sleep(5ms);  // the server writes what fits and waits for room
    std::size_t whole = 0;
    for (std::size_t n = 0; n < kNumbered; ++n) {
      auto reply = co_await client.reply();
      if (!reply || reply->status != 200) break;
      whole += reply->body == numbered_body(n);
    }
    EXPECT_EQ(whole, kNumbered);
  });
}

TEST_P(ServerTest, AResponseWithAFieldThatWouldSplitItIsReplacedBy500) {
  Router router;
  router.get("/", [](Request&) -> Task<Response> {
    Response response = Response::text("x");
    response.set("X-Injected", "a\r\nSet-Cookie: stolen=1");
    co_return response;
  });
  with_server(test_options(), router, [](Server& server) -> Task<void> {
    RawClient client = co_await RawClient::connect(server);
    co_await client.send(kGet);
    auto reply = co_await client.reply();
    EXPECT_TRUE(reply && reply->status == 500 && !reply->has("Set-Cookie"));
  });
}

TEST_P(ServerTest, AMalformedRequestGetsItsStatusAndTheConnectionCloses) {
  with_server(test_options(), hello_router(), [](Server& server) -> Task<void> {
    RawClient client = co_await RawClient::connect(server);
    co_await client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n");
    auto reply = co_await client.reply();
    EXPECT_TRUE(reply && reply->status == 400 && reply->has("Connection: close"));
    const bool ok7 = static_cast<bool>(co_await client.closed_by_server());
    EXPECT_TRUE(ok7);
  });
}

TEST_P(ServerTest, OverTheConnectionLimitAClientGets503) {
  ServerOptions options = test_options();
  options.max_connections = 1;
  with_server(options, hello_router(), [](Server& server) -> Task<void> {
    RawClient first = co_await RawClient::connect(server);
    co_await first.send(kGet);
    const bool ok8 = static_cast<bool>(co_await first.reply());
    EXPECT_TRUE(ok8);
    RawClient second = co_await RawClient::connect(server);
    auto refused = co_await second.reply();
    EXPECT_TRUE(refused && refused->status == 503);
    const bool ok9 = static_cast<bool>(co_await second.closed_by_server());
    EXPECT_TRUE(ok9);
    co_await first.send(kGet);  // the first one is unaffected
    auto again = co_await first.reply();
    EXPECT_TRUE(again && again->status == 200);
  });
}

TEST_P(ServerTest, StopClosesIdleConnectionsAndLetsInFlightRequestsFinish) {
  auto body = []() -> Task<void> {
    Server server(test_options(), hello_router());
    co_await server.start();
    RawClient idle = co_await RawClient::connect(server);
    co_await idle.send(kGet);
    const bool ok10 = static_cast<bool>(co_await idle.reply());
    EXPECT_TRUE(ok10);
    RawClient busy = co_await RawClient::connect(server);
    co_await busy.send("GET /sleep/3000 HTTP/1.1\r\nHost: t\r\n\r\n");
    co_await sleep(100ms);  // the request is in its handler now
    const auto start = now();
    auto stopping = spawn(server.stop());
    const bool ok11 = static_cast<bool>(co_await idle.closed_by_server());
    EXPECT_TRUE(ok11);
    EXPECT_LT(now() - start, 1s);
    auto reply = co_await busy.reply();
    EXPECT_TRUE(reply && reply->status == 200 && reply->body == "slept");
    EXPECT_TRUE(reply && reply->has("Connection: close"));
    co_await stopping;
    EXPECT_GE(now() - start, 2900ms);
    EXPECT_EQ(server.connections_on_this_core(), 0u);
    auto late = co_await TcpStream::connect(server.local_address());
    EXPECT_FALSE(late) << "the listener should be closed";
  };
  testing::run(body(), paused_options());
}

TEST_P(ServerTest, StopCutsRequestsStillRunningAtTheDrainTimeout) {
  ServerOptions options = test_options();
  options.drain_timeout = 2s;
  auto body = [&]() -> Task<void> {
    Server server(options, hello_router());
    co_await server.start();
    RawClient busy = co_await RawClient::connect(server);
    co_await busy.send("GET /sleep/3600000 HTTP/1.1\r\nHost: t\r\n\r\n");
    co_await sleep(100ms);
    const auto start = now();
    co_await server.stop();
    EXPECT_GE(now() - start, 2s);
    EXPECT_LT(now() - start, 1h);
    const bool ok12 = static_cast<bool>(co_await busy.closed_by_server());
    EXPECT_TRUE(ok12);
    EXPECT_TRUE(busy.unread().empty());
  };
  testing::run(body(), paused_options());
}

TEST_P(ServerTest, StartRefusesAPortAnotherServerAlreadyServes) {
  auto body = []() -> Task<std::string> {
    Server first(test_options(), hello_router());
    co_await first.start();
    ServerOptions same = test_options();
    same.listen = first.local_address();
    Server second(same, hello_router());
    std::string message;
    try {
      co_await second.start();
    } catch (const std::system_error& error) {
      message = error.what();
    }
    co_await second.stop();
    co_await first.stop();
    co_return message;
  };
  const std::string message = testing::run(body(), paused_options());
  EXPECT_NE(message.find("cannot listen on 127.0.0.1:"), std::string::npos) << message;
}

TEST_P(ServerTest, ServesOnEveryCoreAndStopsThemAll) {
  Router router;
  router.get("/core", [](Request&) -> Task<Response> { co_return Response::text(std::to_string(this_core())); });
  auto body = [&]() -> Task<std::set<std::string>> {
    Server server(test_options(), router);
    co_await server.start();
    std::set<std::string> cores;
    std::vector<RawClient> clients;
    // The kernel spreads connections over the cores' listeners by address hash: with
    // 32 of them, all landing on one of two cores has odds of 2^-31.
    for (int i = 0; i < 32; ++i) clients.push_back(co_await RawClient::connect(server));
    for (auto& client : clients) {
      co_await client.send("GET /core HTTP/1.1\r\nHost: t\r\n\r\n");
      auto reply = co_await client.reply();
      if (reply) cores.insert(reply->body);
    }
    co_await server.stop();
    for (auto& client : clients) {
      const bool closed = co_await client.closed_by_server();
      EXPECT_TRUE(closed);
    }
    co_return cores;
  };
  const auto cores = testing::run(body(), options(2));
  EXPECT_EQ(cores, (std::set<std::string>{"0", "1"}));
}

TEST_P(ServerTest, StartFailsNamingTheAddressWhenItIsTaken) {
  auto body = []() -> Task<std::string> {
    // Taken by a listener without SO_REUSEPORT (another program): the kernel refuses.
    auto other = net::TcpListener::bind(net::Address::ipv4_loopback(0), {.reuse_port = false}).value();
    ServerOptions taken = test_options();
    taken.listen = other.local_address().value();
    Server server(taken, hello_router());
    std::string message;
    try {
      co_await server.start();
    } catch (const std::system_error& error) {
      message = error.what();
    }
    co_await server.stop();
    co_return message;
  };
  const std::string message = testing::run(body(), paused_options());
  EXPECT_NE(message.find("cannot listen on 127.0.0.1:"), std::string::npos) << message;
}

}  // namespace
}  // namespace weft::http
