#include "echo_server.hpp"

#include <array>
#include <system_error>

namespace echo {

using namespace weft;

Task<void> serve_connection(net::TcpStream stream, std::chrono::milliseconds idle, std::shared_ptr<std::size_t> live) {
  std::array<std::byte, 8192> buffer;
  while (true) {
    auto outcome = co_await select(stream.read(buffer), sleep(idle));
    if (outcome.index() == 1) break;  // idle for too long
    auto& read = std::get<0>(outcome);
    if (!read || *read == 0) break;  // error (a reset peer) or end of stream
    if (!co_await stream.write_all(std::span(buffer).first(*read))) break;
  }
  --*live;
}

Task<void> accept_loop(net::TcpListener listener, Config config) {
  auto live = std::make_shared<std::size_t>(0);
  while (true) {
    auto stream = co_await listener.accept();
    if (!stream) {
      if (cancelled()) co_return;
      log::warn("weft-echo: accept failed: {}", stream.error().message());
      co_await sleep(std::chrono::milliseconds(10));  // e.g. out of fds: let some close
      continue;
    }
    if (*live >= config.max_connections) continue;  // over the limit: closed at once
    ++*live;
    spawn(serve_connection(std::move(*stream), config.idle_timeout, live)).detach();
  }
}

Task<void> listen_here(net::Address address, Config config) {
  auto listener = net::TcpListener::bind(address);
  if (!listener) throw std::system_error(listener.error(), "cannot listen on " + address.to_string());
  spawn(accept_loop(std::move(*listener), config)).detach();
  co_return;
}

}  // namespace echo
