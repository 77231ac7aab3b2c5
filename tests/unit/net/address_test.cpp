#include <weft/net/address.hpp>

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

namespace weft::net {
namespace {

using Family = Address::Family;

static_assert(Address::capacity() >= sizeof(sockaddr_storage));

Address parsed(std::string_view text) {
  auto address = Address::parse(text);
  EXPECT_TRUE(address.has_value()) << Address::explain_parse_error(text);
  return address.value_or(Address());
}

/// Closes a descriptor at scope exit.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

TEST(Address, ParsesIpv4WithPort) {
  const auto a = parsed("1.2.3.4:80");
  EXPECT_EQ(a.family(), Family::ipv4);
  EXPECT_EQ(a.host(), "1.2.3.4");
  EXPECT_EQ(a.port(), 80);
  EXPECT_EQ(a.to_string(), "1.2.3.4:80");
}

TEST(Address, ParsesBracketedIpv6) {
  const auto a = parsed("[::1]:8080");
  EXPECT_EQ(a.family(), Family::ipv6);
  EXPECT_EQ(a.host(), "::1");
  EXPECT_EQ(a.port(), 8080);
  EXPECT_EQ(a.to_string(), "[::1]:8080");
  EXPECT_EQ(parsed("[2001:db8::a:b]:1").to_string(), "[2001:db8::a:b]:1");
}

TEST(Address, ParsesIpv6ScopeByNumberOrInterfaceName) {
  const auto numeric = parsed("[fe80::1%7]:80");
  EXPECT_EQ(numeric.family(), Family::ipv6);
  EXPECT_EQ(numeric.port(), 80);
  EXPECT_NE(numeric, parsed("[fe80::1]:80"));
  EXPECT_NE(numeric, parsed("[fe80::1%8]:80"));

  const unsigned lo = if_nametoindex("lo");
  if (lo == 0) GTEST_SKIP() << "no loopback interface named 'lo' here";
  const auto named = parsed("[fe80::1%lo]:80");
  EXPECT_EQ(named, parsed("[fe80::1%" + std::to_string(lo) + "]:80"));
  EXPECT_EQ(named.host(), "fe80::1%lo");
  EXPECT_EQ(named.to_string(), "[fe80::1%lo]:80");
}

TEST(Address, LocalhostMeansIpv4Loopback) {
  EXPECT_EQ(parsed("localhost:80"), Address::ipv4_loopback(80));
  EXPECT_EQ(parsed("localhost:80").to_string(), "127.0.0.1:80");
}

TEST(Address, StarAndAnEmptyHostMeanAnyIpv4) {
  EXPECT_EQ(parsed("*:80"), Address::ipv4_any(80));
  EXPECT_EQ(parsed(":80"), Address::ipv4_any(80));
  EXPECT_EQ(parsed(":80").to_string(), "0.0.0.0:80");
}

TEST(Address, PortZeroIsAllowed) {
  EXPECT_EQ(parsed("127.0.0.1:0").port(), 0);
  EXPECT_EQ(parsed("[::]:0"), Address::ipv6_any(0));
  EXPECT_EQ(parsed("1.2.3.4:65535").port(), 65535);
}

TEST(Address, ParsesUnixPathsAndAbstractNames) {
  const auto path = parsed("unix:/run/weft.sock");
  EXPECT_EQ(path.family(), Family::unix_path);
  EXPECT_EQ(path.host(), "/run/weft.sock");
  EXPECT_EQ(path.port(), 0);
  EXPECT_EQ(path.to_string(), "unix:/run/weft.sock");
  EXPECT_EQ(path.size(), offsetof(sockaddr_un, sun_path) + std::strlen("/run/weft.sock") + 1);

  const auto abstract = parsed("unix:@weft");
  EXPECT_EQ(abstract.host(), "@weft");
  EXPECT_EQ(abstract.to_string(), "unix:@weft");
  EXPECT_EQ(abstract.size(), offsetof(sockaddr_un, sun_path) + 5);
  EXPECT_EQ(abstract, Address::unix_path(std::string_view("\0weft", 5)).value());
}

struct BadInput {
  std::string_view text;
  std::string_view reason;
};

class AddressParseError : public ::testing::TestWithParam<BadInput> {};

TEST_P(AddressParseError, FailsWithInvalidAddressAndExplainsWhy) {
  const auto& [text, reason] = GetParam();
  const auto result = Address::parse(text);
  ASSERT_FALSE(result.has_value()) << text;
  EXPECT_EQ(result.error(), make_error_code(errc::invalid_address));
  EXPECT_EQ(Address::explain_parse_error(text), "'" + std::string(text) + "': " + std::string(reason));
}

INSTANTIATE_TEST_SUITE_P(
    EveryRejectedForm, AddressParseError,
    ::testing::Values(
        BadInput{"", "empty address"},
        BadInput{"garbage", "missing port (expected host:port)"},
        BadInput{"1.2.3.4", "missing port (expected host:port)"},
        BadInput{"1.2.3.4:", "missing port after ':'"},
        BadInput{"1.2.3.4:65536", "port 65536 is out of range (0..65535)"},
        BadInput{"1.2.3.4:99999999999", "port 99999999999 is out of range (0..65535)"},
        BadInput{"1.2.3.4:8x", "port '8x' is not a number"},
        BadInput{"1.2.3.4:-1", "port '-1' is not a number"},
        BadInput{"1.2.3.4: 80", "port ' 80' is not a number"},
        BadInput{"::1:80", "an IPv6 address needs brackets, like '[::1]:80'"},
        BadInput{"::1", "an IPv6 address needs brackets, like '[::1]:80'"},
        BadInput{"[::1:80", "missing ']'"},
        BadInput{"[::1]", "missing port (expected [host]:port)"},
        BadInput{"[::1]80", "expected ':' and a port after ']'"},
        BadInput{"[::1]:", "missing port after ':'"},
        BadInput{"[::1]:70000", "port 70000 is out of range (0..65535)"},
        BadInput{"[1.2.3.4]:80", "'1.2.3.4' is not an IPv6 address"},
        BadInput{"[]:80", "'' is not an IPv6 address"},
        BadInput{"[fe80::1%]:80", "missing interface after '%'"},
        BadInput{"[fe80::1%no_such_if0]:80", "unknown network interface 'no_such_if0'"},
        BadInput{"1.2.3:80", "'1.2.3' is not an IPv4 address"},
        BadInput{"256.1.1.1:80", "'256.1.1.1' is not an IPv4 address"},
        BadInput{"example.com:80",
                 "host names other than 'localhost' are not resolved; use an IP address"},
        BadInput{"unix:", "empty Unix socket path"}));

TEST(Address, ExplainIsEmptyForValidInput) {
  EXPECT_EQ(Address::explain_parse_error("1.2.3.4:80"), "");
  EXPECT_EQ(Address::explain_parse_error("[::1]:0"), "");
}

TEST(Address, FactoriesBuildTheNamedAddresses) {
  EXPECT_EQ(Address::ipv4(0x01020304, 80).to_string(), "1.2.3.4:80");
  EXPECT_EQ(Address::ipv4_loopback(7000).to_string(), "127.0.0.1:7000");
  EXPECT_EQ(Address::ipv4_any(0).to_string(), "0.0.0.0:0");
  EXPECT_EQ(Address::ipv6_loopback(443).to_string(), "[::1]:443");
  EXPECT_EQ(Address::ipv6_any(1).to_string(), "[::]:1");
  EXPECT_EQ(Address().to_string(), "0.0.0.0:0");
}

TEST(Address, UnixPathRejectsEmptyTooLongAndEmbeddedNul) {
  const std::size_t max = sizeof(sockaddr_un::sun_path) - 1;
  EXPECT_TRUE(Address::unix_path(std::string(max, 'x')).has_value());
  EXPECT_EQ(Address::unix_path(std::string(max + 1, 'x')).error(),
            make_error_code(errc::invalid_address));
  EXPECT_FALSE(Address::unix_path("").has_value());
  EXPECT_FALSE(Address::unix_path(std::string_view("a\0b", 3)).has_value());
  const std::string long_path = "unix:/" + std::string(max, 'x');
  EXPECT_EQ(Address::explain_parse_error(long_path),
            "'" + long_path + "': Unix socket path is longer than " + std::to_string(max) + " bytes");
}

TEST(Address, WithPortChangesOnlyThePort) {
  EXPECT_EQ(Address::ipv4(0x0a000001, 1).with_port(2), Address::ipv4(0x0a000001, 2));
  EXPECT_EQ(parsed("[fe80::1%3]:1").with_port(9), parsed("[fe80::1%3]:9"));
  const auto path = Address::unix_path("/tmp/s").value();
  EXPECT_EQ(path.with_port(80), path);
}

TEST(Address, ToStringRoundTripsThroughParse) {
  for (std::string_view text : {"1.2.3.4:80", "0.0.0.0:0", "[::1]:8080", "[::ffff:1.2.3.4]:1",
                                "[fe80::1%5]:80", "unix:/a/b.sock", "unix:@name"}) {
    EXPECT_EQ(parsed(text).to_string(), text);
    EXPECT_EQ(parsed(parsed(text).to_string()), parsed(text));
  }
}

TEST(Address, EqualityComparesFamilyHostPortAndPath) {
  EXPECT_EQ(parsed("1.2.3.4:80"), Address::ipv4(0x01020304, 80));
  EXPECT_NE(parsed("1.2.3.4:80"), parsed("1.2.3.4:81"));
  EXPECT_NE(parsed("1.2.3.4:80"), parsed("1.2.3.5:80"));
  EXPECT_NE(Address::ipv4_any(80), Address::ipv6_any(80));
  EXPECT_EQ(Address::unix_path("/x").value(), Address::unix_path("/x").value());
  EXPECT_NE(Address::unix_path("/x").value(), Address::unix_path("/y").value());
  EXPECT_NE(Address::unix_path("/x").value(), parsed("unix:@/x"));
}

TEST(Address, DataAndSizeAreTheKernelsSockaddr) {
  const auto v4 = Address::ipv4(0x7f000001, 0x1234);
  ASSERT_EQ(v4.size(), sizeof(sockaddr_in));
  sockaddr_in in{};
  std::memcpy(&in, v4.data(), sizeof in);
  EXPECT_EQ(in.sin_family, AF_INET);
  EXPECT_EQ(in.sin_port, htons(0x1234));
  EXPECT_EQ(in.sin_addr.s_addr, htonl(INADDR_LOOPBACK));

  const auto v6 = Address::ipv6_loopback(443);
  ASSERT_EQ(v6.size(), sizeof(sockaddr_in6));
  sockaddr_in6 in6{};
  std::memcpy(&in6, v6.data(), sizeof in6);
  EXPECT_EQ(in6.sin6_family, AF_INET6);
  EXPECT_EQ(in6.sin6_port, htons(443));
  EXPECT_TRUE(IN6_IS_ADDR_LOOPBACK(&in6.sin6_addr));
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(v6.data()) % alignof(sockaddr_storage), 0u);
}

TEST(Address, FromSockaddrCopiesWhatTheKernelReturned) {
  sockaddr_in6 in6{};
  in6.sin6_family = AF_INET6;
  in6.sin6_port = htons(99);
  in6.sin6_addr = in6addr_loopback;
  const auto a = Address::from_sockaddr(reinterpret_cast<const sockaddr*>(&in6), sizeof in6);
  EXPECT_EQ(a, Address::ipv6_loopback(99));
  EXPECT_EQ(a.size(), sizeof in6);
}

TEST(Address, FromSockaddrGivesTheDefaultForAnUnsupportedFamilyOrNull) {
  sockaddr_storage storage{};
  storage.ss_family = AF_PACKET;
  EXPECT_EQ(Address::from_sockaddr(reinterpret_cast<const sockaddr*>(&storage), sizeof storage),
            Address());
  EXPECT_EQ(Address::from_sockaddr(nullptr, 16), Address());
}

TEST(Address, SetSizeIsCutToCapacity) {
  Address a;
  a.set_size(4096);
  EXPECT_EQ(a.size(), Address::capacity());
}

TEST(Address, ReadsBackTheKernelsPortAfterBindingPortZero) {
  const Fd sock{::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  ASSERT_GE(sock.fd, 0);
  const auto bound = parsed("127.0.0.1:0");
  ASSERT_EQ(::bind(sock.fd, bound.data(), bound.size()), 0) << std::strerror(errno);
  Address local;
  socklen_t len = Address::capacity();
  ASSERT_EQ(::getsockname(sock.fd, local.data(), &len), 0);
  local.set_size(len);
  EXPECT_EQ(local.family(), Family::ipv4);
  EXPECT_EQ(local.host(), "127.0.0.1");
  EXPECT_NE(local.port(), 0);
  EXPECT_EQ(local, bound.with_port(local.port()));
}

TEST(Address, ReadsBackABoundUnixPathAndAnUnnamedPeer) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("weft_address_test_" + std::to_string(::getpid()) + ".sock");
  std::filesystem::remove(path);
  const Fd sock{::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  ASSERT_GE(sock.fd, 0);
  const auto bound = Address::unix_path(path.string()).value();
  ASSERT_EQ(::bind(sock.fd, bound.data(), bound.size()), 0) << std::strerror(errno);
  sockaddr_storage storage{};
  socklen_t len = sizeof storage;
  ASSERT_EQ(::getsockname(sock.fd, reinterpret_cast<sockaddr*>(&storage), &len), 0);
  const auto local = Address::from_sockaddr(reinterpret_cast<sockaddr*>(&storage), len);
  std::filesystem::remove(path);
  EXPECT_EQ(local, bound);
  EXPECT_EQ(local.to_string(), "unix:" + path.string());

  int pair[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
  const Fd a{pair[0]}, b{pair[1]};
  len = sizeof storage;
  ASSERT_EQ(::getpeername(a.fd, reinterpret_cast<sockaddr*>(&storage), &len), 0);
  const auto peer = Address::from_sockaddr(reinterpret_cast<sockaddr*>(&storage), len);
  EXPECT_EQ(peer.family(), Family::unix_path);
  EXPECT_EQ(peer.host(), "");
  EXPECT_EQ(peer.to_string(), "unix:");
}

}  // namespace
}  // namespace weft::net
