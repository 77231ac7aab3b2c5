// Response: what a handler returns. The server adds the fields it owns (Date, Server,
// Content-Length or Transfer-Encoding, Connection) and writes status line, fields and
// body in one send when it can.
#pragma once

#include <weft/http/body_writer.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weft::http {

/// One response header field. Names and values must not contain CR, LF or NUL (a
/// response carrying one is replaced by a 500, so a handler cannot split responses).
struct Field {
  std::string name;
  std::string value;
};

struct Response {
  /// 100..599. 1xx, 204 and 304 are sent without a body.
  int status = 200;
  /// Sent as Content-Type when not empty.
  std::string content_type;
  /// More fields, sent in this order after the server's own. Content-Length and
  /// Transfer-Encoding are the server's to set and are ignored here (except a
  /// Content-Length in an empty answer to HEAD: the length a GET would get); `Connection:
  /// close` is honoured (the connection closes after this response). Date and Server
  /// given here replace the server's.
  std::vector<Field> headers;
  /// The body, unless `stream` is set. Not sent for HEAD (Content-Length still is).
  std::string body;
  /// When set, the body comes from this producer instead (see body_writer.hpp).
  BodyProducer stream;

  /// Appends a field; returns *this for chaining.
  Response& set(std::string name, std::string value);
  /// The first field named `name` (ASCII case-insensitively), or nullopt.
  std::optional<std::string_view> header(std::string_view name) const noexcept;

  /// `body` as text/plain.
  static Response text(std::string body, int status = 200);
  /// `body` (already JSON) as application/json.
  static Response json(std::string body, int status = 200);
  /// A short text/plain body naming the status, e.g. "404 Not Found\n".
  static Response of_status(int status);
  /// A body produced piece by piece (see BodyProducer).
  static Response streamed(BodyProducer producer, std::string content_type = "application/octet-stream",
                           int status = 200);
};

/// The reason phrase of `status` ("Not Found"), or "Unknown" for a code without one.
std::string_view reason_phrase(int status) noexcept;

}  // namespace weft::http
