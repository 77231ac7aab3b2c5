#include <weft/net/address.hpp>

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstring>
#include <expected>

namespace weft::net {

static_assert(sizeof(sockaddr_storage) <= Address::capacity(),
              "Address's buffer must hold any sockaddr");
static_assert(alignof(sockaddr_storage) <= 8, "Address's buffer must be aligned for sockaddr");
static_assert(offsetof(sockaddr, sa_family) == 0);

namespace {

constexpr std::size_t kSunPathOffset = offsetof(sockaddr_un, sun_path);
constexpr std::size_t kSunPathSize = sizeof(sockaddr_un::sun_path);

/// A parse failure's reason, without the quoted input.
using Parsed = std::expected<Address, std::string>;

template <class T>
T load(const ::sockaddr* from) noexcept {
  T value{};
  std::memcpy(&value, from, sizeof value);
  return value;
}

sa_family_t family_of(const ::sockaddr* addr) noexcept {
  sa_family_t family = 0;
  std::memcpy(&family, addr, sizeof family);
  return family;
}

/// Builds an Address holding exactly `value`.
template <class T>
Address make(const T& value, std::uint32_t size = sizeof(T)) noexcept {
  static_assert(sizeof(T) <= Address::capacity());
  Address address;
  std::memset(address.data(), 0, Address::capacity());
  std::memcpy(address.data(), &value, sizeof value);
  address.set_size(size);
  return address;
}

Address make_ipv6(const in6_addr& host, std::uint16_t port, std::uint32_t scope) noexcept {
  sockaddr_in6 in6{};
  in6.sin6_family = AF_INET6;
  in6.sin6_port = htons(port);
  in6.sin6_addr = host;
  in6.sin6_scope_id = scope;
  return make(in6);
}

/// The Unix path bytes: up to the first '\0' for a path, all of them for an abstract name
/// (which starts with '\0'); empty for an unnamed socket.
std::string_view unix_name(const ::sockaddr* addr, std::uint32_t size) noexcept {
  if (size <= kSunPathOffset) return {};
  const char* path = reinterpret_cast<const char*>(addr) + kSunPathOffset;
  const std::size_t length = std::min<std::size_t>(size - kSunPathOffset, kSunPathSize);
  if (path[0] == '\0') return {path, length};
  return {path, strnlen(path, length)};
}

Parsed parse_unix(std::string_view path) {
  if (path.empty()) return std::unexpected("empty Unix socket path");
  const bool abstract = path.front() == '\0';
  if (path.find('\0', abstract ? 1 : 0) != std::string_view::npos) {
    return std::unexpected("Unix socket path contains a NUL byte");
  }
  // A path needs its terminating '\0' inside sun_path; an abstract name needs none.
  if (path.size() + (abstract ? 0 : 1) > kSunPathSize) {
    return std::unexpected("Unix socket path is longer than " + std::to_string(kSunPathSize - 1) +
                           " bytes");
  }
  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  std::memcpy(un.sun_path, path.data(), path.size());
  return make(un, static_cast<std::uint32_t>(kSunPathOffset + path.size() + (abstract ? 0 : 1)));
}

std::expected<std::uint16_t, std::string> parse_port(std::string_view text) {
  if (text.empty()) return std::unexpected("missing port after ':'");
  if (!std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::unexpected("port '" + std::string(text) + "' is not a number");
  }
  std::uint32_t port = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (ec != std::errc{} || port > 65535) {
    return std::unexpected("port " + std::string(text) + " is out of range (0..65535)");
  }
  return static_cast<std::uint16_t>(port);
}

/// `[v6]:port` or `[v6%scope]:port`, brackets included.
Parsed parse_bracketed(std::string_view text) {
  const std::size_t close = text.find(']');
  if (close == std::string_view::npos) return std::unexpected("missing ']'");
  std::string_view host = text.substr(1, close - 1);
  const std::string_view rest = text.substr(close + 1);
  if (rest.empty()) return std::unexpected("missing port (expected [host]:port)");
  if (rest.front() != ':') return std::unexpected("expected ':' and a port after ']'");
  const auto port = parse_port(rest.substr(1));
  if (!port) return std::unexpected(port.error());

  std::uint32_t scope = 0;
  if (const std::size_t percent = host.find('%'); percent != std::string_view::npos) {
    const std::string name(host.substr(percent + 1));
    host = host.substr(0, percent);
    if (name.empty()) return std::unexpected("missing interface after '%'");
    const auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), scope);
    if (ec != std::errc{} || end != name.data() + name.size()) {
      scope = if_nametoindex(name.c_str());
      if (scope == 0) return std::unexpected("unknown network interface '" + name + "'");
    }
  }
  in6_addr in6{};
  if (inet_pton(AF_INET6, std::string(host).c_str(), &in6) != 1) {
    return std::unexpected("'" + std::string(host) + "' is not an IPv6 address");
  }
  return make_ipv6(in6, *port, scope);
}

/// `host:port` with an IPv4 host, `localhost`, `*` or nothing.
Parsed parse_ipv4(std::string_view text) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return std::unexpected("missing port (expected host:port)");
  const std::string_view host = text.substr(0, colon);
  if (host.find(':') != std::string_view::npos) {
    return std::unexpected("an IPv6 address needs brackets, like '[::1]:80'");
  }
  const auto port = parse_port(text.substr(colon + 1));
  if (!port) return std::unexpected(port.error());
  if (host.empty() || host == "*") return Address::ipv4_any(*port);
  if (host == "localhost") return Address::ipv4_loopback(*port);
  in_addr in{};
  if (inet_pton(AF_INET, std::string(host).c_str(), &in) == 1) {
    return Address::ipv4(ntohl(in.s_addr), *port);
  }
  if (std::all_of(host.begin(), host.end(), [](char c) { return c == '.' || (c >= '0' && c <= '9'); })) {
    return std::unexpected("'" + std::string(host) + "' is not an IPv4 address");
  }
  return std::unexpected("host names other than 'localhost' are not resolved; use an IP address");
}

Parsed parse_detailed(std::string_view text) {
  if (text.empty()) return std::unexpected("empty address");
  if (text.starts_with("unix:")) {
    const std::string_view path = text.substr(5);
    if (path.starts_with('@')) return parse_unix(std::string(1, '\0') + std::string(path.substr(1)));
    return parse_unix(path);
  }
  if (text.front() == '[') return parse_bracketed(text);
  return parse_ipv4(text);
}

}  // namespace

Address::Address() noexcept : storage_{}, size_(sizeof(sockaddr_in)) {
  sockaddr_in in{};
  in.sin_family = AF_INET;
  std::memcpy(storage_, &in, sizeof in);
}

Result<Address> Address::parse(std::string_view text) {
  auto parsed = parse_detailed(text);
  if (!parsed) return fail(errc::invalid_address);
  return *parsed;
}

std::string Address::explain_parse_error(std::string_view text) {
  const auto parsed = parse_detailed(text);
  if (parsed) return {};
  return "'" + std::string(text) + "': " + parsed.error();
}

Address Address::ipv4(std::uint32_t host_order_addr, std::uint16_t port) noexcept {
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_port = htons(port);
  in.sin_addr.s_addr = htonl(host_order_addr);
  return make(in);
}

Address Address::ipv4_loopback(std::uint16_t port) noexcept { return ipv4(INADDR_LOOPBACK, port); }
Address Address::ipv4_any(std::uint16_t port) noexcept { return ipv4(INADDR_ANY, port); }
Address Address::ipv6_loopback(std::uint16_t port) noexcept {
  return make_ipv6(in6addr_loopback, port, 0);
}
Address Address::ipv6_any(std::uint16_t port) noexcept { return make_ipv6(in6addr_any, port, 0); }

Result<Address> Address::unix_path(std::string_view path) {
  auto parsed = parse_unix(path);
  if (!parsed) return fail(errc::invalid_address);
  return *parsed;
}

Address Address::from_sockaddr(const ::sockaddr* addr, std::uint32_t len) noexcept {
  if (addr == nullptr || len < sizeof(sa_family_t)) return Address();
  const sa_family_t family = family_of(addr);
  if (family != AF_INET && family != AF_INET6 && family != AF_UNIX) return Address();
  Address address;
  address.set_size(len);
  std::memset(address.storage_, 0, capacity());
  std::memcpy(address.storage_, addr, address.size_);
  return address;
}

Address::Family Address::family() const noexcept {
  switch (family_of(data())) {
    case AF_INET6: return Family::ipv6;
    case AF_UNIX: return Family::unix_path;
    default: return Family::ipv4;
  }
}

std::uint16_t Address::port() const noexcept {
  switch (family()) {
    case Family::ipv4: return ntohs(load<sockaddr_in>(data()).sin_port);
    case Family::ipv6: return ntohs(load<sockaddr_in6>(data()).sin6_port);
    case Family::unix_path: break;
  }
  return 0;
}

Address Address::with_port(std::uint16_t port) const noexcept {
  Address copy = *this;
  if (family() == Family::ipv4) {
    auto in = load<sockaddr_in>(data());
    in.sin_port = htons(port);
    std::memcpy(copy.storage_, &in, sizeof in);
  } else if (family() == Family::ipv6) {
    auto in6 = load<sockaddr_in6>(data());
    in6.sin6_port = htons(port);
    std::memcpy(copy.storage_, &in6, sizeof in6);
  }
  return copy;
}

std::string Address::host() const {
  char text[INET6_ADDRSTRLEN + IF_NAMESIZE + 1] = {};
  switch (family()) {
    case Family::ipv4: {
      const auto in = load<sockaddr_in>(data());
      inet_ntop(AF_INET, &in.sin_addr, text, sizeof text);
      return text;
    }
    case Family::ipv6: {
      const auto in6 = load<sockaddr_in6>(data());
      inet_ntop(AF_INET6, &in6.sin6_addr, text, sizeof text);
      std::string host = text;
      if (in6.sin6_scope_id != 0) {
        char name[IF_NAMESIZE] = {};
        host += '%';
        host += if_indextoname(in6.sin6_scope_id, name) != nullptr
                    ? std::string(name)
                    : std::to_string(in6.sin6_scope_id);
      }
      return host;
    }
    case Family::unix_path: {
      const std::string_view name = unix_name(data(), size_);
      if (name.starts_with('\0')) return "@" + std::string(name.substr(1));
      return std::string(name);
    }
  }
  return {};
}

std::string Address::to_string() const {
  switch (family()) {
    case Family::ipv4: return host() + ":" + std::to_string(port());
    case Family::ipv6: return "[" + host() + "]:" + std::to_string(port());
    case Family::unix_path: return "unix:" + host();
  }
  return {};
}

const ::sockaddr* Address::data() const noexcept {
  return reinterpret_cast<const ::sockaddr*>(storage_);
}

::sockaddr* Address::data() noexcept { return reinterpret_cast<::sockaddr*>(storage_); }

bool operator==(const Address& a, const Address& b) noexcept {
  if (a.family() != b.family()) return false;
  switch (a.family()) {
    case Address::Family::ipv4: {
      const auto x = load<sockaddr_in>(a.data()), y = load<sockaddr_in>(b.data());
      return x.sin_port == y.sin_port && x.sin_addr.s_addr == y.sin_addr.s_addr;
    }
    case Address::Family::ipv6: {
      const auto x = load<sockaddr_in6>(a.data()), y = load<sockaddr_in6>(b.data());
      return x.sin6_port == y.sin6_port && x.sin6_scope_id == y.sin6_scope_id &&
             std::memcmp(&x.sin6_addr, &y.sin6_addr, sizeof x.sin6_addr) == 0;
    }
    case Address::Family::unix_path:
      return unix_name(a.data(), a.size()) == unix_name(b.data(), b.size());
  }
  return false;
}

}  // namespace weft::net
