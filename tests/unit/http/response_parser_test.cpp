// ResponseParser (framework/src/http/response_parser.hpp): the framing rules as a table
// of cases, each fed whole, split into two reads at every byte offset, and one byte at
// a time, all three giving the case's expected trace; then the API contract around a
// response (sticky errors, reset, the HEAD expectation, storage that outlives the
// caller's buffers).
#include "http/response_parser.hpp"

#include "response_trace.hpp"

#include <gtest/gtest.h>

#include <ostream>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace weft::http {
namespace {

using Kind = ResponseParseResult::Kind;

// One behaviour: `input` is the byte stream from the server; `heads` says, per final
// response in order, whether it answers a HEAD request ('H') or not ('G', the default
// past its end). `expect` is the trace response_trace.hpp renders (its comment lists
// the lines).
struct Case {
  const char* name;
  std::string_view input;
  std::string_view expect;
  std::string_view heads = "";
  Limits limits = {};
};

// The driver and the trace format are shared with the fuzz target (response_trace.hpp).
std::string run_trace(const std::vector<std::string_view>& chunks, const Case& c) {
  return golden::run_response_trace(chunks, {.limits = c.limits, .heads = c.heads});
}

// clang-format off
const Case kCases[] = {
    // Framing: Content-Length, chunked, until close; pipelining.
    {"content_length_body",
     "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
     "response HTTP/1.1 200\n  reason OK\n  header Content-Length: 5\n  body hello\n  framing content-length\n"
     "  keep-alive yes\n  bytes 43\nend\n"},
    {"content_length_zero_and_trimmed_values",
     "HTTP/1.1 200 OK\r\nContent-Length:\t0 \r\nX-Empty:\r\n\r\n",
     "response HTTP/1.1 200\n  reason OK\n  header Content-Length: 0\n  header X-Empty:\n  framing content-length\n"
     "  keep-alive yes\n  bytes 49\nend\n"},
    {"pipelined_responses",
     "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
     "HTTP/1.1 204 No Content\r\n\r\n"
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
     "response HTTP/1.1 200\n  reason OK\n  header Content-Length: 2\n  body ok\n  framing content-length\n"
     "  keep-alive yes\n  bytes 40\n"
     "response HTTP/1.1 204\n  reason No Content\n  framing none\n  keep-alive yes\n  bytes 27\n"
     "response HTTP/1.1 200\n  reason OK\n  header Transfer-Encoding: chunked\n  body abc\n  framing chunked\n"
     "  keep-alive yes\n  bytes 60\nend\n"},
    {"chunked_with_extensions_and_trailers",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Checksum: abc\r\n\r\n",
     "response HTTP/1.1 200\n  reason OK\n  header Transfer-Encoding: chunked\n  body hello world\n  framing chunked\n"
     "  keep-alive yes\n  bytes 96\nend\n"},
    {"chunked_any_case",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: ChUnKeD\r\n\r\n2\r\nok\r\n0\r\n\r\n",
     "response HTTP/1.1 200\n  reason OK\n  header Transfer-Encoding: ChUnKeD\n  body ok\n  framing chunked\n"
     "  keep-alive yes\n  bytes 59\nend\n"},
    {"until_close_body_ends_at_eof",
     "HTTP/1.1 200 OK\r\n\r\nuntil the end",
     "response HTTP/1.1 200\n  reason OK\n  body until the end\n  framing until-close\n  keep-alive no\n  bytes 32\n"
     "end at eof\n"},
    {"until_close_empty_body_in_http10",
     "HTTP/1.0 200 OK\r\n\r\n",
     "response HTTP/1.0 200\n  reason OK\n  framing until-close\n  keep-alive no\n  bytes 19\nend at eof\n"},
    {"until_close_even_with_keep_alive",
     "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\nabc",
     "response HTTP/1.0 200\n  reason OK\n  header Connection: keep-alive\n  body abc\n  framing until-close\n"
     "  keep-alive no\n  bytes 46\nend at eof\n"},

    // Responses without a body.
    {"continue_then_ok",
     "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
     "response HTTP/1.1 100\n  reason Continue\n  interim\n  framing none\n  keep-alive yes\n  bytes 25\n"
     "response HTTP/1.1 200\n  reason OK\n  header Content-Length: 2\n  body ok\n  framing content-length\n"
     "  keep-alive yes\n  bytes 40\nend\n"},
    {"interim_ignores_content_length",
     "HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\nContent-Length: 5\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
     "response HTTP/1.1 103\n  reason Early Hints\n  header Link: </a.css>\n  header Content-Length: 5\n  interim\n"
     "  framing none\n  keep-alive yes\n  bytes 63\n"
     "response HTTP/1.1 204\n  reason No Content\n  framing none\n  keep-alive yes\n  bytes 27\nend\n"},
    {"interim_with_connection_close_closes",
     "HTTP/1.1 100 Continue\r\nConnection: close\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
     "response HTTP/1.1 100\n  reason Continue\n  header Connection: close\n  interim\n  framing none\n"
     "  keep-alive no\n  bytes 44\nclose 27 bytes unread\n"},
    {"head_response_ignores_content_length",
     "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
     "response HTTP/1.1 200\n  reason OK\n  header Content-Length: 5\n  framing none\n  keep-alive yes\n  bytes 38\n"
     "response HTTP/1.1 200\n  reason OK\n  header Content-Length: 2\n  body ok\n  framing content-length\n"
     "  keep-alive yes\n  bytes 40\nend\n",
     "HG"},
    {"head_response_ignores_chunked_and_body_limit",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n",
     "response HTTP/1.1 200\n  reason OK\n  header Transfer-Encoding: chunked\n  framing none\n  keep-alive yes\n"
     "  bytes 47\nresponse HTTP/1.1 200\n  reason OK\n  header Content-Length: 99\n  framing none\n  keep-alive yes\n"
     "  bytes 39\nend\n",
     "HH", Limits{.max_body = 4}},
    {"head_expectation_survives_interim",
     "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n",
     "response HTTP/1.1 100\n  reason Continue\n  interim\n  framing none\n  keep-alive yes\n  bytes 25\n"
     "response HTTP/1.1 200\n  reason OK\n  header Content-Length: 5\n  framing none\n  keep-alive yes\n  bytes 38\nend\n",
     "H"},
    {"no_content_ignores_content_length",
     "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
     "response HTTP/1.1 204\n  reason No Content\n  header Content-Length: 5\n  framing none\n  keep-alive yes\n"
     "  bytes 46\nresponse HTTP/1.1 200\n  reason OK\n  header Content-Length: 0\n  framing content-length\n"
     "  keep-alive yes\n  bytes 38\nend\n"},
    {"not_modified_ignores_content_length_and_chunked",
     "HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n"
     "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n",
     "response HTTP/1.1 304\n  reason Not Modified\n  header Content-Length: 5\n  framing none\n  keep-alive yes\n"
     "  bytes 48\nresponse HTTP/1.1 304\n  reason Not Modified\n  header Transfer-Encoding: chunked\n  framing none\n"
     "  keep-alive yes\n  bytes 57\nend\n"},

    // Keep-alive.
    {"http10_closes_by_default",
     "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.0",
     "response HTTP/1.0 200\n  reason OK\n  header Content-Length: 2\n  body ok\n  framing content-length\n"
     "  keep-alive no\n  bytes 40\nclose 8 bytes unread\n"},
    {"http10_keep_alive",
     "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok",
     "response HTTP/1.0 200\n  reason OK\n  header Connection: keep-alive\n  header Content-Length: 2\n  body ok\n"
     "  framing content-length\n  keep-alive yes\n  bytes 64\nend\n"},
    {"http11_connection_close",
     "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nokHTTP",
     "response HTTP/1.1 200\n  reason OK\n  header Connection: close\n  header Content-Length: 2\n  body ok\n"
     "  framing content-length\n  keep-alive no\n  bytes 59\nclose 4 bytes unread\n"},

    // End of stream.
    {"empty_stream", "", "end\n"},
    {"eof_in_status_line", "HTTP/1.1 2", "error response cut short by the end of the stream\n"},
    {"eof_in_header_section", "HTTP/1.1 200 OK\r\nContent-Le",
     "error response cut short by the end of the stream\n"},
    {"eof_in_content_length_body", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel",
     "error response cut short by the end of the stream\n"},
    {"eof_in_chunked_body", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
     "error response cut short by the end of the stream\n"},
    {"eof_in_trailers", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: y\r\n",
     "error response cut short by the end of the stream\n"},

    // Framing errors.
    {"content_length_and_transfer_encoding",
     "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n",
     "error Content-Length can't be present with Transfer-Encoding\n"},
    {"transfer_encoding_and_content_length",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n",
     "error Content-Length can't be present with Transfer-Encoding\n"},
    {"duplicate_content_length", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok",
     "error Duplicate Content-Length\n"},
    {"content_length_list", "HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nok", "error Invalid character in Content-Length\n"},
    {"content_length_not_a_number", "HTTP/1.1 200 OK\r\nContent-Length: two\r\n\r\nok", "error Invalid character in Content-Length\n"},
    {"content_length_negative", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "error Invalid character in Content-Length\n"},
    {"content_length_with_sign", "HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\nok", "error Invalid character in Content-Length\n"},
    {"content_length_empty", "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", "error Empty Content-Length\n"},
    {"content_length_overflow", "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n", "error Content-Length overflow\n"},
    {"transfer_encoding_gzip", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nabc",
     "error Transfer-Encoding other than chunked\n"},
    {"transfer_encoding_gzip_then_chunked",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
     "error Transfer-Encoding other than chunked\n"},
    {"transfer_encoding_chunked_twice",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
     "error Transfer-Encoding other than chunked\n"},
    {"transfer_encoding_in_http10", "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
     "error Transfer-Encoding in an HTTP/1.0 response\n"},
    {"switching_protocols",
     "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n",
     "error 101 Switching Protocols is not supported\n"},
    {"chunk_size_not_hex", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "error Invalid character in chunk size\n"},
    {"chunk_data_without_crlf", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokX", "error Expected CRLF after chunk\n"},

    // Line syntax.
    {"bare_lf_after_status_line", "HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n", "error bare LF without CR\n"},
    {"bare_cr_after_status_line", "HTTP/1.1 200 OK\rContent-Length: 0\r\n\r\n",
     "error bare CR not followed by LF\n"},
    {"bare_lf_after_header", "HTTP/1.1 200 OK\r\nContent-Length: 0\n\r\n", "error bare LF without CR\n"},
    {"bare_cr_in_header_value", "HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n", "error bare CR not followed by LF\n"},
    {"bare_lf_empty_line", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\n", "error bare LF without CR\n"},
    {"bare_lf_in_trailers", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: y\n\r\n",
     "error bare LF without CR\n"},
    {"obs_fold", "HTTP/1.1 200 OK\r\nX: a\r\n b\r\nContent-Length: 0\r\n\r\n",
     "error obsolete line folding or whitespace before a header name\n"},
    {"whitespace_before_colon", "HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n",
     "error whitespace before header colon\n"},
    {"control_char_in_header_value", "HTTP/1.1 200 OK\r\nX: a\x01" "b\r\n\r\n",
     "error control character in header value\n"},
    {"control_char_in_header_name", "HTTP/1.1 200 OK\r\nX\x01: a\r\n\r\n", "error invalid character in header name\n"},
    {"control_char_in_reason", "HTTP/1.1 200 O\x01K\r\n\r\n", "error control character in reason phrase\n"},
    {"delete_in_reason", "HTTP/1.1 200 O\x7fK\r\n\r\n", "error control character in reason phrase\n"},
    {"obs_text_in_reason",
     "HTTP/1.1 200 \xc3\xa9t\xc3\xa9\tok\r\nContent-Length: 0\r\n\r\n",
     "response HTTP/1.1 200\n  reason \\xc3\\xa9t\\xc3\\xa9\\tok\n  header Content-Length: 0\n"
     "  framing content-length\n  keep-alive yes\n  bytes 44\nend\n"},
    {"empty_reason",
     "HTTP/1.1 599 \r\nContent-Length: 0\r\n\r\n",
     "response HTTP/1.1 599\n  header Content-Length: 0\n  framing content-length\n  keep-alive yes\n  bytes 36\nend\n"},
    {"missing_space_after_status_code", "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n",
     "error status code without SP after it\n"},
    {"status_code_two_digits", "HTTP/1.1 20 OK\r\n\r\n", "error status code not three digits\n"},
    {"status_code_four_digits", "HTTP/1.1 2000 OK\r\n\r\n", "error status code longer than three digits\n"},
    {"status_code_below_100", "HTTP/1.1 099 Low\r\n\r\n", "error status code out of range\n"},
    {"status_code_above_599", "HTTP/1.1 600 High\r\n\r\n", "error status code out of range\n"},
    {"double_space_before_status_code", "HTTP/1.1  200 OK\r\n\r\n", "error status code not three digits\n"},
    {"lowercase_version", "http/1.1 200 OK\r\n\r\n", "error malformed HTTP version\n"},
    {"not_http", "ICY 200 OK\r\n\r\n", "error malformed HTTP version\n"},
    {"version_2", "HTTP/2.0 200 OK\r\n\r\n", "error HTTP version not supported\n"},
    {"version_1_2", "HTTP/1.2 200 OK\r\n\r\n", "error HTTP version not supported\n"},
    {"version_without_minor", "HTTP/1 200 OK\r\n\r\n", "error malformed HTTP version\n"},
    {"empty_line_before_status_line", "\r\nHTTP/1.1 204 No Content\r\n\r\n", "error malformed HTTP version\n"},
    {"bare_lf_before_status_line", "\nHTTP/1.1 204 No Content\r\n\r\n", "error bare LF without CR\n"},

    // Limits.
    {"status_line_at_limit", "HTTP/1.1 204 No\r\n\r\n",
     "response HTTP/1.1 204\n  reason No\n  framing none\n  keep-alive yes\n  bytes 19\nend\n",
     "", Limits{.max_request_line = 15}},
    {"status_line_over_limit", "HTTP/1.1 204 Nop\r\n\r\n", "error status line too long\n",
     "", Limits{.max_request_line = 15}},
    {"header_bytes_at_limit", "HTTP/1.1 204 No Content\r\nX: 12\r\n\r\n",
     "response HTTP/1.1 204\n  reason No Content\n  header X: 12\n  framing none\n  keep-alive yes\n  bytes 34\nend\n",
     "", Limits{.max_header_bytes = 7}},
    {"header_bytes_over_limit", "HTTP/1.1 204 No Content\r\nX: 123\r\n\r\n", "error header section too large\n",
     "", Limits{.max_header_bytes = 7}},
    {"too_many_headers", "HTTP/1.1 204 No Content\r\nA: 1\r\nB: 2\r\n\r\n", "error too many header fields\n",
     "", Limits{.max_headers = 1}},
    {"trailers_count_towards_max_headers",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: y\r\n\r\n", "error too many header fields\n",
     "", Limits{.max_headers = 1}},
    {"content_length_over_max_body", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", "error body too large\n",
     "", Limits{.max_body = 4}},
    {"content_length_at_max_body", "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabcd",
     "response HTTP/1.1 200\n  reason OK\n  header Content-Length: 4\n  body abcd\n  framing content-length\n"
     "  keep-alive yes\n  bytes 42\nend\n",
     "", Limits{.max_body = 4}},
    {"chunked_over_max_body",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n", "error body too large\n",
     "", Limits{.max_body = 4}},
    {"chunked_at_max_body",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n1\r\nd\r\n0\r\n\r\n",
     "response HTTP/1.1 200\n  reason OK\n  header Transfer-Encoding: chunked\n  body abcd\n  framing chunked\n"
     "  keep-alive yes\n  bytes 66\nend\n",
     "", Limits{.max_body = 4}},
    {"until_close_over_max_body", "HTTP/1.1 200 OK\r\n\r\nabcde", "error body too large\n",
     "", Limits{.max_body = 4}},
    {"until_close_at_max_body", "HTTP/1.1 200 OK\r\n\r\nabcd",
     "response HTTP/1.1 200\n  reason OK\n  body abcd\n  framing until-close\n  keep-alive no\n  bytes 23\n"
     "end at eof\n",
     "", Limits{.max_body = 4}},
};
// clang-format on

// gtest prints a failing case by its name, not as raw bytes.
void PrintTo(const Case& c, std::ostream* out) { *out << c.name; }

class ResponseCase : public ::testing::TestWithParam<Case> {
 protected:
  std::string context() const { return std::string(GetParam().name) + "\ninput: " + golden::escape(GetParam().input); }
};

TEST_P(ResponseCase, WholeInputGivesTheExpectedTrace) {
  EXPECT_EQ(run_trace({GetParam().input}, GetParam()), GetParam().expect) << context();
}

TEST_P(ResponseCase, EverySplitIntoTwoReadsGivesTheSameTrace) {
  const std::string_view input = GetParam().input;
  for (std::size_t at = 0; at <= input.size(); ++at) {
    const auto trace = run_trace({input.substr(0, at), input.substr(at)}, GetParam());
    ASSERT_EQ(trace, GetParam().expect) << context() << "\nsplit at byte " << at;
  }
}

TEST_P(ResponseCase, OneByteAtATimeGivesTheSameTrace) {
  const std::string_view input = GetParam().input;
  std::vector<std::string_view> bytes;
  for (std::size_t i = 0; i < input.size(); ++i) bytes.push_back(input.substr(i, 1));
  EXPECT_EQ(run_trace(bytes, GetParam()), GetParam().expect) << context();
}

INSTANTIATE_TEST_SUITE_P(Cases, ResponseCase, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

// The API contract around a response.

ResponseParseResult feed(ResponseParser& parser, std::string_view bytes) { return parser.feed(bytes); }

constexpr std::string_view kOk = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok";

TEST(ResponseParser, ViewsStayValidAfterTheCallersBufferIsGone) {
  ResponseParser parser;
  {
    std::string first(kOk.substr(0, 20));
    ASSERT_EQ(feed(parser, first).kind, Kind::need_more);
    first.assign(first.size(), '#');  // the client reuses its read buffer
  }
  std::string rest(kOk.substr(20));
  ASSERT_EQ(feed(parser, rest).kind, Kind::complete);
  rest.assign(rest.size(), '#');
  EXPECT_EQ(parser.response().reason, "OK");
  EXPECT_EQ(parser.response().header("content-type"), "text/plain");
  EXPECT_EQ(parser.response().header("X-Missing"), std::nullopt);
  EXPECT_EQ(parser.response().body, "ok");
}

TEST(ResponseParser, HeadIsReadableBeforeTheBodyArrives) {
  ResponseParser parser;
  ASSERT_EQ(feed(parser, kOk.substr(0, kOk.size() - 2)).kind, Kind::need_more);
  EXPECT_EQ(parser.response().status, 200u);
  EXPECT_EQ(parser.response().framing, BodyFraming::content_length);
  EXPECT_TRUE(parser.response().body.empty());
}

TEST(ResponseParser, ErrorsAreStickyUntilReset) {
  ResponseParser parser;
  const auto bad = feed(parser, "HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n");
  ASSERT_EQ(bad.kind, Kind::error);
  const auto again = feed(parser, kOk);
  EXPECT_EQ(again.kind, Kind::error);
  EXPECT_EQ(again.reason, bad.reason);
  EXPECT_EQ(parser.finish().kind, Kind::error);
  parser.reset();
  EXPECT_EQ(feed(parser, kOk).kind, Kind::complete);
}

TEST(ResponseParser, ResetDropsAPartialResponseAndTheHeadExpectation) {
  ResponseParser parser;
  parser.expect(true);
  ASSERT_EQ(feed(parser, "HTTP/1.1 200 OK\r\nContent-Le").kind, Kind::need_more);
  parser.reset();
  ASSERT_EQ(feed(parser, kOk).kind, Kind::complete);
  EXPECT_EQ(parser.response().body, "ok");
  EXPECT_EQ(parser.response().headers.size(), 2u);
}

TEST(ResponseParser, HeadExpectationIsClearedByTheFinalResponse) {
  ResponseParser parser;
  parser.expect(true);
  ASSERT_EQ(feed(parser, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n").kind, Kind::complete);
  EXPECT_EQ(parser.response().framing, BodyFraming::none);
  ASSERT_EQ(feed(parser, kOk).kind, Kind::complete);  // no expect(): not a HEAD response
  EXPECT_EQ(parser.response().body, "ok");
}

TEST(ResponseParser, FinishAfterAnUntilCloseBodyCompletesThenEnds) {
  ResponseParser parser;
  ASSERT_EQ(feed(parser, "HTTP/1.1 200 OK\r\n\r\nabc").kind, Kind::need_more);
  const auto done = parser.finish();
  ASSERT_EQ(done.kind, Kind::complete);
  EXPECT_EQ(done.consumed, 0u);
  EXPECT_EQ(parser.response().body, "abc");
  EXPECT_FALSE(parser.response().keep_alive);
  EXPECT_EQ(parser.finish().kind, Kind::end);
  EXPECT_EQ(feed(parser, kOk).kind, Kind::error);
}

TEST(ResponseParser, BytesAfterAClosingResponseAreAnError) {
  ResponseParser parser;
  ASSERT_EQ(feed(parser, "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n").kind, Kind::complete);
  EXPECT_FALSE(parser.response().keep_alive);
  const auto after = feed(parser, kOk);
  EXPECT_EQ(after.kind, Kind::error);
  EXPECT_EQ(after.reason, "bytes after a response that closes the connection");
}

TEST(ResponseParser, BodyCanBeMovedOutAndTheNextResponseStartsEmpty) {
  ResponseParser parser;
  ASSERT_EQ(feed(parser, kOk).kind, Kind::complete);
  const std::string body = std::move(parser.response().body);
  EXPECT_EQ(body, "ok");
  ASSERT_EQ(feed(parser, "HTTP/1.1 204 No Content\r\n\r\n").kind, Kind::complete);
  EXPECT_TRUE(parser.response().body.empty());
  EXPECT_TRUE(parser.response().headers.empty());
  EXPECT_EQ(parser.response().status, 204u);
}

TEST(ResponseParser, EmptyFeedNeedsMore) {
  ResponseParser parser;
  const auto result = feed(parser, "");
  EXPECT_EQ(result.kind, Kind::need_more);
  EXPECT_EQ(result.consumed, 0u);
  EXPECT_EQ(parser.finish().kind, Kind::end);
}

TEST(ResponseParser, HeadCompleteOnceTheHeadHasEndedAndBeforeTheBody) {
  ResponseParser parser;
  EXPECT_EQ(feed(parser, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n").kind, Kind::need_more);
  EXPECT_FALSE(parser.head_complete());
  EXPECT_EQ(feed(parser, "\r\nab").kind, Kind::need_more);
  EXPECT_TRUE(parser.head_complete());
  EXPECT_EQ(parser.response().status, 200u);
  EXPECT_EQ(parser.response().body, "ab");
  EXPECT_EQ(feed(parser, "cd").kind, Kind::complete);
  EXPECT_TRUE(parser.head_complete());
}

TEST(ResponseParser, AStreamedBodyIsNotBoundByMaxBodyAndCanBeDrainedAfterEachFeed) {
  ResponseParser parser(Limits{.max_body = 4});
  parser.stream_body(true);
  EXPECT_EQ(feed(parser, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n12345").kind, Kind::need_more);
  EXPECT_EQ(std::exchange(parser.response().body, {}), "12345");
  EXPECT_EQ(feed(parser, "67890").kind, Kind::complete);
  EXPECT_EQ(parser.response().body, "67890");
  EXPECT_EQ(feed(parser, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n").kind,
            Kind::need_more);
  EXPECT_EQ(std::exchange(parser.response().body, {}), "abcdef");
  EXPECT_EQ(feed(parser, "0\r\n\r\n").kind, Kind::complete);
  parser.stream_body(false);  // the limit is back for the next response
  const auto refused = feed(parser, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n");
  EXPECT_EQ(refused.kind, Kind::error);
  EXPECT_EQ(refused.reason, "body too large");
}

}  // namespace
}  // namespace weft::http
