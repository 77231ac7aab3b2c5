// net::resolve: names and literals to addresses. Only what needs no name server is
// asserted (literals, /etc/hosts's localhost, refusals made before any lookup): the
// test machine may have no DNS at all.
#include <weft/net/resolve.hpp>

#include <weft/net/tcp_listener.hpp>
#include <weft/net/tcp_stream.hpp>
#include <weft/testing/backends.hpp>
#include <weft/testing/run.hpp>

#include <gtest/gtest.h>

namespace {

using weft::Task;
using weft::net::Address;
using weft::net::resolve;

class ResolveTest : public weft::testing::IoTest {};
WEFT_INSTANTIATE_BACKENDS(ResolveTest);

TEST_P(ResolveTest, AnIpLiteralIsItsOwnAddress) {
  auto body = []() -> Task<void> {
    auto v4 = co_await resolve("127.0.0.1", 8080);
    EXPECT_TRUE(v4 && v4->size() == 1);
    if (v4 && !v4->empty()) {
      EXPECT_EQ(v4->front().to_string(), "127.0.0.1:8080");
    }
    auto v6 = co_await resolve("::1", 443);
    EXPECT_TRUE(v6 && v6->size() == 1);
    if (v6 && !v6->empty()) {
      EXPECT_EQ(v6->front().to_string(), "[::1]:443");
    }
  };
  weft::testing::run(body(), options());
}

TEST_P(ResolveTest, LocalhostNamesALoopbackAddressThatAcceptsConnections) {
  auto body = []() -> Task<void> {
    auto listener = weft::net::TcpListener::bind(Address::ipv4_loopback(0)).value();
    const auto port = listener.local_address().value().port();
    auto found = co_await resolve("localhost", port);
    EXPECT_TRUE(found) << found.error().message();
    if (!found) co_return;
    EXPECT_FALSE(found->empty());
    bool connected = false;
    for (const auto& address : *found) {
      EXPECT_EQ(address.port(), port);
      if (address.host() != "127.0.0.1") continue;  // the listener is IPv4
      auto stream = co_await weft::net::TcpStream::connect(address);
      connected = connected || stream.has_value();
    }
    EXPECT_TRUE(connected) << "no 127.0.0.1 among localhost's addresses";
  };
  weft::testing::run(body(), options());
}

TEST_P(ResolveTest, AnEmptyHostIsRefusedWithoutALookup) {
  auto body = []() -> Task<void> {
    auto found = co_await resolve("", 80);
    EXPECT_FALSE(found);
    if (!found) {
      EXPECT_EQ(found.error(), weft::make_error_code(weft::errc::invalid_address));
    }
  };
  weft::testing::run(body(), options());
}

}  // namespace
