// ParsedResponse: one HTTP/1.x response as a client's parser read it from an upstream
// server (groundwork for weft's HTTP client; the parser itself is private).
//
// Lifetime: as for Request (request.hpp), the string_views (reason and header names
// and values) point into storage owned by the parser, which copies the status line and
// header bytes there as they arrive. They stay valid until the next feed(), finish()
// or reset() on that parser; `body` is an owned string with the same lifetime, which
// may be moved out. Copy what must live longer.
#pragma once

#include <weft/http/request.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weft::http {

/// How a response's body was delimited (RFC 9112 §6.3).
enum class BodyFraming : std::uint8_t {
  none,            ///< no body by rule: a 1xx, 204 or 304 response, or one to a HEAD request
  content_length,  ///< exactly Content-Length bytes (perhaps 0)
  chunked,         ///< Transfer-Encoding: chunked, de-chunked into `body`
  until_close,     ///< no length given: the body ran until the server closed the connection
};

/// A parsed response. See the file comment for how long its views live.
struct ParsedResponse {
  /// The three-digit status code, 100 to 599.
  unsigned status = 0;
  /// The reason phrase as sent, e.g. "OK"; may be empty. Informational only.
  std::string_view reason;
  unsigned version_major = 1;
  unsigned version_minor = 1;
  /// Header field lines in the order received, values trimmed of surrounding
  /// whitespace. Duplicates are kept as separate entries. Trailer fields of a chunked
  /// body are checked but not kept.
  std::vector<Header> headers;
  /// The body, de-chunked. Always empty when `framing` is none, whatever
  /// Content-Length said.
  std::string body;
  BodyFraming framing = BodyFraming::none;
  /// True when the connection may carry another request after this response: HTTP/1.1
  /// unless `Connection: close`; HTTP/1.0 only with `Connection: keep-alive`; never
  /// after an until_close body. The same rule for an interim response, so a 1xx that
  /// says `Connection: close` (or comes in HTTP/1.0) ends the connection.
  bool keep_alive = true;

  /// True for a 1xx response (e.g. 100 Continue): the final response to the same
  /// request follows, and the caller skips this one.
  bool interim() const noexcept { return status >= 100 && status < 200; }
  /// The first header named `name` (ASCII case-insensitively), or nullopt.
  std::optional<std::string_view> header(std::string_view name) const noexcept;
};

}  // namespace weft::http
