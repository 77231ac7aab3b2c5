// RequestParser: weft's glue around llhttp, turning the bytes a connection reads into
// Requests, one at a time, with strict framing.
//
// Use (one parser per connection, owned by it):
//
//   for (;;) {
//     bytes = read more;  (on EOF: parser.finish(), then close)
//     while (!bytes.empty()) {
//       auto r = parser.feed(bytes);
//       if (r.kind == need_more) break;              // every byte taken; read again
//       if (r.kind == error) { answer r.status; close; }
//       handle(parser.request());                    // complete
//       bytes = bytes.subspan(r.consumed);           // pipelined leftovers stay
//       if (!parser.request().keep_alive) { close after answering; }
//     }
//   }
//
// Framing is strict, as request smuggling is prevented (RFC 9112 §6.3, §11.2):
// Content-Length and Transfer-Encoding together, a duplicate or malformed
// Content-Length, whitespace before a header colon, obs-fold, bare CR or LF, control
// characters, a missing or duplicate Host in HTTP/1.1 → 400; Transfer-Encoding other
// than exactly `chunked` → 501; Transfer-Encoding in HTTP/1.0 → 400; an unknown method,
// CONNECT or PRI → 501; a version other than 1.0/1.1 → 505; limits → 413/414/431 (see
// Limits). Upgrade headers are ignored: the request is served as plain HTTP/1.1.
//
// The llhttp glue both parsers share (the contract of STYLE.md convention 12: span
// callbacks that only append, a pause after each message, sticky errors) is in
// llhttp_glue.hpp; finish() calls llhttp_finish() at EOF, and a request cut short by
// EOF is an error. llhttp is built with LLHTTP_STRICT_MODE and no lenient flags;
// HeadScanner adds the checks llhttp 8.1 lacks (see head_scanner.hpp). The common
// request — its head whole in one feed(), a plain method, an origin-form target, no
// field llhttp interprets — is built from HeadScanner's layout in one pass, without
// llhttp (take_whole_head in parser.cpp); the outcome is the same either way.
#pragma once

#include <weft/http/limits.hpp>
#include <weft/http/request.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

namespace weft::http {

/// What one RequestParser::feed() or finish() call found. (Not weft::Result: a parse
/// outcome is not an error code, and the parser stays free of weft's core so the fuzz
/// build can compile it alone.)
struct ParseResult {
  enum class Kind : std::uint8_t {
    need_more,  ///< every byte was taken, and no request is complete yet
    complete,   ///< request() holds a complete request, ending `consumed` bytes into the span
    end,        ///< finish() only: the stream ended cleanly between requests
    error,      ///< the request is refused: answer `status` and close the connection
  };
  Kind kind = Kind::need_more;
  /// Bytes of the span that were used: all of them for need_more, up to the end of the
  /// request for complete (the rest belongs to the next request), 0 otherwise.
  std::size_t consumed = 0;
  /// For error: the status to answer with (400, 413, 414, 431, 500, 501 or 505).
  int status = 0;
  /// For error: a short explanation with static storage duration, for logs.
  std::string_view reason;
};

/// Parses the requests of one connection from bytes fed in any pieces.
/// Not thread-safe; belongs to one connection on one core.
class RequestParser {
 public:
  explicit RequestParser(Limits limits = {});
  ~RequestParser();
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  /// Parses `bytes`, which follow the bytes of earlier calls. Stops after the first
  /// request that completes. The parser copies what it keeps, so the caller may reuse
  /// the bytes it consumed as soon as this returns. After a complete request, the next
  /// call starts the next request (and invalidates request()'s views). After a request
  /// whose keep_alive is false, or after finish(), more bytes are an error.
  ParseResult feed(std::span<const char> bytes);

  /// Tells the parser the peer closed its side. `end` when that fell between requests,
  /// an error (400) when a request was cut short. Call feed() with every byte first.
  ParseResult finish();

  /// The last complete request; after need_more with headers_complete(), the request
  /// being read (method, target, headers and flags set; body still growing). See
  /// request.hpp for how long its views live.
  const Request& request() const noexcept;
  Request& request() noexcept;

  /// True between the end of a request's header section and the end of its body: the
  /// moment to answer `Expect: 100-continue`, or to refuse early. A connection that
  /// streams bodies hands the request out from here and takes each feed()'s body bytes
  /// out of request().body as they come (max_body still counts them all).
  bool headers_complete() const noexcept;

  /// Back to a fresh parser with the same limits: clears a sticky error and any
  /// partial request.
  void reset();

  const Limits& limits() const noexcept;

  struct Impl;  // holds llhttp; public so the C callbacks in parser.cpp can reach it

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace weft::http
