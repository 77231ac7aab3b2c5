// ClientOptions: how an http::Client connects, how long it waits, and how many
// connections it keeps per origin.
#pragma once

#include <weft/http/limits.hpp>

#include <chrono>
#include <cstddef>
#include <string>

namespace weft::http {

struct ClientOptions {
  /// Response size limits: max_request_line bounds the status line, max_header_bytes
  /// and max_headers the header section, max_body a body read whole by send()
  /// (open() streams bodies of any size).
  Limits limits;
  /// Connections to one origin at a time, busy and idle. A request that finds all of
  /// them busy waits for one to come back (cancellably: in a select, it leaves the
  /// queue when it loses).
  std::size_t max_connections_per_origin = 64;
  /// A TCP connect must complete within it: errc::timed_out otherwise.
  std::chrono::milliseconds connect_timeout = std::chrono::seconds(5);
  /// Each write of the request (head, body or a piece of a streamed body).
  std::chrono::milliseconds write_timeout = std::chrono::seconds(30);
  /// From the end of the request to the end of the response's head.
  std::chrono::milliseconds response_timeout = std::chrono::seconds(30);
  /// The longest silence between two pieces of a response body.
  std::chrono::milliseconds read_timeout = std::chrono::seconds(30);
  /// A pooled connection unused for longer is closed instead of reused: servers close
  /// idle connections on their own schedule (nginx after 75 s, weft after 60 s), and a
  /// request sent as they do is lost on the wire.
  std::chrono::milliseconds idle_timeout = std::chrono::seconds(30);
  /// Sent as User-Agent unless the request has one; empty: none.
  std::string user_agent = "weft";
};

}  // namespace weft::http
