#include <weft/net/unix_stream.hpp>

#include "socket_util.hpp"

#include <sys/socket.h>

namespace weft::net {

Task<Result<UnixStream>> UnixStream::connect(const Address& address) {
  if (address.family() != Address::Family::unix_path) co_return fail(std::errc::address_family_not_supported);
  auto fd = detail::stream_socket(AF_UNIX);
  if (!fd) co_return fail(fd.error());
  IoHandle handle(*fd);
  const Address target = address;
  auto connected = co_await handle.connect(target.data(), target.size());
  if (!connected) co_return fail(connected.error());
  co_return UnixStream(std::move(handle));
}

Result<UnixListener> UnixListener::bind(const Address& address, int backlog) {
  if (address.family() != Address::Family::unix_path) return fail(std::errc::address_family_not_supported);
  auto fd = detail::listen_socket(address, backlog, false);
  if (!fd) return fail(fd.error());
  return UnixListener(IoHandle(*fd));
}

Task<Result<UnixStream>> UnixListener::accept() {
  auto fd = co_await handle_.accept();
  if (!fd) co_return fail(fd.error());
  co_return UnixStream(IoHandle(*fd));
}

}  // namespace weft::net
