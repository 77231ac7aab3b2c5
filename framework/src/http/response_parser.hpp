// ResponseParser: the client-side counterpart of RequestParser (parser.hpp), turning
// the bytes a client reads from an upstream server into ParsedResponses, one at a
// time, with the same strict framing. Groundwork for weft's HTTP client.
//
// Use (one parser per upstream connection, owned by it):
//
//   parser.expect(request_was_head);                 // before each response's bytes
//   for (;;) {
//     bytes = read more;  (on EOF: r = parser.finish(); complete → handle; then close)
//     while (!bytes.empty()) {
//       auto r = parser.feed(bytes);
//       if (r.kind == need_more) break;              // every byte taken; read again
//       if (r.kind == error) { fail the request; close; }
//       bytes = bytes.subspan(r.consumed);           // pipelined leftovers stay
//       if (parser.response().interim()) continue;   // 100 Continue: the final one follows
//       handle(parser.response());                   // complete
//       if (!parser.response().keep_alive) { close; }
//       parser.expect(next_request_was_head);
//     }
//   }
//
// Framing is strict, as for requests (RFC 9112 §6.3, §11.2), since a client that
// reads a response boundary differently from a proxy in front of it can be fed a
// forged response. Errors: Content-Length and Transfer-Encoding together; a duplicate
// or malformed Content-Length; Transfer-Encoding other than exactly `chunked` (treated
// as unsupported), or in an HTTP/1.0 response; whitespace before a header colon,
// obs-fold, bare CR or LF, control characters; a status line other than
// `HTTP/1.0` or `HTTP/1.1`, SP, a status code 100-599 of exactly three digits, SP,
// and a reason phrase (may be empty); 101 Switching Protocols (weft never asks to
// upgrade); a Content-Length or chunked body cut short by EOF; limits. Limits apply as
// for requests, with max_request_line standing for the status line.
//
// Bodies: a response to HEAD, a 1xx, 204 or 304 has none, whatever its headers say.
// Otherwise Content-Length, chunked, or (neither) the bytes until EOF: finish() then
// completes that response. The body is accumulated in response().body, bounded by
// max_body, unless stream_body(true): then max_body does not apply and the caller takes
// the bytes out of response().body after each feed() (an HTTP client streaming a large
// body holds one read's worth at a time).
//
// The llhttp glue is RequestParser's (llhttp_glue.hpp): span callbacks only append and
// never throw; on_message_complete returns HPE_PAUSED, so llhttp stops after each
// response; errors are sticky until reset(). llhttp runs in HTTP_RESPONSE mode; a
// status-line lexer and HeadScanner (its field-line part) check the head first.
#pragma once

#include <weft/http/limits.hpp>
#include <weft/http/parsed_response.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

namespace weft::http {

/// What one ResponseParser::feed() or finish() call found.
struct ResponseParseResult {
  enum class Kind : std::uint8_t {
    need_more,  ///< every byte was taken, and no response is complete yet
    complete,   ///< response() holds a complete response, ending `consumed` bytes into the span
    end,        ///< finish() only: the stream ended cleanly between responses
    error,      ///< the response is refused: the connection cannot be used any more
  };
  Kind kind = Kind::need_more;
  /// Bytes of the span that were used: all of them for need_more, up to the end of the
  /// response for complete (the rest belongs to the next response), 0 otherwise.
  std::size_t consumed = 0;
  /// For error: a short explanation with static storage duration, for logs.
  std::string_view reason;
};

/// Parses the responses of one upstream connection from bytes fed in any pieces.
/// Not thread-safe; belongs to one connection on one core.
class ResponseParser {
 public:
  explicit ResponseParser(Limits limits = {});
  ~ResponseParser();
  ResponseParser(const ResponseParser&) = delete;
  ResponseParser& operator=(const ResponseParser&) = delete;

  /// Says whether the request the next final response answers was a HEAD request (its
  /// response has no body). Call before feeding that response's first byte; it holds
  /// across interim 1xx responses and is cleared when the final response completes.
  void expect(bool head_request) noexcept;

  /// Streams bodies: max_body no longer bounds them, and response().body holds only
  /// what the caller has not taken out yet (clear it after each feed()). Holds until
  /// changed; reset() keeps it.
  void stream_body(bool on) noexcept;

  /// True once the head of the response being read has ended (status and fields are
  /// in response()), while its body is still arriving, and after it completes.
  bool head_complete() const noexcept;

  /// Parses `bytes`, which follow the bytes of earlier calls. Stops after the first
  /// response that completes. The parser copies what it keeps, so the caller may reuse
  /// the bytes as soon as this returns. After a complete response, the next call
  /// starts the next response (and invalidates response()'s views). After a response
  /// whose keep_alive is false, or after finish(), more bytes are an error.
  ResponseParseResult feed(std::span<const char> bytes);

  /// Tells the parser the server closed the connection. `complete` (consumed 0) when
  /// that ended an until_close body, `end` when it fell between responses, an error
  /// when a response was cut short. Call feed() with every byte first.
  ResponseParseResult finish();

  /// The last complete response; after need_more, the response being read (fields
  /// set once its head has ended, body still growing).
  const ParsedResponse& response() const noexcept;
  ParsedResponse& response() noexcept;

  /// Back to a fresh parser with the same limits: clears a sticky error, any partial
  /// response and the HEAD expectation.
  void reset();

  const Limits& limits() const noexcept;

  struct Impl;  // holds llhttp; public so the C callbacks in response_parser.cpp can reach it

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace weft::http
