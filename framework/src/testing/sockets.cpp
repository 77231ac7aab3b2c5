#include <weft/testing/sockets.hpp>

#include <weft/net/tcp_listener.hpp>
#include <weft/runtime/join.hpp>

#include <span>

namespace weft::testing {

Task<std::pair<net::TcpStream, net::TcpStream>> connected_pair() {
  auto listener = net::TcpListener::bind(net::Address::ipv4_loopback(0)).value();
  const net::Address address = listener.local_address().value();
  auto [accepted, connected] = co_await join(listener.accept(), net::TcpStream::connect(address));
  co_return std::pair{std::move(accepted).value(), std::move(connected).value()};
}

Task<std::string> read_exactly(net::TcpStream& stream, std::size_t size) {
  std::string out(size, '\0');
  std::size_t got = 0;
  while (got < size) {
    auto read = co_await stream.read(std::span(out).subspan(got));
    if (!read || *read == 0) break;
    got += *read;
  }
  out.resize(got);
  co_return out;
}

}  // namespace weft::testing
