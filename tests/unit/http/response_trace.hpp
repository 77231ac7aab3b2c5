// Drives a ResponseParser the way weft's HTTP client does and renders what it reports
// as a text trace: the cases of response_parser_test.cpp are written in this format,
// and the fuzz target (tests/fuzz/http_response_parser_fuzz.cpp) compares traces of
// differently split inputs. Standard library only, so the libc++ fuzz build can
// include it.
//
// Trace lines:
//   response HTTP/<M>.<m> <status>
//     reason <reason>            only when not empty
//     header <name>: <value>     one per header field, in order (`<name>:` when empty)
//     body <bytes>               only when not empty (streamed: the pieces taken out, joined)
//     interim                    only for a 1xx
//     framing none|content-length|chunked|until-close
//     keep-alive yes|no
//     bytes <n>                  bytes of the stream this response took
//   error <reason>               feed() or finish() refused; the driver stops
//   close <n> bytes unread       a response ended the connection; the driver stops
//   end at eof                   finish() completed an until-close body
//   end                          finish() found a clean end between responses
// A broken parser contract shows up as a line starting with `BUG:`.
#pragma once

#include "http/response_parser.hpp"

#include "parser_trace.hpp"

#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace weft::http::golden {

inline const char* framing_name(BodyFraming framing) {
  switch (framing) {
    case BodyFraming::none: return "none";
    case BodyFraming::content_length: return "content-length";
    case BodyFraming::chunked: return "chunked";
    case BodyFraming::until_close: return "until-close";
  }
  return "?";
}

/// The trace lines of a response's head: what head_complete() promises is in response().
inline std::string render_head(const ParsedResponse& r) {
  std::string out = "response HTTP/" + std::to_string(r.version_major) + "." + std::to_string(r.version_minor) +
                    " " + std::to_string(r.status) + "\n";
  if (!r.reason.empty()) out += "  reason " + escape(r.reason) + "\n";
  for (const auto& field : r.headers) {
    out += "  header " + escape(field.name) + ":" + (field.value.empty() ? "" : " ") + escape(field.value) + "\n";
  }
  return out;
}

/// The trace lines of one complete response whose body is `body` and that took
/// `bytes` bytes of the stream.
inline std::string render(const ParsedResponse& r, std::size_t bytes, std::string_view body) {
  std::string out = render_head(r);
  if (!body.empty()) out += "  body " + escape(body) + "\n";
  if (r.interim()) out += "  interim\n";
  out += std::string("  framing ") + framing_name(r.framing) + "\n";
  out += r.keep_alive ? "  keep-alive yes\n" : "  keep-alive no\n";
  out += "  bytes " + std::to_string(bytes) + "\n";
  return out;
}

inline std::string render(const ParsedResponse& r, std::size_t bytes) { return render(r, bytes, r.body); }

struct ResponseTraceOptions {
  Limits limits = {};
  /// Per final response in order: 'H' when it answers a HEAD request; anything else,
  /// or past the end, when it does not. The driver calls expect() before each one.
  std::string_view heads = "";
  /// stream_body(true): the driver takes response().body out after every feed() (as
  /// the client's Exchange does) and the trace's body line is the pieces joined.
  bool stream = false;
  /// Extra checks of the API contract, each reported as a `BUG:` line (the trace is
  /// otherwise the same): every feed() gets a copy of its bytes that is freed as soon
  /// as it returns (ASan catches views into the caller's buffer); head_complete() is
  /// true for every complete response, and the head seen in response() once it turned
  /// true mid-response is the head of the completed response; errors are sticky; after
  /// finish(), and after a response that closes the connection, more bytes are an
  /// error and finish() ends; finish() completes only until-close bodies.
  bool contract = false;
};

namespace response_trace_detail {

inline std::string result_name(const ResponseParseResult& r) {
  switch (r.kind) {
    case ResponseParseResult::Kind::need_more: return "need_more";
    case ResponseParseResult::Kind::complete: return "complete";
    case ResponseParseResult::Kind::end: return "end";
    case ResponseParseResult::Kind::error: return "error " + std::string(r.reason);
  }
  return "?";
}

// After the driver stopped: more bytes must be refused, the refusal must stick, and
// finish() must say so too. `sticky`, when not empty, is the reason the refusal must keep.
inline std::string check_refuses_more(ResponseParser& parser, std::string_view sticky) {
  static constexpr char kMore[] = "HTTP/1.1 204 No Content\r\n\r\n";
  const auto more = parser.feed(std::span<const char>(kMore, sizeof kMore - 1));
  if (more.kind != ResponseParseResult::Kind::error) return "BUG: feed after the end gave " + result_name(more) + "\n";
  if (!sticky.empty() && more.reason != sticky) return "BUG: error not sticky: " + result_name(more) + "\n";
  const auto again = parser.finish();
  if (again.kind != ResponseParseResult::Kind::error || again.reason != more.reason) {
    return "BUG: finish after a refused feed gave " + result_name(again) + "\n";
  }
  return "";
}

}  // namespace response_trace_detail

/// Feeds `chunks` as successive reads of one upstream connection, re-feeding what a
/// complete response left over (pipelining), telling the parser before each final
/// response whether it answers HEAD, then calls finish(). Returns the trace.
inline std::string run_response_trace(const std::vector<std::string_view>& chunks,
                                      const ResponseTraceOptions& options = {}) {
  using Kind = ResponseParseResult::Kind;
  using response_trace_detail::check_refuses_more;
  using response_trace_detail::result_name;
  ResponseParser parser(options.limits);
  parser.stream_body(options.stream);
  std::size_t finals = 0;
  const auto expect_next = [&] { parser.expect(finals < options.heads.size() && options.heads[finals] == 'H'); };
  expect_next();
  std::string streamed;   // with options.stream: the body pieces taken out so far
  std::string head_seen;  // with options.contract: the head once head_complete() turned true
  const auto feed = [&](std::string_view bytes) {
    ResponseParseResult result;
    if (options.contract) {
      const auto copy = std::make_unique<char[]>(bytes.size() + 1);
      if (!bytes.empty()) std::memcpy(copy.get(), bytes.data(), bytes.size());
      result = parser.feed(std::span<const char>(copy.get(), bytes.size()));
    } else {
      result = parser.feed(bytes);
    }
    if (options.stream) {
      std::string piece;
      piece.swap(parser.response().body);
      streamed += piece;
    }
    return result;
  };
  const auto body = [&]() -> std::string_view { return options.stream ? streamed : parser.response().body; };

  std::size_t total = 0;
  for (const auto chunk : chunks) total += chunk.size();
  std::string out, pending;
  std::size_t taken = 0, start = 0;
  for (const auto chunk : chunks) {
    pending.append(chunk);
    while (!pending.empty()) {
      const auto result = feed(pending);
      if (result.kind == Kind::error) {
        out += "error " + std::string(result.reason) + "\n";
        if (options.contract) out += check_refuses_more(parser, result.reason);
        return out;
      }
      if (result.kind == Kind::end) return out + "BUG: feed returned end\n";
      if (result.kind == Kind::need_more) {
        if (result.consumed != pending.size()) return out + "BUG: need_more left bytes\n";
        taken += pending.size();
        pending.clear();
        if (options.contract && parser.head_complete() && head_seen.empty()) head_seen = render_head(parser.response());
        continue;
      }
      if (result.consumed == 0 || result.consumed > pending.size()) return out + "BUG: bad consumed\n";
      taken += result.consumed;
      pending.erase(0, result.consumed);
      if (options.contract) {
        if (!parser.head_complete()) return out + "BUG: complete but not head_complete\n";
        if (!head_seen.empty() && head_seen != render_head(parser.response())) {
          return out + "BUG: head changed after head_complete\n--- then\n" + head_seen + "--- at complete\n" +
                 render_head(parser.response());
        }
        head_seen.clear();
      }
      out += render(parser.response(), taken - start, body());
      streamed.clear();
      start = taken;
      if (!parser.response().keep_alive) {
        out += "close " + std::to_string(total - taken) + " bytes unread\n";
        if (options.contract) out += check_refuses_more(parser, "");
        return out;
      }
      if (!parser.response().interim()) ++finals;
      expect_next();
    }
  }
  const auto result = parser.finish();
  switch (result.kind) {
    case Kind::end: {
      out += "end\n";
      if (options.contract) {
        const auto again = parser.finish();
        if (again.kind != Kind::end) out += "BUG: finish after end gave " + result_name(again) + "\n";
        else out += check_refuses_more(parser, "");
      }
      return out;
    }
    case Kind::error:
      out += "error " + std::string(result.reason) + "\n";
      if (options.contract) out += check_refuses_more(parser, result.reason);
      return out;
    case Kind::complete: {
      if (result.consumed != 0) return out + "BUG: finish consumed bytes\n";
      if (options.stream) {
        std::string piece;
        piece.swap(parser.response().body);
        streamed += piece;
      }
      if (options.contract) {
        if (!parser.head_complete()) return out + "BUG: complete at eof but not head_complete\n";
        if (parser.response().framing != BodyFraming::until_close || parser.response().keep_alive) {
          return out + "BUG: finish completed a response that is not until-close\n";
        }
        if (!head_seen.empty() && head_seen != render_head(parser.response())) {
          return out + "BUG: head changed after head_complete\n";
        }
      }
      out += render(parser.response(), taken - start, body()) + "end at eof\n";
      if (options.contract) {
        const auto again = parser.finish();
        if (again.kind != Kind::end) out += "BUG: finish after end at eof gave " + result_name(again) + "\n";
        else out += check_refuses_more(parser, "");
      }
      return out;
    }
    case Kind::need_more: break;
  }
  return out + "BUG: finish returned need_more\n";
}

}  // namespace weft::http::golden
