#include <weft/net/unix_stream.hpp>

#include <weft/runtime/join.hpp>
#include <weft/testing/backends.hpp>
#include <weft/testing/run.hpp>

#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <string>

namespace {

using weft::Task;
using weft::net::Address;
using weft::net::UnixListener;
using weft::net::UnixStream;

class UnixStreamTest : public weft::testing::IoTest {};
WEFT_INSTANTIATE_BACKENDS(UnixStreamTest);

TEST_P(UnixStreamTest, ConnectAcceptAndExchangeBytesOverAnAbstractName) {
  const std::string name = "unix:@weft-test-" + std::to_string(::getpid()) + "-" + std::string(to_string(GetParam()));
  auto body = [](Address address) -> Task<std::string> {
    auto listener = UnixListener::bind(address).value();
    auto [accepted, connected] = co_await weft::join(listener.accept(), UnixStream::connect(address));
    UnixStream server = std::move(accepted).value();
    UnixStream client = std::move(connected).value();
    EXPECT_TRUE(co_await client.write_all(std::string_view("over unix")));
    client.shutdown();
    std::array<char, 64> buffer{};
    std::string got;
    while (true) {
      auto read = co_await server.read(buffer);
      if (!read || *read == 0) break;
      got.append(buffer.data(), *read);
    }
    co_return got;
  };
  EXPECT_EQ(weft::testing::run(body(Address::parse(name).value()), options()), "over unix");
}

TEST_P(UnixStreamTest, ConnectingATcpAddressIsRefused) {
  auto body = []() -> Task<std::error_code> {
    auto stream = co_await UnixStream::connect(Address::ipv4_loopback(1));
    co_return stream.error();
  };
  EXPECT_EQ(weft::testing::run(body(), options()), std::errc::address_family_not_supported);
}

}  // namespace
