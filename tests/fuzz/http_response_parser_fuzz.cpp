// libFuzzer target for the client side's parser: ResponseParser
// (framework/src/http/response_parser.cpp), which reads the bytes weft's http::Client
// gets from upstream servers, with its status-line lexer, HeadScanner and llhttp
// underneath (STYLE.md convention 12).
//
// Input layout: byte 0 chooses the driver's settings, byte 1 where to split the
// stream, the rest is the byte stream of one upstream connection. Byte 0:
//   bit 0     tiny limits, so the size refusals are reachable in short inputs;
//   bit 1     stream_body(true): the driver takes response().body out after every
//             feed() and joins the pieces, as the client's Exchange does;
//   bits 2-7  which final responses answer a HEAD request: final response i does
//             when bit 2 + i % 6 is set (all clear: none; all set: every one).
//
// Oracles, beyond the sanitizers (ASan, UBSan):
//   1. the trace of the stream fed whole equals its trace when split into two reads at
//      the chosen offset, and (for streams up to 1 KiB) when fed one byte at a time:
//      the parser's outcome must not depend on how reads cut the bytes;
//   2. no trace reports a broken contract (`BUG:` from response_trace.hpp: need_more
//      that left bytes; a complete response that consumed none or too many, or without
//      head_complete(); a head that changed after head_complete(); errors that do not
//      stick; more bytes accepted after finish() or after a closing response; finish()
//      completing anything but an until-close body) or a disagreement between the
//      lexers and llhttp about where a section ends;
//   3. streamed, the joined body pieces equal the body of the same stream parsed
//      without streaming: the traces are equal, except that where the unstreamed run
//      refused a body over max_body (which streaming does not apply) the streamed
//      trace only has to start with everything before that refusal.
#include "http/response_parser.hpp"

#include "response_trace.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

using weft::http::Limits;
using weft::http::golden::escape;
using weft::http::golden::ResponseTraceOptions;
using weft::http::golden::run_response_trace;

[[noreturn]] void report(const char* what, std::string_view input, const ResponseTraceOptions& options,
                         const std::string& a, const std::string& b) {
  const std::string heads(options.heads.substr(0, 6));
  const char* limits = options.limits.max_body == Limits{}.max_body ? "default" : "tiny";
  std::fprintf(stderr,
               "http_response_parser_fuzz: %s\nheads %s..., %s, %s limits\ninput: %s\n"
               "--- first\n%s--- second\n%s",
               what, heads.c_str(), options.stream ? "streamed" : "not streamed", limits, escape(input).c_str(),
               a.c_str(), b.c_str());
  std::abort();
}

// Looks at line starts only: header lines and bodies carry the input's own bytes
// (escaped, so never a raw newline), which may well spell "BUG:".
void check_contract(std::string_view input, const ResponseTraceOptions& options, const std::string& trace) {
  const std::string lines = "\n" + trace;
  if (lines.find("\nBUG:") != std::string::npos || lines.find("\nerror parser disagreement") != std::string::npos) {
    report("parser contract broken", input, options, trace, "");
  }
}

// The refusals that depend on max_body, which a streamed body is not bound by.
bool refused_for_max_body(const std::string& trace) {
  const std::string lines = "\n" + trace;
  return lines.ends_with("\nerror body too large\n") || lines.ends_with("\nerror chunk extensions too large\n");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 2, size - 2);
  const std::size_t split = input.empty() ? 0 : data[1] % (input.size() + 1);

  // Every response takes at least one byte, so one letter per byte covers them all.
  std::string heads(input.size() + 1, 'G');
  for (std::size_t i = 0; i < heads.size(); ++i) {
    if (((data[0] >> (2 + i % 6)) & 1) != 0) heads[i] = 'H';
  }
  ResponseTraceOptions options{.heads = heads, .stream = (data[0] & 2) != 0, .contract = true};
  if ((data[0] & 1) != 0) {
    options.limits = Limits{.max_request_line = 64, .max_header_bytes = 256, .max_headers = 8, .max_body = 256};
  }

  const std::string whole = run_response_trace({input}, options);
  check_contract(input, options, whole);

  const std::string two = run_response_trace({input.substr(0, split), input.substr(split)}, options);
  if (two != whole) report("split into two reads changed the trace", input, options, whole, two);

  if (input.size() <= 1024) {
    std::vector<std::string_view> bytes;
    bytes.reserve(input.size());
    for (std::size_t i = 0; i < input.size(); ++i) bytes.push_back(input.substr(i, 1));
    const std::string one = run_response_trace(bytes, options);
    if (one != whole) report("feeding one byte at a time changed the trace", input, options, whole, one);
  }

  if (options.stream) {
    ResponseTraceOptions buffered = options;
    buffered.stream = false;
    const std::string plain = run_response_trace({input}, buffered);
    check_contract(input, buffered, plain);
    if (refused_for_max_body(plain)) {
      const std::string before = plain.substr(0, plain.rfind("error "));
      if (!whole.starts_with(before)) {
        report("streaming changed the responses before a max_body refusal", input, options, plain, whole);
      }
    } else if (plain != whole) {
      report("streaming changed the trace", input, options, plain, whole);
    }
  }
  return 0;
}
