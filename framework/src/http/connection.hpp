// One HTTP/1.1 connection: reads requests, runs the router, writes responses in order.
#pragma once

#include <weft/core/task.hpp>
#include <weft/net/tcp_stream.hpp>

#include <cstdint>

namespace weft::http::detail {

class CoreServer;

/// Serves `stream` until the client closes, a timeout, an error, a response that
/// closes, or cancellation (a drain); then calls core.closed(id). Between requests of
/// a keep-alive connection it parks the stream with the core instead (core.park) and
/// ends; the core starts it again, `resumed`, when the next request's bytes come.
/// `idle` (the core's flag for this connection, alive until closed()) is true while it
/// waits between requests, when a drain may close it.
Task<void> serve_connection(CoreServer& core, net::TcpStream stream, std::uint64_t id, bool& idle, bool resumed);

}  // namespace weft::http::detail
