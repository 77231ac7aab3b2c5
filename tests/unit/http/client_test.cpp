// http::Client end to end against weft's own Server (and raw sockets playing broken
// servers) on 127.0.0.1, both backends, on a paused clock: deadlines and idle
// timeouts of any length pass at once and deterministically.
#include <weft/http/client.hpp>
#include <weft/http/server.hpp>

#include <weft/net/tcp_listener.hpp>
#include <weft/net/tcp_stream.hpp>
#include <weft/runtime/clock.hpp>
#include <weft/runtime/join.hpp>
#include <weft/runtime/select.hpp>
#include <weft/runtime/sleep.hpp>
#include <weft/runtime/spawn.hpp>
#include <weft/runtime/submit_to.hpp>
#include <weft/testing/backends.hpp>
#include <weft/testing/run.hpp>

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <stdexcept>
#include <string>

namespace weft::http {
namespace {

using namespace std::chrono_literals;

ServerOptions server_options() {
  ServerOptions options;
  options.listen = net::Address::ipv4_loopback(0);
  options.server_name = "weft-test";
  return options;
}

Router test_router() {
  Router router;
  router.get("/", [](Request&) -> Task<Response> { co_return Response::text("Hello, World!"); });
  router.post("/echo", [](Request& request) -> Task<Response> {
    Response response = Response::text(request.body);
    response.set("X-Method", std::string(request.method));
    if (auto agent = request.header("User-Agent")) response.set("X-Agent", std::string(*agent));
    co_return response;
  });
  router.get("/sleep/{ms}", [](Request& request) -> Task<Response> {
    co_await sleep(std::chrono::milliseconds(std::stoi(std::string(*request.param("ms")))));
    co_return Response::text("slept");
  });
  router.get("/stream/{pieces}", [](Request& request) -> Task<Response> {
    const int pieces = std::stoi(std::string(*request.param("pieces")));
    co_return Response::streamed([pieces](BodyWriter& writer) -> Task<Result<void>> {
      const std::string piece(10000, 'x');
      for (int i = 0; i < pieces; ++i) {
        auto written = co_await writer.write(piece);
        if (!written) co_return written;
      }
      co_return Result<void>{};
    });
  });
  router.get("/close", [](Request&) -> Task<Response> {
    co_return Response::text("bye").set("Connection", "close");
  });
  return router;
}

// A server that answers every connection's first request with `reply`, then closes.
Task<void> serve_raw(net::TcpListener& listener, std::string reply) {
  auto accepted = co_await listener.accept();
  if (!accepted) co_return;
  std::array<char, 4096> request;
  (void)co_await accepted->read(request);
  (void)co_await accepted->write_all(reply);
  (void)accepted->shutdown();
  (void)co_await select(accepted->read(request), sleep(10s));
}

// Answers a first connection once, then, a second later, sends it a parting 408 and
// keeps it open; answers a second connection with "fresh".
Task<void> serve_parting_408(net::TcpListener& listener) {
  std::array<char, 4096> request;
  auto first = co_await listener.accept();
  if (!first) co_return;
  (void)co_await first->read(request);
  (void)co_await first->write_all("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst");
  co_await sleep(1s);
  (void)co_await first->write_all("HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
  auto accepted = co_await select(listener.accept(), sleep(10s));  // fails, never hangs, when no second comes
  if (accepted.index() != 0 || !std::get<0>(accepted)) co_return;
  auto& second = std::get<0>(accepted);
  (void)co_await second->read(request);
  (void)co_await second->write_all("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfresh");
  (void)co_await select(second->read(request), sleep(10s));
}

class ClientTest : public testing::IoTest {
 protected:
  template <class F>
  void with_server(F test, ServerOptions options = server_options()) {
    auto body = [&]() -> Task<void> {
      Server server(std::move(options), test_router());
      co_await server.start();
      co_await test(server, server.local_address());
      co_await server.stop();
    };
    testing::run(body(), paused_options());
  }

  // Starts serve_raw(reply) and runs `test` against it.
  template <class F>
  void with_raw_server(std::string reply, F test) {
    auto body = [&]() -> Task<void> {
      auto listener = net::TcpListener::bind(net::Address::ipv4_loopback(0)).value();
      const net::Address address = listener.local_address().value();
      auto server = spawn(serve_raw(listener, std::move(reply)));
      co_await test(address);
      co_await server;
    };
    testing::run(body(), paused_options());
  }
};
WEFT_INSTANTIATE_BACKENDS(ClientTest);

TEST_P(ClientTest, SendsAGetAndReusesTheConnectionForTheNext) {
  with_server([](Server& server, net::Address origin) -> Task<void> {
    Client client;
    for (int i = 0; i < 3; ++i) {
      auto response = co_await client.send(origin, ClientRequest::get("/"));
      EXPECT_TRUE(response) << response.error().message();
      if (!response) co_return;
      EXPECT_EQ(response->status, 200u);
      EXPECT_EQ(response->reason, "OK");
      EXPECT_EQ(response->body, "Hello, World!");
      EXPECT_EQ(response->header("server"), "weft-test");
      EXPECT_EQ(client.open_connections(origin), 1u);
      EXPECT_EQ(client.idle_connections(origin), 1u);
    }
    EXPECT_EQ(server.connections_on_this_core(), 1u);
  });
}

TEST_P(ClientTest, PostsABodyWithItsLengthAndAUserAgent) {
  with_server([](Server&, net::Address origin) -> Task<void> {
    Client client;
    const std::string big(100000, 'b');  // past the size sent in one piece with the head
    for (const std::string& body : {std::string("hello"), std::string(), big}) {
      auto response = co_await client.send(origin, ClientRequest::post("/echo", body));
      EXPECT_TRUE(response && response->status == 200);
      if (!response) co_return;
      EXPECT_EQ(response->body.size(), body.size());
      EXPECT_EQ(response->body, body);
      EXPECT_EQ(response->header("X-Agent"), "weft");
    }
  });
}

TEST_P(ClientTest, AnAnswerSentBeforeTheServerReadTheWholeRequestIsReported) {
  ServerOptions options = server_options();
  options.limits.max_body = 1000;
  with_server(
      [](Server&, net::Address origin) -> Task<void> {
        Client client;
        // The server answers 413 at the end of the head and stops reading: the body's
        // write fails, but the 413 is what the caller gets.
        auto response = co_await client.send(origin, ClientRequest::post("/echo", std::string(4 << 20, 'x')));
        EXPECT_TRUE(response) << response.error().message();
        if (response) {
          EXPECT_EQ(response->status, 413u);
        }
        EXPECT_EQ(client.open_connections(origin), 0u);  // never reused after a cut request
      },
      options);
}

TEST_P(ClientTest, StreamsARequestBodyChunkedOrWithItsLength) {
  with_server([](Server&, net::Address origin) -> Task<void> {
    Client client;
    for (const bool with_length : {false, true}) {
      int calls = 0;
      ClientRequest request = ClientRequest::post("/echo", "");
      request.body_source = [&calls]() -> Task<Result<std::string_view>> {
        static constexpr std::string_view kPieces[] = {"one ", "two ", "three", ""};
        co_return kPieces[calls++];
      };
      if (with_length) request.content_length = 13;
      auto response = co_await client.send(origin, std::move(request));
      EXPECT_TRUE(response) << response.error().message();
      if (response) {
      EXPECT_EQ(response->body, "one two three");
    }
    }
  });
}

TEST_P(ClientTest, ABodySourceThatFailsEndsTheRequestAtOnce) {
  with_server([](Server&, net::Address origin) -> Task<void> {
    Client client;
    ClientRequest request = ClientRequest::post("/echo", "");
    int calls = 0;
    request.body_source = [&calls]() -> Task<Result<std::string_view>> {
      if (calls++ == 0) co_return std::string_view("first piece");
      co_return fail(std::errc::connection_reset);  // e.g. the proxy's own client left
    };
    request.content_length = 100;
    const Instant started = now();
    auto response = co_await client.send(origin, std::move(request));
    EXPECT_FALSE(response);
    if (!response) {
      EXPECT_EQ(response.error(), std::errc::connection_reset);
    }
    // Not a wait for an answer the server cannot give (it waits for the rest of the
    // body): on the paused clock such a wait would show as response_timeout passing.
    EXPECT_LT(now() - started, std::chrono::seconds(1));
    EXPECT_EQ(client.open_connections(origin), 0u);
  });
}

TEST_P(ClientTest, ReadsAChunkedBodyPieceByPiece) {
  with_server([](Server&, net::Address origin) -> Task<void> {
    Client client;
    auto stream = co_await client.open(origin, ClientRequest::get("/stream/50"));
    EXPECT_TRUE(stream) << stream.error().message();
    if (!stream) co_return;
    EXPECT_EQ(stream->status(), 200u);
    EXPECT_EQ(stream->content_length(), std::nullopt);
    std::size_t total = 0, pieces = 0, largest = 0;
    while (true) {
      auto piece = co_await stream->read();
      EXPECT_TRUE(piece);
      if (!piece || piece->empty()) break;
      total += piece->size();
      largest = std::max(largest, piece->size());
      ++pieces;
    }
    EXPECT_EQ(total, 500000u);
    EXPECT_GT(pieces, 1u);
    EXPECT_LE(largest, 16u * 1024);  // one read's worth at a time, never the whole body
    EXPECT_EQ(client.idle_connections(origin), 1u);  // read to the end: back in the pool
  });
}

TEST_P(ClientTest, AResponseToHeadHasNoBody) {
  with_server([](Server&, net::Address origin) -> Task<void> {
    Client client;
    ClientRequest head = ClientRequest::get("/");
    head.method = "HEAD";
    auto response = co_await client.send(origin, std::move(head));
    EXPECT_TRUE(response && response->status == 200 && response->body.empty());
    EXPECT_EQ(response->header("Content-Length"), "13");
    auto next = co_await client.send(origin, ClientRequest::get("/"));  // the connection is still in step
    EXPECT_TRUE(next && next->body == "Hello, World!");
    EXPECT_EQ(client.open_connections(origin), 1u);
  });
}

TEST_P(ClientTest, ABodyOverTheLimitFailsAndClosesTheConnection) {
  with_server([](Server&, net::Address origin) -> Task<void> {
    ClientOptions options;
    options.limits.max_body = 1000;
    Client client(options);
    auto response = co_await client.send(origin, ClientRequest::get("/stream/1"));
    EXPECT_FALSE(response);
    if (!response) {
      EXPECT_EQ(response.error(), make_error_code(errc::limit_exceeded));
    }
    EXPECT_EQ(client.open_connections(origin), 0u);
  });
}

TEST_P(ClientTest, AConnectionTheServerClosesIsNotReused) {
  with_server([](Server& server, net::Address origin) -> Task<void> {
    Client client;
    auto first = co_await client.send(origin, ClientRequest::get("/close"));
    EXPECT_TRUE(first && first->body == "bye");
    EXPECT_EQ(client.open_connections(origin), 0u);
    auto second = co_await client.send(origin, ClientRequest::get("/"));
    EXPECT_TRUE(second && second->status == 200);
    EXPECT_EQ(server.connections_on_this_core(), 1u);
  });
}

TEST_P(ClientTest, AGetOnAConnectionTheServerClosedWhileIdleIsSentAgainOnANewOne) {
  ServerOptions options = server_options();
  options.keepalive_timeout = 1s;
  with_server(
      [](Server&, net::Address origin) -> Task<void> {
        Client client;  // idle_timeout 30 s: the pool still trusts the connection
        auto first = co_await client.send(origin, ClientRequest::get("/"));
        EXPECT_TRUE(first);
        co_await sleep(2s);  // the server closes it meanwhile
        auto second = co_await client.send(origin, ClientRequest::get("/"));
        EXPECT_TRUE(second) << second.error().message();
        if (second) {
      EXPECT_EQ(second->body, "Hello, World!");
    }
        auto post = co_await client.send(origin, ClientRequest::post("/echo", "once"));
        EXPECT_TRUE(post && post->body == "once");
        co_await sleep(2s);
        // A POST is not retried, so it is never sent on a connection already closed.
        auto late_post = co_await client.send(origin, ClientRequest::post("/echo", "late"));
        EXPECT_TRUE(late_post) << late_post.error().message();
        if (late_post) {
      EXPECT_EQ(late_post->body, "late");
    }
      },
      options);
}

TEST_P(ClientTest, AConnectionItsServerSpokeOnWhileIdleIsNotReused) {
  auto body = []() -> Task<void> {
    auto listener = net::TcpListener::bind(net::Address::ipv4_loopback(0)).value();
    const net::Address origin = listener.local_address().value();
    auto server = spawn(serve_parting_408(listener));
    Client client;
    auto first = co_await client.send(origin, ClientRequest::get("/"));
    EXPECT_TRUE(first && first->body == "first");
    co_await sleep(2s);  // the parting 408 has arrived on the pooled connection
    auto second = co_await client.send(origin, ClientRequest::get("/"));
    EXPECT_TRUE(second) << second.error().message();
    if (second) {
      EXPECT_EQ(second->status, 200u);  // not the stale 408 read as this request's answer
      EXPECT_EQ(second->body, "fresh");
    }
    co_await server;
  };
  testing::run(body(), paused_options());
}

TEST_P(ClientTest, AConnectionIdleLongerThanIdleTimeoutIsReplaced) {
  with_server([](Server&, net::Address origin) -> Task<void> {
    ClientOptions options;
    options.idle_timeout = 5s;
    Client client(options);
    EXPECT_TRUE(co_await client.send(origin, ClientRequest::get("/")));
    co_await sleep(6s);
    EXPECT_TRUE(co_await client.send(origin, ClientRequest::get("/")));
    EXPECT_EQ(client.open_connections(origin), 1u);  // the stale one was closed, not kept
  });
}

TEST_P(ClientTest, AResponseSlowerThanResponseTimeoutTimesOut) {
  with_server([](Server&, net::Address origin) -> Task<void> {
    ClientOptions options;
    options.response_timeout = 1s;
    Client client(options);
    auto response = co_await client.send(origin, ClientRequest::get("/sleep/5000"));
    EXPECT_FALSE(response);
    if (!response) {
      EXPECT_EQ(response.error(), make_error_code(errc::timed_out));
    }
    EXPECT_EQ(client.open_connections(origin), 0u);  // not retried, not pooled
    auto fast = co_await client.send(origin, ClientRequest::get("/"));
    EXPECT_TRUE(fast && fast->status == 200);
  });
}

TEST_P(ClientTest, ARequestThatLosesASelectClosesItsConnection) {
  with_server([](Server&, net::Address origin) -> Task<void> {
    Client client;
    auto raced = co_await select(client.send(origin, ClientRequest::get("/sleep/10000")), sleep(1s));
    EXPECT_EQ(raced.index(), 1u);
    EXPECT_EQ(client.open_connections(origin), 0u);
  });
}

TEST_P(ClientTest, RequestsPastTheConnectionLimitWaitTheirTurn) {
  with_server([](Server& server, net::Address origin) -> Task<void> {
    ClientOptions options;
    options.max_connections_per_origin = 1;
    Client client(options);
    auto slow = [&]() -> Task<Result<ClientResponse>> {
      co_return co_await client.send(origin, ClientRequest::get("/sleep/100"));
    };
    // A waiter that gives up leaves the queue and takes nothing with it.
    auto gives_up = [&]() -> Task<bool> {
      auto raced = co_await select(client.send(origin, ClientRequest::get("/")), sleep(50ms));
      co_return raced.index() == 1;
    };
    auto [a, b, c] = co_await join(slow(), slow(), gives_up());
    EXPECT_TRUE(a && a->body == "slept");
    EXPECT_TRUE(b && b->body == "slept");
    EXPECT_TRUE(c);
    EXPECT_EQ(client.open_connections(origin), 1u);
    EXPECT_EQ(server.connections_on_this_core(), 1u);
  });
}

TEST_P(ClientTest, DroppingAStreamBeforeItsEndClosesTheConnection) {
  with_server([](Server&, net::Address origin) -> Task<void> {
    Client client;
    {
      auto stream = co_await client.open(origin, ClientRequest::get("/stream/100"));
      EXPECT_TRUE(stream);
      auto piece = co_await stream->read();
      EXPECT_TRUE(piece && !piece->empty());
    }
    EXPECT_EQ(client.open_connections(origin), 0u);
    auto next = co_await client.send(origin, ClientRequest::get("/"));
    EXPECT_TRUE(next && next->status == 200);
  });
}

TEST_P(ClientTest, AFieldThatWouldSplitTheRequestIsRefusedBeforeSending) {
  with_server([](Server& server, net::Address origin) -> Task<void> {
    Client client;
    ClientRequest request = ClientRequest::get("/");
    request.set("X-Evil", "a\r\nGET /other HTTP/1.1");
    auto response = co_await client.send(origin, std::move(request));
    EXPECT_FALSE(response);
    if (!response) {
      EXPECT_EQ(response.error(), std::errc::invalid_argument);
    }
    ClientRequest bad_target = ClientRequest::get("/a b");
    auto refused = co_await client.send(origin, std::move(bad_target));
    EXPECT_FALSE(refused);
    (void)server;
  });
}

TEST_P(ClientTest, ConnectingToAClosedPortFailsWithConnectionRefused) {
  auto body = []() -> Task<void> {
    net::Address origin = [] {
      auto listener = net::TcpListener::bind(net::Address::ipv4_loopback(0)).value();
      return listener.local_address().value();
    }();  // closed again: nothing listens there now
    Client client;
    auto response = co_await client.send(origin, ClientRequest::get("/"));
    EXPECT_FALSE(response);
    if (!response) {
      EXPECT_EQ(response.error(), std::errc::connection_refused);
    }
    EXPECT_EQ(client.open_connections(origin), 0u);
  };
  testing::run(body(), paused_options());
}

TEST_P(ClientTest, ReadsABodyDelimitedByTheServerClosing) {
  with_raw_server("HTTP/1.0 200 OK\r\nX-A: 1\r\n\r\nuntil the end", [](net::Address origin) -> Task<void> {
    Client client;
    auto response = co_await client.send(origin, ClientRequest::get("/"));
    EXPECT_TRUE(response) << response.error().message();
    if (!response) co_return;
    EXPECT_EQ(response->body, "until the end");
    EXPECT_EQ(response->version_minor, 0u);
    EXPECT_EQ(client.open_connections(origin), 0u);
  });
}

TEST_P(ClientTest, SkipsAnInterimResponse) {
  with_raw_server("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok",
                  [](net::Address origin) -> Task<void> {
                    Client client;
                    auto response = co_await client.send(origin, ClientRequest::get("/"));
                    EXPECT_TRUE(response && response->status == 201 && response->body == "ok");
                  });
}

TEST_P(ClientTest, AMalformedResponseFailsWithBadMessage) {
  with_raw_server("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
                  [](net::Address origin) -> Task<void> {
                    Client client;
                    auto response = co_await client.send(origin, ClientRequest::get("/"));
                    EXPECT_FALSE(response);
                    if (!response) {
      EXPECT_EQ(response.error(), std::errc::bad_message);
    }
                    EXPECT_EQ(client.open_connections(origin), 0u);
                  });
}

TEST_P(ClientTest, AResponseCutShortFailsWithBadMessage) {
  with_raw_server("HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nonly this", [](net::Address origin) -> Task<void> {
    Client client;
    auto response = co_await client.send(origin, ClientRequest::get("/"));
    EXPECT_FALSE(response);
    if (!response) {
      EXPECT_EQ(response.error(), std::errc::bad_message);
    }
  });
}

TEST_P(ClientTest, AClientUsedFromASecondCoreThrows) {
  auto body = []() -> Task<void> {
    Client client;
    const auto origin = net::Address::ipv4_loopback(9);
    (void)co_await select(client.send(origin, ClientRequest::get("/")), sleep(1ms));  // core 0 owns it now
    auto elsewhere = [&client, origin]() -> Task<bool> {
      try {
        (void)co_await client.send(origin, ClientRequest::get("/"));
      } catch (const std::logic_error&) {
        co_return true;
      }
      co_return false;
    };
    const bool threw = co_await submit_to(1, std::move(elsewhere));
    EXPECT_TRUE(threw);
  };
  testing::run(body(), options(2));
}

}  // namespace
}  // namespace weft::http
