// Response helpers and the serialisation of a response head.
#include <weft/http/response.hpp>

#include "http/response_head.hpp"

#include <gtest/gtest.h>

#include <string>

namespace weft::http {
namespace {

using detail::Framing;
using detail::HeadFacts;

std::string head_of(const Response& response, HeadFacts facts) {
  std::string out;
  detail::append_head(out, response, facts);
  return out;
}

// The head with its Date line (which changes every second) replaced by "Date: *".
std::string without_date(std::string head) {
  const auto at = head.find("Date: ");
  if (at != std::string::npos) head.replace(at, head.find("\r\n", at) - at, "Date: *");
  return head;
}

TEST(Response, TextAndJsonSetBodyStatusAndContentType) {
  const Response text = Response::text("hi", 201);
  EXPECT_EQ(text.status, 201);
  EXPECT_EQ(text.body, "hi");
  EXPECT_EQ(text.content_type, "text/plain");
  EXPECT_EQ(Response::json("{}").content_type, "application/json");
  EXPECT_EQ(Response::of_status(404).body, "404 Not Found\n");
}

TEST(Response, HeaderLookupIgnoresCase) {
  Response response;
  response.set("X-One", "1").set("x-two", "2");
  EXPECT_EQ(response.header("x-one"), "1");
  EXPECT_EQ(response.header("X-TWO"), "2");
  EXPECT_FALSE(response.header("x-three"));
}

TEST(Response, ReasonPhrases) {
  EXPECT_EQ(reason_phrase(200), "OK");
  EXPECT_EQ(reason_phrase(413), "Content Too Large");
  EXPECT_EQ(reason_phrase(431), "Request Header Fields Too Large");
  EXPECT_EQ(reason_phrase(599), "Unknown");
}

TEST(ResponseHead, ServerFieldsComeFirstThenTheResponsesOwn) {
  Response response = Response::text("Hello");
  response.set("X-Id", "7");
  HeadFacts facts;
  facts.framing = Framing::length;
  facts.content_length = 5;
  facts.server_line = "Server: weft\r\n";
  EXPECT_EQ(without_date(head_of(response, facts)),
            "HTTP/1.1 200 OK\r\nServer: weft\r\nDate: *\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n"
            "X-Id: 7\r\n\r\n");
}

TEST(ResponseHead, ConnectionFieldsFollowTheFacts) {
  Response response;
  HeadFacts facts;
  facts.framing = Framing::chunked;
  facts.close = true;
  EXPECT_EQ(without_date(head_of(response, facts)),
            "HTTP/1.1 200 OK\r\nDate: *\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
  facts.close = false;
  facts.keep_alive_field = true;
  facts.framing = Framing::none;
  response.status = 204;
  EXPECT_EQ(without_date(head_of(response, facts)), "HTTP/1.1 204 No Content\r\nDate: *\r\nConnection: keep-alive\r\n\r\n");
}

TEST(ResponseHead, FieldsTheServerOwnsAreDroppedAndDateServerMayBeReplaced) {
  Response response;
  response.set("Content-Length", "99").set("Transfer-Encoding", "gzip").set("connection", "close");
  response.set("Date", "yesterday").set("Server", "mine");
  HeadFacts facts;
  facts.server_line = "Server: weft\r\n";
  facts.content_length = 0;
  EXPECT_EQ(head_of(response, facts),
            "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nDate: yesterday\r\nServer: mine\r\n\r\n");
  EXPECT_TRUE(detail::asks_to_close(response));
}

TEST(ResponseHead, TheDateFieldIsAnImfFixdate) {
  HeadFacts facts;
  facts.framing = Framing::none;
  const std::string head = head_of(Response{}, facts);
  const auto at = head.find("Date: ") + 6;
  const std::string date = head.substr(at, head.find("\r\n", at) - at);
  ASSERT_EQ(date.size(), 29u) << date;
  EXPECT_EQ(date.substr(3, 2), ", ");
  EXPECT_EQ(date.substr(25), " GMT");
  EXPECT_EQ(date[19], ':');
  EXPECT_EQ(date[22], ':');
}

TEST(ResponseHead, FieldsThatCouldSplitAResponseAreInvalid) {
  EXPECT_TRUE(detail::fields_are_valid(Response::text("ok")));
  for (const auto& [name, value] : std::initializer_list<std::pair<std::string, std::string>>{
           {"X-A", "a\r\nSet-Cookie: x"}, {"X-B", std::string("b\0c", 3)}, {"X C", "v"}, {"", "v"}, {"X:D", "v"},
           {"X-E", "line\n"}}) {
    Response response;
    response.set(name, value);
    EXPECT_FALSE(detail::fields_are_valid(response)) << name;
  }
  Response bad_type = Response::text("x");
  bad_type.content_type = "text/plain\r\nX: y";
  EXPECT_FALSE(detail::fields_are_valid(bad_type));
  Response bad_status;
  bad_status.status = 99;
  EXPECT_FALSE(detail::fields_are_valid(bad_status));
  bad_status.status = 600;
  EXPECT_FALSE(detail::fields_are_valid(bad_status));
}

// Values are checked eight bytes at a time: every byte value at every place in a
// 24-byte value (three words, each alignment) must get the byte-by-byte answer.
TEST(ResponseHead, EveryByteAtEveryPlaceOfAValueGetsTheSameVerdict) {
  for (int byte = 0; byte < 256; ++byte) {
    const bool splits = byte == '\r' || byte == '\n' || byte == '\0';
    for (std::size_t at = 0; at < 24; ++at) {
      std::string value(24, 'v');
      value[at] = static_cast<char>(byte);
      Response response = Response::text("x");
      response.set("X-Value", value);
      ASSERT_EQ(detail::fields_are_valid(response), !splits) << "byte " << byte << " at " << at;
      response = Response::text("x");
      response.content_type = value;
      ASSERT_EQ(detail::fields_are_valid(response), !splits) << "Content-Type byte " << byte << " at " << at;
    }
  }
}

}  // namespace
}  // namespace weft::http
