#include "socket_util.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace weft::net::detail {

Result<Address> socket_address(int fd, NameQuery query) {
  Address address;
  socklen_t length = Address::capacity();
  if (query(fd, address.data(), &length) < 0) return errno_failure();
  address.set_size(length);
  return Address::from_sockaddr(address.data(), length);
}

Result<int> stream_socket(int family) {
  const int fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno_failure();
  return fd;
}

Result<int> listen_socket(const Address& address, int backlog, bool reuse_port) {
  auto fd = stream_socket(address.data()->sa_family);
  if (!fd) return fd;
  const int on = 1;
  auto fail_closing = [&]() {
    const int error = errno;
    ::close(*fd);
    return std::unexpected(std::error_code(error, std::generic_category()));
  };
  if (address.family() != Address::Family::unix_path) {
    if (::setsockopt(*fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) < 0) return fail_closing();
    if (reuse_port && ::setsockopt(*fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) < 0) return fail_closing();
  }
  if (::bind(*fd, address.data(), address.size()) < 0) return fail_closing();
  if (::listen(*fd, backlog) < 0) return fail_closing();
  return fd;
}

}  // namespace weft::net::detail
