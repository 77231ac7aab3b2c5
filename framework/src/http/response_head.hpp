// Serialising a response's status line and header section.
#pragma once

#include <weft/http/response.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace weft::http::detail {

/// How the body of a response is framed on the wire.
enum class Framing : unsigned char {
  none,            ///< no body and no length field (1xx, 204, 304)
  length,          ///< Content-Length: content_length
  chunked,         ///< Transfer-Encoding: chunked
  until_close,     ///< neither; the body ends when the connection closes (HTTP/1.0 streams)
};

struct HeadFacts {
  Framing framing = Framing::length;
  std::size_t content_length = 0;
  bool close = false;               ///< Connection: close
  bool keep_alive_field = false;    ///< Connection: keep-alive (an HTTP/1.0 client asked)
  std::string_view server_line;     ///< "Server: name\r\n", or empty: no Server field
};

/// False when `name` is not a token or `value` holds CR, LF or NUL: such a field would
/// let its author split one message into two.
bool field_is_valid(std::string_view name, std::string_view value) noexcept;

/// False when a field name is not a token or a name or value holds CR, LF or NUL.
bool fields_are_valid(const Response& response) noexcept;

/// The Content-Length field a handler set (one field, all digits), or nullopt. Only a
/// response to HEAD uses it: otherwise the body's size is the length.
std::optional<std::size_t> given_length(const Response& response) noexcept;

/// True when the response may carry `Connection: close` from the handler.
bool asks_to_close(const Response& response) noexcept;

/// "Server: <name>\r\n", or empty for an empty name.
std::string server_line(std::string_view name);

/// Appends "HTTP/1.1 <status> <reason>\r\n", the server's fields, the response's
/// fields and the empty line to `out`.
void append_head(std::string& out, const Response& response, const HeadFacts& facts);

/// Whether `status` may carry a body at all (not 1xx, 204 or 304).
constexpr bool status_has_body(int status) noexcept { return status >= 200 && status != 204 && status != 304; }

}  // namespace weft::http::detail
