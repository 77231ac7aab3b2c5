// RequestParser behaviour the golden cases cannot show: the API contract around a
// request (sticky errors, reset, finish, headers_complete for 100-continue, consumed
// bytes, storage that outlives the caller's buffers). The framing rules themselves
// are specified by tests/unit/http/cases.
#include "http/parser.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace weft::http {
namespace {

using Kind = ParseResult::Kind;

ParseResult feed(RequestParser& parser, std::string_view bytes) { return parser.feed(bytes); }

constexpr std::string_view kGet = "GET /a?b=c HTTP/1.1\r\nHost: example.com\r\nX-Empty:\r\n\r\n";

TEST(RequestParser, CompleteRequestReportsItsBytesAndLeavesTheRest) {
  RequestParser parser;
  const std::string two = std::string(kGet) + "GET /next HTTP/1.1\r\nHost: x\r\n\r\n";
  const auto first = feed(parser, two);
  ASSERT_EQ(first.kind, Kind::complete);
  EXPECT_EQ(first.consumed, kGet.size());
  EXPECT_EQ(parser.request().path, "/a");
  EXPECT_EQ(parser.request().query, "b=c");
  EXPECT_EQ(parser.request().header("x-empty"), "");
  const auto second = feed(parser, std::string_view(two).substr(first.consumed));
  ASSERT_EQ(second.kind, Kind::complete);
  EXPECT_EQ(second.consumed, two.size() - kGet.size());
  EXPECT_EQ(parser.request().path, "/next");
}

TEST(RequestParser, ViewsStayValidAfterTheCallersBufferIsGone) {
  RequestParser parser;
  {
    std::string first(kGet.substr(0, 20));
    ASSERT_EQ(feed(parser, first).kind, Kind::need_more);
    first.assign(first.size(), '#');  // the connection reuses its read buffer
  }
  std::string rest(kGet.substr(20));
  ASSERT_EQ(feed(parser, rest).kind, Kind::complete);
  rest.assign(rest.size(), '#');
  EXPECT_EQ(parser.request().target, "/a?b=c");
  EXPECT_EQ(parser.request().header("Host"), "example.com");
}

TEST(RequestParser, ErrorsAreStickyUntilReset) {
  RequestParser parser;
  const auto bad = feed(parser, "GET / HTTP/1.1\nHost: x\r\n\r\n");
  ASSERT_EQ(bad.kind, Kind::error);
  EXPECT_EQ(bad.status, 400);
  const auto again = feed(parser, kGet);
  EXPECT_EQ(again.kind, Kind::error);
  EXPECT_EQ(again.reason, bad.reason);
  EXPECT_EQ(parser.finish().kind, Kind::error);
  parser.reset();
  EXPECT_EQ(feed(parser, kGet).kind, Kind::complete);
}

TEST(RequestParser, ResetDropsAPartialRequest) {
  RequestParser parser;
  ASSERT_EQ(feed(parser, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc").kind, Kind::need_more);
  parser.reset();
  ASSERT_EQ(feed(parser, kGet).kind, Kind::complete);
  EXPECT_EQ(parser.request().method, "GET");
  EXPECT_TRUE(parser.request().body.empty());
}

// A pooled parser is reset between connections: the next connection's request must
// not see the last one's fields, nor the last one's `Connection: close`.
TEST(RequestParser, ResetAfterACompleteRequestLeavesNothingOfIt) {
  RequestParser parser;
  ASSERT_EQ(feed(parser, kGet).kind, Kind::complete);
  parser.reset();
  ASSERT_EQ(feed(parser, "GET /n HTTP/1.1\r\nHost: y\r\n\r\n").kind, Kind::complete);
  EXPECT_EQ(parser.request().path, "/n");
  EXPECT_EQ(parser.request().headers.size(), 1u);
  EXPECT_FALSE(parser.request().header("X-Empty").has_value());

  ASSERT_EQ(feed(parser, "GET /c HTTP/1.1\r\nHost: y\r\nConnection: close\r\n\r\n").kind, Kind::complete);
  EXPECT_FALSE(parser.request().keep_alive);
  parser.reset();
  ASSERT_EQ(feed(parser, "GET /k HTTP/1.1\r\nHost: y\r\n\r\n").kind, Kind::complete);
  EXPECT_TRUE(parser.request().keep_alive);
}

// A request that only llhttp parses (it has a body) after the reset: llhttp itself must
// start over, not read the new head as the rest of the old body.
TEST(RequestParser, ResetStartsLlhttpOverToo) {
  RequestParser parser;
  ASSERT_EQ(feed(parser, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc").kind, Kind::need_more);
  parser.reset();
  const auto next = feed(parser, "POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok");
  ASSERT_EQ(next.kind, Kind::complete);
  EXPECT_EQ(parser.request().path, "/b");
  EXPECT_EQ(parser.request().body, "ok");
}

TEST(RequestParser, HeadersCompleteBeforeTheBodySoContinueCanBeSent) {
  RequestParser parser;
  const auto head = feed(parser, "PUT /up HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
  ASSERT_EQ(head.kind, Kind::need_more);
  EXPECT_TRUE(parser.headers_complete());
  EXPECT_TRUE(parser.request().expects_continue);
  EXPECT_EQ(parser.request().path, "/up");
  ASSERT_EQ(feed(parser, "hel").kind, Kind::need_more);
  const auto done = feed(parser, "lo");
  ASSERT_EQ(done.kind, Kind::complete);
  EXPECT_FALSE(parser.headers_complete());
  EXPECT_EQ(parser.request().body, "hello");
}

TEST(RequestParser, TooLargeContentLengthIsRefusedBeforeTheBodyArrives) {
  RequestParser parser(Limits{.max_body = 4});
  const auto result = feed(parser, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n");
  ASSERT_EQ(result.kind, Kind::error);
  EXPECT_EQ(result.status, 413);
}

TEST(RequestParser, FinishBetweenRequestsIsACleanEnd) {
  RequestParser parser;
  EXPECT_EQ(parser.finish().kind, Kind::end);
  RequestParser after_request;
  ASSERT_EQ(feed(after_request, kGet).kind, Kind::complete);
  EXPECT_EQ(after_request.finish().kind, Kind::end);
}

TEST(RequestParser, FinishInsideARequestIsAnError) {
  RequestParser parser;
  ASSERT_EQ(feed(parser, "GET / HT").kind, Kind::need_more);
  const auto result = parser.finish();
  ASSERT_EQ(result.kind, Kind::error);
  EXPECT_EQ(result.status, 400);
}

TEST(RequestParser, BytesAfterFinishAreAnError) {
  RequestParser parser;
  ASSERT_EQ(parser.finish().kind, Kind::end);
  EXPECT_EQ(feed(parser, kGet).kind, Kind::error);
}

TEST(RequestParser, BytesAfterAClosingRequestAreAnError) {
  RequestParser parser;
  ASSERT_EQ(feed(parser, "GET / HTTP/1.0\r\n\r\n").kind, Kind::complete);
  EXPECT_FALSE(parser.request().keep_alive);
  EXPECT_EQ(feed(parser, kGet).kind, Kind::error);
}

TEST(RequestParser, BodyCanBeMovedOutAndTheNextRequestStartsEmpty) {
  RequestParser parser;
  const std::string post = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc";
  ASSERT_EQ(feed(parser, post).kind, Kind::complete);
  const std::string body = std::move(parser.request().body);
  EXPECT_EQ(body, "abc");
  ASSERT_EQ(feed(parser, kGet).kind, Kind::complete);
  EXPECT_TRUE(parser.request().body.empty());
}

TEST(RequestParser, EmptyFeedNeedsMore) {
  RequestParser parser;
  const auto result = feed(parser, "");
  EXPECT_EQ(result.kind, Kind::need_more);
  EXPECT_EQ(result.consumed, 0u);
}

}  // namespace
}  // namespace weft::http
