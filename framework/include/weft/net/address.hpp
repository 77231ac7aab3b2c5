// A socket address (IPv4, IPv6 or Unix path) held by value, ready to hand to the kernel.
//
// The bytes are a `sockaddr_in`, `sockaddr_in6` or `sockaddr_un` kept in an opaque,
// aligned 128-byte buffer (the size of `sockaddr_storage`), so this header needs no OS
// headers: `data()` and `size()` go straight to bind/connect/sendto, and an accept or
// recvfrom writes into `data()` (up to `capacity()` bytes) and reports back through
// `set_size()`. Names are never resolved: the only host name understood is `localhost`.
#pragma once

#include <weft/core/result.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

struct sockaddr;

namespace weft::net {

class Address {
 public:
  enum class Family { ipv4, ipv6, unix_path };

  /// 0.0.0.0:0, a placeholder to accept or recvfrom into.
  Address() noexcept;

  /// Parses a listen or connect address:
  ///   `1.2.3.4:80`, `[::1]:8080`, `[fe80::1%eth0]:80` (scope by name or number),
  ///   `localhost:80` (= 127.0.0.1), `*:80` and `:80` (= 0.0.0.0),
  ///   `unix:/run/weft.sock`, `unix:@abstract` (Linux abstract namespace).
  /// Port 0 is allowed (the kernel picks one). Fails with errc::invalid_address on a
  /// missing or out-of-range port, an unbracketed IPv6 address, a host name other than
  /// localhost, or anything else; explain_parse_error() says which.
  static Result<Address> parse(std::string_view text);

  /// Why parse(text) fails, as one line quoting the input, e.g. `'[::1:80': missing ']'`;
  /// empty when it succeeds. For command lines and config errors.
  static std::string explain_parse_error(std::string_view text);

  /// An IPv4 address from a host-order integer (0x7f000001 is 127.0.0.1).
  static Address ipv4(std::uint32_t host_order_addr, std::uint16_t port) noexcept;
  /// 127.0.0.1:port
  static Address ipv4_loopback(std::uint16_t port) noexcept;
  /// 0.0.0.0:port
  static Address ipv4_any(std::uint16_t port) noexcept;
  /// [::1]:port
  static Address ipv6_loopback(std::uint16_t port) noexcept;
  /// [::]:port
  static Address ipv6_any(std::uint16_t port) noexcept;

  /// A Unix socket path. A leading '\0' selects Linux's abstract namespace. Fails with
  /// errc::invalid_address when empty, when it holds a '\0' elsewhere, or when it does
  /// not fit `sockaddr_un::sun_path` (107 bytes for a path, 107 after the '\0' for an
  /// abstract name).
  static Result<Address> unix_path(std::string_view path);

  /// Copies an address the kernel returned (getsockname, getpeername, accept). `len`
  /// beyond capacity() is cut to capacity(). The family must be AF_INET, AF_INET6 or
  /// AF_UNIX; any other family gives the default address 0.0.0.0:0.
  static Address from_sockaddr(const ::sockaddr* addr, std::uint32_t len) noexcept;

  Family family() const noexcept;
  /// The port; 0 for a Unix address.
  std::uint16_t port() const noexcept;
  /// A copy with `port`; a Unix address is returned unchanged.
  Address with_port(std::uint16_t port) const noexcept;
  /// The host without port or brackets: `1.2.3.4`, `::1`, `fe80::1%eth0`, or the Unix
  /// path (`@name` for an abstract one; empty for an unnamed socket).
  std::string host() const;
  /// `1.2.3.4:80`, `[::1]:80`, `unix:/path`, `unix:@name`; parse() reads it back.
  std::string to_string() const;

  /// The bytes for bind/connect/sendto, or to be written by accept/recvfrom.
  const ::sockaddr* data() const noexcept;
  ::sockaddr* data() noexcept;
  /// How many bytes of data() are the address (the socklen_t to pass).
  std::uint32_t size() const noexcept { return size_; }
  /// Records how many bytes the kernel wrote into data(); cut to capacity().
  void set_size(std::uint32_t size) noexcept { size_ = size < capacity() ? size : capacity(); }
  /// The buffer size behind data(): sizeof(sockaddr_storage).
  static constexpr std::uint32_t capacity() noexcept { return kCapacity; }

  /// Same family, host, port (and IPv6 scope), or same Unix path.
  friend bool operator==(const Address& a, const Address& b) noexcept;

 private:
  static constexpr std::uint32_t kCapacity = 128;

  alignas(8) std::byte storage_[kCapacity];
  std::uint32_t size_;
};

}  // namespace weft::net
