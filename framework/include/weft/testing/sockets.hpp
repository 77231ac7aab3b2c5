// Socket helpers for tests: a connected TCP pair on loopback, and reading an exact
// number of bytes.
#pragma once

#include <weft/core/task.hpp>
#include <weft/net/tcp_stream.hpp>

#include <cstddef>
#include <string>
#include <utility>

namespace weft::testing {

/// A connected pair on 127.0.0.1: {accepted side, connecting side}. Throws (through
/// Result::value) when the loopback connection fails.
/// Cancellation: total — the half-made pair is closed.
/// Completes inline: never.
Task<std::pair<net::TcpStream, net::TcpStream>> connected_pair();

/// Reads until `size` bytes came, the peer closed, or an error; returns what came.
/// Cancellation: total — what was read so far is returned.
/// Completes inline: may.
Task<std::string> read_exactly(net::TcpStream& stream, std::size_t size);

}  // namespace weft::testing
