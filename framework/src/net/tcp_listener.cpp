#include <weft/net/tcp_listener.hpp>

#include "socket_util.hpp"

#include <sys/socket.h>

namespace weft::net {

Result<TcpListener> TcpListener::bind(const Address& address, Options options) {
  if (address.family() == Address::Family::unix_path) return fail(std::errc::address_family_not_supported);
  auto fd = detail::listen_socket(address, options.backlog, options.reuse_port);
  if (!fd) return fail(fd.error());
  return TcpListener(IoHandle(*fd));
}

Task<Result<TcpStream>> TcpListener::accept() {
  auto fd = co_await handle_.accept();
  if (!fd) co_return fail(fd.error());
  co_return TcpStream(IoHandle(*fd));
}

Result<Address> TcpListener::local_address() const { return detail::socket_address(handle_.fd(), &::getsockname); }

}  // namespace weft::net
