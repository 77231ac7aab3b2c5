// The proxy's and fan-out's upstreams: "HOST:PORT" read as an IP literal or a host
// name, and names looked up once (getaddrinfo, through /etc/hosts for localhost).
#include "upstreams.hpp"

#include <weft/testing/run.hpp>

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace weft::examples {
namespace {

std::optional<UpstreamName> parse(std::string_view text, std::string* why_out = nullptr) {
  std::string why;
  auto upstream = parse_upstream(text, why);
  EXPECT_EQ(upstream.has_value(), why.empty()) << text << ": " << why;
  if (why_out != nullptr) *why_out = why;
  return upstream;
}

std::vector<ResolvedUpstream> resolve(std::vector<UpstreamName> upstreams) {
  auto body = [&]() -> Task<std::vector<ResolvedUpstream>> { co_return co_await resolve_upstreams(upstreams); };
  return testing::run(body(), {.cores = 1});
}

TEST(Upstreams, IpLiteralsAreAddressesAsWritten) {
  const auto v4 = parse("127.0.0.1:9001");
  ASSERT_TRUE(v4 && v4->literal);
  EXPECT_EQ(v4->literal->to_string(), "127.0.0.1:9001");
  const auto v6 = parse("[::1]:8080");
  ASSERT_TRUE(v6 && v6->literal);
  EXPECT_EQ(v6->literal->port(), 8080);
  EXPECT_EQ(v6->text, "[::1]:8080");
}

TEST(Upstreams, HostNamesWithAPortAreNamesToLookUp) {
  const auto name = parse("backend-1.internal:8080");
  ASSERT_TRUE(name);
  EXPECT_FALSE(name->literal);
  EXPECT_EQ(name->host, "backend-1.internal");
  EXPECT_EQ(name->port, 8080);
  EXPECT_EQ(name->text, "backend-1.internal:8080");
}

TEST(Upstreams, MalformedOnesAreRefusedSayingWhy) {
  std::string why;
  for (const char* text : {"backend", "backend:", "backend:0", "backend:65536", "backend:80x", "bad host:80",
                           "bad/host:80", "1.2.3.4.5:80", "[::1:80"}) {
    EXPECT_FALSE(parse(text, &why)) << text;
    EXPECT_NE(why.find(text), std::string::npos) << "the reason quotes the input: " << why;
  }
}

TEST(Upstreams, LiteralsNeedNoLookup) {
  const auto resolved = resolve({*parse("127.0.0.1:9001"), *parse("[::1]:9002")});
  ASSERT_EQ(resolved.size(), 2u);
  ASSERT_EQ(resolved[0].addresses.size(), 1u);
  EXPECT_EQ(resolved[0].addresses[0].to_string(), "127.0.0.1:9001");
  EXPECT_EQ(resolved[0].name, "127.0.0.1:9001");
  ASSERT_EQ(resolved[1].addresses.size(), 1u);
  EXPECT_EQ(resolved[1].addresses[0].to_string(), "[::1]:9002");
}

TEST(Upstreams, LocalhostIsLookedUpToLoopbackAddresses) {
  const auto resolved = resolve({*parse("localhost:9001")});
  ASSERT_EQ(resolved.size(), 1u);
  EXPECT_EQ(resolved[0].name, "localhost:9001");
  ASSERT_FALSE(resolved[0].addresses.empty());
  bool has_v4_loopback = false;
  for (const auto& address : resolved[0].addresses) {
    EXPECT_EQ(address.port(), 9001);
    EXPECT_TRUE(address.host() == "127.0.0.1" || address.host() == "::1") << address.to_string();
    has_v4_loopback = has_v4_loopback || address.host() == "127.0.0.1";
  }
  EXPECT_TRUE(has_v4_loopback);
}

TEST(Upstreams, ANameThatDoesNotResolveIsAnErrorNamingTheUpstream) {
  try {
    resolve({*parse("no-such-host.invalid:80")});
    ADD_FAILURE() << "resolved a name under .invalid";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("no-such-host.invalid:80"), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace weft::examples
