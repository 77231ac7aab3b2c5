// One HTTP/1.1 connection: reads requests, runs the router, writes responses in order.
#pragma once

#include <weft/core/task.hpp>
#include <weft/net/tcp_stream.hpp>

#include <cstdint>

namespace weft::http::detail {

class CoreServer;

/// Serves `stream` until the client closes, a timeout, an error, a response that
/// closes, or cancellation (a drain); then calls core.closed(id).
Task<void> serve_connection(CoreServer& core, net::TcpStream stream, std::uint64_t id);

}  // namespace weft::http::detail
