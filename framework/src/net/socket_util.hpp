// Socket plumbing shared by the TCP and Unix streams and listeners.
#pragma once

#include <weft/core/result.hpp>
#include <weft/net/address.hpp>

#include <sys/socket.h>

#include <cerrno>

namespace weft::net::detail {

inline std::unexpected<std::error_code> errno_failure() {
  return std::unexpected(std::error_code(errno, std::generic_category()));
}

using NameQuery = int (*)(int, sockaddr*, socklen_t*) noexcept;

/// getsockname / getpeername into an Address.
Result<Address> socket_address(int fd, NameQuery query);

/// A new non-blocking, close-on-exec stream socket for `family` (AF_INET, ...).
Result<int> stream_socket(int family);

/// socket + options + bind + listen. SO_REUSEADDR always; SO_REUSEPORT when asked.
Result<int> listen_socket(const Address& address, int backlog, bool reuse_port);

}  // namespace weft::net::detail
