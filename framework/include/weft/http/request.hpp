// Request: one parsed HTTP/1.x request, as the parser hands it to a connection.
//
// Lifetime: the string_views (method, target, path, query, header names and values)
// point into storage owned by the connection's RequestParser, which copies the request
// line and header bytes there as they arrive (they may come split over many reads, so
// they cannot point into the read buffers). They stay valid until the next feed(),
// finish() or reset() on that parser; `body` is an owned string with the same
// lifetime, which may be moved out. Copy what must live longer. The parser reuses the
// storage for the next request, so steady-state parsing does not allocate.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weft::http {

class BodyReader;

/// The request methods a server usually dispatches on; `other` covers the rest of the
/// methods the parser accepts (llhttp's list: PATCH, PROPFIND, ...).
enum class Method : std::uint8_t { get, head, post, put, delete_, connect, options, trace, patch, other };

/// The Method for a method name, case-sensitively (`get` is not GET): `other` when it
/// is none of the named ones.
Method method_from_string(std::string_view name) noexcept;

/// True for the methods RFC 9110 §9.2.2 calls idempotent (GET, HEAD, PUT, DELETE,
/// OPTIONS, TRACE): sending one twice has the effect of sending it once, so a client or
/// proxy may retry it.
bool is_idempotent(std::string_view method) noexcept;

/// One header field line, with leading and trailing whitespace removed from the value.
struct Header {
  std::string_view name;
  std::string_view value;
};

/// A path parameter a Router matched: `{id}` in `/users/{id}` → {"id", "42"}.
struct PathParam {
  std::string_view name;
  std::string_view value;
};

/// A parsed request. See the file comment for how long its views live.
struct Request {
  /// The method as sent, e.g. "GET" (methods are case-sensitive).
  std::string_view method;
  /// The request-target as sent: "/a/b?x=1", "http://host/a", or "*".
  std::string_view target;
  /// The target's path: "/a/b". "/" for an absolute-form target without a path, "*"
  /// for OPTIONS *. Not percent-decoded.
  std::string_view path;
  /// What follows the first '?' up to any '#', without the '?': "x=1". Empty when the
  /// target has no query. Not decoded.
  std::string_view query;
  unsigned version_major = 1;
  unsigned version_minor = 1;
  /// Header field lines in the order received. Duplicates are kept as separate entries.
  /// Trailer fields of a chunked body are checked but not kept.
  std::vector<Header> headers;
  /// The body, de-chunked. Empty when the request has none.
  std::string body;
  /// True when the connection may carry another request after this one: HTTP/1.1
  /// unless `Connection: close`; HTTP/1.0 only with `Connection: keep-alive` (and no
  /// `close`).
  bool keep_alive = true;
  /// True for an HTTP/1.1 request with `Expect: 100-continue` (ignored in HTTP/1.0, as
  /// RFC 9110 §10.1.1 requires). The server sends `100 Continue` before the body.
  bool expects_continue = false;
  /// Set when the server streams request bodies (ServerOptions::stream_request_bodies):
  /// the body is read from it, and `body` stays empty. Null otherwise.
  BodyReader* body_reader = nullptr;
  /// The connection's socket, for peer_address() (weft/http/peer_address.hpp); -1 when
  /// the request did not come from a socket. The server owns it: never read, write or
  /// close it.
  int socket = -1;
  /// Path parameters, set by the Router that dispatched the request: views into the
  /// route's pattern (names) and into `path` (values). A catch-all `*` is named "*".
  std::vector<PathParam> params;

  /// The first header named `name` (ASCII case-insensitively), or nullopt.
  std::optional<std::string_view> header(std::string_view name) const noexcept;
  /// The path parameter named `name`, or nullopt.
  std::optional<std::string_view> param(std::string_view name) const noexcept;
  /// method_from_string(method).
  Method method_kind() const noexcept { return method_from_string(method); }
  /// True for HEAD: the response carries headers only.
  bool is_head() const noexcept { return method == "HEAD"; }
};

}  // namespace weft::http
