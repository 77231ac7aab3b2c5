// Drives a RequestParser the way a connection does and renders what it reports as a
// text trace: the golden cases (tests/unit/http/cases) are written in this format, and
// the fuzz target (tests/fuzz/http_parser_fuzz.cpp) compares traces of differently
// split inputs. Standard library only, so the libc++ fuzz build can include it.
//
// Trace lines (README.md in cases/ shows them in use):
//   request <method> <target> HTTP/<major>.<minor>
//     path <path>
//     query <query>              only when not empty
//     header <name>: <value>     one per header field, in order (`<name>:` when empty)
//     body <bytes>               only when not empty
//     keep-alive yes|no
//     continue                   only when Expect: 100-continue was flagged
//     bytes <n>                  bytes of the stream this request took
//   error <status> <reason>      feed() or finish() refused; the driver stops
//   close <n> bytes unread       a request ended the connection; the driver stops
//   end                          finish() found a clean end between requests
// Bytes outside printable ASCII are escaped as in the case inputs: \r \n \t \\ \xHH.
#pragma once

#include "http/parser.hpp"

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace weft::http::golden {

/// `bytes` with \r \n \t \\ and \xHH escapes for everything outside printable ASCII.
inline std::string escape(std::string_view bytes) {
  std::string out;
  for (const char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\r') out += "\\r";
    else if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c == '\\') out += "\\\\";
    else if (c >= 0x20 && c < 0x7f) out += ch;
    else {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    }
  }
  return out;
}

/// The trace lines of one complete request that took `bytes` bytes of the stream.
inline std::string render(const Request& request, std::size_t bytes) {
  std::string out = "request " + escape(request.method) + " " + escape(request.target) + " HTTP/" +
                    std::to_string(request.version_major) + "." + std::to_string(request.version_minor) + "\n";
  out += "  path " + escape(request.path) + "\n";
  if (!request.query.empty()) out += "  query " + escape(request.query) + "\n";
  for (const auto& field : request.headers) {
    out += "  header " + escape(field.name) + ":" + (field.value.empty() ? "" : " ") + escape(field.value) + "\n";
  }
  if (!request.body.empty()) out += "  body " + escape(request.body) + "\n";
  out += request.keep_alive ? "  keep-alive yes\n" : "  keep-alive no\n";
  if (request.expects_continue) out += "  continue\n";
  out += "  bytes " + std::to_string(bytes) + "\n";
  return out;
}

inline std::string render_error(const ParseResult& result) {
  return "error " + std::to_string(result.status) + " " + std::string(result.reason) + "\n";
}

/// Feeds `chunks` in order, as successive reads of one connection, re-feeding what a
/// complete request left over (pipelining), then calls finish() at the end of the
/// stream. Returns the trace. A broken parser contract shows up as a `BUG:` line.
inline std::string run_trace(const std::vector<std::string_view>& chunks, const Limits& limits = {}) {
  RequestParser parser(limits);
  std::size_t total = 0;
  for (const auto chunk : chunks) total += chunk.size();
  std::string out;
  std::string pending;        // read but not yet taken by the parser
  std::size_t taken = 0;      // bytes of the stream the parser has taken
  std::size_t request_start = 0;
  for (const auto chunk : chunks) {
    pending.append(chunk);
    while (!pending.empty()) {
      const ParseResult result = parser.feed(pending);
      switch (result.kind) {
        case ParseResult::Kind::need_more:
          if (result.consumed != pending.size()) return out + "BUG: need_more left bytes\n";
          taken += pending.size();
          pending.clear();
          break;
        case ParseResult::Kind::complete:
          if (result.consumed == 0 || result.consumed > pending.size()) return out + "BUG: bad consumed\n";
          taken += result.consumed;
          pending.erase(0, result.consumed);
          out += render(parser.request(), taken - request_start);
          request_start = taken;
          if (!parser.request().keep_alive) {
            return out + "close " + std::to_string(total - taken) + " bytes unread\n";
          }
          break;
        case ParseResult::Kind::error:
          return out + render_error(result);
        case ParseResult::Kind::end:
          return out + "BUG: feed returned end\n";
      }
    }
  }
  const ParseResult result = parser.finish();
  if (result.kind == ParseResult::Kind::end) return out + "end\n";
  if (result.kind == ParseResult::Kind::error) return out + render_error(result);
  return out + "BUG: finish returned neither end nor error\n";
}

}  // namespace weft::http::golden
