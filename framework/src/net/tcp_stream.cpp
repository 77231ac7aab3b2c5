#include <weft/net/tcp_stream.hpp>

#include "socket_util.hpp"

#include <weft/runtime/with_timeout.hpp>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

namespace weft::net {

Task<Result<TcpStream>> TcpStream::connect(const Address& address) {
  if (address.family() == Address::Family::unix_path) co_return fail(std::errc::address_family_not_supported);
  auto fd = detail::stream_socket(address.data()->sa_family);
  if (!fd) co_return fail(fd.error());
  IoHandle handle(*fd);
  const Address target = address;  // the caller's address may not outlive the wait
  auto connected = co_await handle.connect(target.data(), target.size());
  if (!connected) co_return fail(connected.error());
  TcpStream stream(std::move(handle));
  co_return stream;
}

Task<Result<TcpStream>> TcpStream::connect(const Address& address, std::chrono::nanoseconds timeout) {
  auto outcome = co_await with_timeout(timeout, connect(address));
  if (!outcome) co_return fail(outcome.error());
  co_return std::move(*outcome);
}

Result<void> TcpStream::set_nodelay(bool on) noexcept {
  const int value = on ? 1 : 0;
  if (::setsockopt(handle_.fd(), IPPROTO_TCP, TCP_NODELAY, &value, sizeof value) < 0) return detail::errno_failure();
  return {};
}

}  // namespace weft::net
