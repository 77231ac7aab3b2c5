// weft-echo's serving code, apart from main so tests can drive it on a paused clock.
#pragma once

#include "echo_config.hpp"

#include <weft/weft.hpp>

#include <chrono>
#include <cstddef>
#include <memory>

namespace echo {

/// Echoes until the peer closes, an error (a reset peer), or `idle` passes with no
/// byte received; then closes the stream. `live` counts this core's connections.
weft::Task<void> serve_connection(weft::net::TcpStream stream, std::chrono::milliseconds idle,
                                  std::shared_ptr<std::size_t> live);

/// Accepts on `listener` forever, one serve_connection task per connection, closing
/// connections beyond config.max_connections at once.
weft::Task<void> accept_loop(weft::net::TcpListener listener, Config config);

/// Binds `address` on this core and starts accept_loop there; throws std::system_error
/// naming the address when it cannot listen.
weft::Task<void> listen_here(weft::net::Address address, Config config);

}  // namespace echo
