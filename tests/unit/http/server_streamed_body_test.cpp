// ServerOptions::stream_request_bodies: handlers get the request at the end of its
// head and read the body through Request::body_reader, piece by piece. Real sockets on
// 127.0.0.1, both backends, paused clock; the client is a RawClient.
#include <weft/http/body_reader.hpp>
#include <weft/http/peer_address.hpp>
#include <weft/http/server.hpp>

#include <weft/testing/backends.hpp>
#include <weft/testing/run.hpp>

#include "raw_client.hpp"

#include <gtest/gtest.h>

#include <string>

namespace weft::http {
namespace {

using namespace std::chrono_literals;
using testing_support::RawClient;

ServerOptions streaming_options() {
  ServerOptions options;
  options.listen = net::Address::ipv4_loopback(0);
  options.stream_request_bodies = true;
  options.limits.max_body = 1 << 20;
  return options;
}

// "<bytes> <pieces> <largest piece>" or "error: <message>".
Task<Response> count_body(Request& request) {
  std::size_t bytes = 0, pieces = 0, largest = 0;
  bool only_x = true;
  while (true) {
    auto piece = co_await request.body_reader->read();
    if (!piece) co_return Response::text("error: " + piece.error().message(), 502);
    if (piece->empty()) break;
    bytes += piece->size();
    largest = std::max(largest, piece->size());
    only_x = only_x && piece->find_first_not_of('x') == std::string_view::npos;
    ++pieces;
  }
  EXPECT_TRUE(request.body.empty());
  EXPECT_TRUE(only_x);
  co_return Response::text(std::to_string(bytes) + " " + std::to_string(pieces) + " " + std::to_string(largest));
}

Router streaming_router() {
  Router router;
  router.post("/count", count_body);
  router.post("/refuse", [](Request&) -> Task<Response> { co_return Response::of_status(403); });
  router.get("/peer", [](Request& request) -> Task<Response> {
    auto peer = peer_address(request);
    co_return Response::text(peer ? peer->host() : "unknown");
  });
  return router;
}

class ServerStreamedBodyTest : public testing::IoTest {
 protected:
  template <class F>
  void with_server(F test) {
    auto body = [&]() -> Task<void> {
      Server server(streaming_options(), streaming_router());
      co_await server.start();
      co_await test(server);
      co_await server.stop();
    };
    testing::run(body(), paused_options());
  }
};
WEFT_INSTANTIATE_BACKENDS(ServerStreamedBodyTest);

TEST_P(ServerStreamedBodyTest, ABodyArrivesInPiecesAndThePipelinedRequestAfterItIsServed) {
  with_server([](Server& server) -> Task<void> {
    RawClient client = co_await RawClient::connect(server);
    const std::string body(600000, 'x');  // several reads' worth
    co_await client.send("POST /count HTTP/1.1\r\nHost: t\r\nContent-Length: 600000\r\n\r\n");
    co_await client.send(body);
    co_await client.send("GET /peer HTTP/1.1\r\nHost: t\r\n\r\n");
    auto counted = co_await client.reply();
    EXPECT_TRUE(counted && counted->status == 200);
    if (!counted) co_return;
    std::size_t bytes = 0, pieces = 0, largest = 0;
    std::sscanf(counted->body.c_str(), "%zu %zu %zu", &bytes, &pieces, &largest);
    EXPECT_EQ(bytes, 600000u);
    EXPECT_GT(pieces, 1u);
    EXPECT_LE(largest, 16u * 1024);  // never more than one read buffer at a time
    EXPECT_FALSE(counted->has("Connection: close"));
    auto peer = co_await client.reply();
    EXPECT_TRUE(peer && peer->body == "127.0.0.1");
  });
}

TEST_P(ServerStreamedBodyTest, AChunkedBodyIsDechunkedPieceByPiece) {
  with_server([](Server& server) -> Task<void> {
    RawClient client = co_await RawClient::connect(server);
    co_await client.send(
        "POST /count HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
        "3\r\nxxx\r\n5\r\nxxxxx\r\n0\r\n\r\n");
    auto counted = co_await client.reply();
    EXPECT_TRUE(counted && counted->body.starts_with("8 "));
  });
}

TEST_P(ServerStreamedBodyTest, ExpectContinueIsAnsweredOnlyWhenTheHandlerReads) {
  with_server([](Server& server) -> Task<void> {
    RawClient reader = co_await RawClient::connect(server);
    co_await reader.send("POST /count HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n");
    auto interim = co_await reader.reply();
    EXPECT_TRUE(interim && interim->status == 100);
    co_await reader.send("xxx");
    auto counted = co_await reader.reply();
    EXPECT_TRUE(counted && counted->body == "3 1 3");

    RawClient refused = co_await RawClient::connect(server);
    co_await refused.send("POST /refuse HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n");
    auto answer = co_await refused.reply();
    EXPECT_TRUE(answer && answer->status == 403);  // no 100 first: the body is never asked for
    EXPECT_TRUE(answer && answer->has("Connection: close"));
  });
}

TEST_P(ServerStreamedBodyTest, ABodyLeftUnreadClosesTheConnectionAfterTheResponse) {
  with_server([](Server& server) -> Task<void> {
    RawClient client = co_await RawClient::connect(server);
    co_await client.send("POST /refuse HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nxx");
    auto answer = co_await client.reply();
    EXPECT_TRUE(answer && answer->status == 403 && answer->has("Connection: close"));
    const bool closed = co_await client.closed_by_server();
    EXPECT_TRUE(closed);
  });
}

TEST_P(ServerStreamedBodyTest, ABodyPastMaxBodyFailsTheReadAndAContentLengthPastItGets413) {
  with_server([](Server& server) -> Task<void> {
    RawClient chunked = co_await RawClient::connect(server);
    co_await chunked.send("POST /count HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n");
    const std::string chunk(512 * 1024, 'x');
    for (int i = 0; i < 3; ++i) co_await chunked.send("80000\r\n" + chunk + "\r\n");
    auto failed = co_await chunked.reply();
    EXPECT_TRUE(failed && failed->status == 502 && failed->body.find("error:") == 0);
    EXPECT_TRUE(failed && failed->has("Connection: close"));

    RawClient declared = co_await RawClient::connect(server);
    co_await declared.send("POST /count HTTP/1.1\r\nHost: t\r\nContent-Length: 2000000\r\n\r\n");
    auto refused = co_await declared.reply();
    EXPECT_TRUE(refused && refused->status == 413);
  });
}

TEST_P(ServerStreamedBodyTest, ABodyThatStopsArrivingTimesOutTheRead) {
  with_server([](Server& server) -> Task<void> {
    RawClient client = co_await RawClient::connect(server);
    co_await client.send("POST /count HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nxxx");
    auto failed = co_await client.reply();  // body_timeout (30 s) passes at once on the paused clock
    EXPECT_TRUE(failed && failed->status == 502);
    EXPECT_TRUE(failed && failed->body.find("timed out") != std::string::npos) << (failed ? failed->body : "");
  });
}

}  // namespace
}  // namespace weft::http
