#include <weft/http/peer_address.hpp>

#include <sys/socket.h>

namespace weft::http {

Result<net::Address> peer_address(const Request& request) {
  if (request.socket < 0) return fail(std::errc::not_connected);
  net::Address address;
  socklen_t size = net::Address::capacity();
  if (::getpeername(request.socket, address.data(), &size) != 0) return fail(std::error_code(errno, std::generic_category()));
  address.set_size(size);
  return address;
}

}  // namespace weft::http
