// ServerOptions: what an HTTP server listens on and how much it tolerates. conf/ reads
// them from a config file's [http] section (weft/conf/http_section.hpp).
#pragma once

#include <weft/http/limits.hpp>
#include <weft/net/address.hpp>

#include <chrono>
#include <cstddef>
#include <string>

namespace weft::http {

struct ServerOptions {
  net::Address listen = net::Address::ipv4_loopback(8080);
  /// Request size limits (413/414/431).
  Limits limits;
  /// Open connections per core; more are accepted, answered 503 and closed at once.
  std::size_t max_connections = 10000;
  /// A new connection must send a first byte within it (or is closed silently), and a
  /// request's header section must end within it of the request's first byte (or gets
  /// 408 and the connection closes).
  std::chrono::milliseconds header_timeout = std::chrono::seconds(10);
  /// From the end of the header section to the end of the body. Over it: 408, close.
  std::chrono::milliseconds body_timeout = std::chrono::seconds(30);
  /// How long a keep-alive connection may take to read the last responses and send its
  /// next request (the write of small responses and the idle wait share this limit).
  std::chrono::milliseconds keepalive_timeout = std::chrono::seconds(60);
  /// How long a write outside that wait may take: a large body, a piece of a streamed
  /// one, responses sent before reading more of a request. Over it: the connection closes.
  std::chrono::milliseconds write_timeout = std::chrono::seconds(30);
  /// Call handlers as soon as a request's head has arrived and let them read the body
  /// through Request::body_reader (body_reader.hpp) instead of receiving it whole:
  /// bodies pass through in bounded memory. max_body still bounds each body, and
  /// body_timeout then bounds each wait for body bytes rather than the whole body.
  bool stream_request_bodies = false;
  /// A handler running longer is cancelled and answered 503; zero: no limit.
  std::chrono::milliseconds handler_timeout = std::chrono::milliseconds(0);
  /// On stop(): how long in-flight requests may take before their connections are cut.
  std::chrono::milliseconds drain_timeout = std::chrono::seconds(10);
  /// Sent as the Server field; empty: none.
  std::string server_name = "weft";
  /// One log line per request: method, target, status, body bytes, microseconds.
  bool access_log = false;
};

}  // namespace weft::http
