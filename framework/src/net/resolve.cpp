#include <weft/net/resolve.hpp>

#include <weft/runtime/offload.hpp>

#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <string>

namespace weft::net {
namespace {

struct Lookup {
  int status = 0;  // getaddrinfo's: 0, or an EAI_* code
  int error = 0;   // errno, for EAI_SYSTEM
  std::vector<Address> addresses;
};

Lookup lookup(const std::string& host, const std::string& port, int flags) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = flags;
  addrinfo* found = nullptr;
  Lookup out;
  out.status = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found);
  out.error = errno;
  if (out.status != 0) return out;
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> owner(found, &::freeaddrinfo);
  for (const addrinfo* info = found; info != nullptr; info = info->ai_next) {
    const Address address = Address::from_sockaddr(info->ai_addr, static_cast<std::uint32_t>(info->ai_addrlen));
    if (std::find(out.addresses.begin(), out.addresses.end(), address) == out.addresses.end()) {
      out.addresses.push_back(address);
    }
  }
  return out;
}

Result<std::vector<Address>> outcome(Lookup found) {
  switch (found.status) {
    case 0: return std::move(found.addresses);
    case EAI_NONAME:
#ifdef EAI_NODATA
    case EAI_NODATA:
#endif
    case EAI_ADDRFAMILY: return fail(errc::invalid_address);
    case EAI_AGAIN: return fail(std::errc::resource_unavailable_try_again);
    case EAI_MEMORY: return fail(std::errc::not_enough_memory);
    case EAI_SYSTEM: return fail(std::error_code(found.error, std::generic_category()));
    default: return fail(std::errc::io_error);
  }
}

}  // namespace

Task<Result<std::vector<Address>>> resolve(std::string_view host, std::uint16_t port) {
  if (host.empty()) co_return fail(errc::invalid_address);
  std::string name(host);
  std::string service = std::to_string(port);
  // A literal needs no lookup, and AI_NUMERICHOST never blocks.
  Lookup literal = lookup(name, service, AI_NUMERICHOST | AI_NUMERICSERV);
  if (literal.status == 0) co_return std::move(literal.addresses);
  auto work = [name = std::move(name), service = std::move(service)] {
    return lookup(name, service, AI_NUMERICSERV);
  };
  Lookup found;
  try {
    found = co_await offload(std::move(work));  // named first: see submit_to.hpp
  } catch (const Cancelled&) {
    co_return fail(std::errc::operation_canceled);
  }
  co_return outcome(std::move(found));
}

}  // namespace weft::net
