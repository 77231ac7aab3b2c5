// libFuzzer target for weft's llhttp glue: RequestParser (framework/src/http/parser.cpp)
// with HeadScanner and llhttp underneath (STYLE.md convention 12).
//
// Input layout: byte 0 chooses the limits (bit 0: tiny limits, so the 413/414/431
// paths are reachable in short inputs), byte 1 chooses where to split the stream,
// the rest is the byte stream of one connection.
//
// Oracles, beyond the sanitizers (ASan, UBSan):
//   1. the trace of the stream fed whole equals its trace when split into two reads at
//      the chosen offset, and (for streams up to 1 KiB) when fed one byte at a time:
//      the parser's outcome must not depend on how reads cut the bytes;
//   2. no trace reports a broken contract (`BUG:` from parser_trace.hpp: need_more
//      that left bytes, a complete request that consumed none or too many) or a
//      disagreement between HeadScanner and llhttp about where a section ends.
#include "http/parser.hpp"

#include "parser_trace.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

namespace {

using weft::http::Limits;
using weft::http::golden::escape;
using weft::http::golden::run_trace;

[[noreturn]] void report(const char* what, std::string_view input, const std::string& a, const std::string& b) {
  std::fprintf(stderr, "http_parser_fuzz: %s\ninput: %s\n--- first\n%s--- second\n%s", what,
               escape(input).c_str(), a.c_str(), b.c_str());
  std::abort();
}

// Looks at line starts only: header lines and bodies carry the input's own bytes
// (escaped, so never a raw newline), which may well spell "BUG:".
void check_contract(std::string_view input, const std::string& trace) {
  const std::string lines = "\n" + trace;
  if (lines.find("\nBUG:") != std::string::npos || lines.find("\nerror 400 parser disagreement") != std::string::npos) {
    report("parser contract broken", input, trace, "");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  Limits limits;
  if ((data[0] & 1) != 0) {
    limits = Limits{.max_request_line = 64, .max_header_bytes = 256, .max_headers = 8, .max_body = 256};
  }
  const std::string_view input(reinterpret_cast<const char*>(data) + 2, size - 2);
  const std::size_t split = input.empty() ? 0 : data[1] % (input.size() + 1);

  const std::string whole = run_trace({input}, limits);
  check_contract(input, whole);

  const std::string two = run_trace({input.substr(0, split), input.substr(split)}, limits);
  if (two != whole) report("split into two reads changed the trace", input, whole, two);

  if (input.size() <= 1024) {
    std::vector<std::string_view> bytes;
    bytes.reserve(input.size());
    for (std::size_t i = 0; i < input.size(); ++i) bytes.push_back(input.substr(i, 1));
    const std::string one = run_trace(bytes, limits);
    if (one != whole) report("feeding one byte at a time changed the trace", input, whole, one);
  }
  return 0;
}
