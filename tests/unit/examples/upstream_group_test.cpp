// weft-proxy's UpstreamGroup: which upstream the next request goes to, with round
// robin and least connections, around health verdicts and passive ejections. The
// clock is a paused runtime's, so ejections expire without waiting.
#include "upstream_group.hpp"

#include <weft/runtime/sleep.hpp>
#include <weft/testing/run.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <vector>

namespace weft::examples {
namespace {

using namespace std::chrono_literals;

std::vector<ResolvedUpstream> three() {
  std::vector<ResolvedUpstream> out;
  for (std::uint16_t port : {9001, 9002, 9003}) {
    const auto address = net::Address::ipv4_loopback(port);
    out.push_back({address.to_string(), {address}});
  }
  return out;
}

std::vector<std::size_t> picks(UpstreamGroup& group, int n) {
  std::vector<std::size_t> out;
  for (int i = 0; i < n; ++i) out.push_back(*group.pick({}));
  return out;
}

void run_paused(Task<void> test) { testing::run(std::move(test), {.cores = 1, .paused_clock = true}); }

TEST(UpstreamGroup, RoundRobinTakesEachInTurn) {
  run_paused([]() -> Task<void> {
    UpstreamGroup group(three(), Balance::round_robin);
    EXPECT_EQ(picks(group, 6), (std::vector<std::size_t>{0, 1, 2, 0, 1, 2}));
    co_return;
  }());
}

TEST(UpstreamGroup, LeastConnectionsPrefersTheLeastBusyAndRotatesTies) {
  run_paused([]() -> Task<void> {
    UpstreamGroup group(three(), Balance::least_connections);
    group[0].in_flight = 5;
    group[1].in_flight = 1;
    group[2].in_flight = 1;
    EXPECT_EQ(picks(group, 4), (std::vector<std::size_t>{1, 2, 1, 2}));
    co_return;
  }());
}

TEST(UpstreamGroup, ARetrySkipsTheUpstreamsAlreadyTriedAndEndsWhenAllWere) {
  run_paused([]() -> Task<void> {
    UpstreamGroup group(three(), Balance::round_robin);
    std::vector<std::size_t> tried;
    while (auto next = group.pick(tried)) tried.push_back(*next);
    EXPECT_EQ(tried.size(), 3u);
    EXPECT_EQ(group.pick(tried), std::nullopt);
    co_return;
  }());
}

TEST(UpstreamGroup, AnEjectedUpstreamIsSkippedUntilItsFailTimeoutPasses) {
  run_paused([]() -> Task<void> {
    UpstreamGroup group(three(), Balance::round_robin);
    group.eject(1, 10s);
    EXPECT_EQ(picks(group, 4), (std::vector<std::size_t>{0, 2, 0, 2}));
    co_await sleep(11s);
    EXPECT_EQ(picks(group, 3), (std::vector<std::size_t>{0, 1, 2}));
  }());
}

TEST(UpstreamGroup, WhenEveryUntriedOneIsDownTheOneEjectedLongestAgoIsTried) {
  run_paused([]() -> Task<void> {
    UpstreamGroup group(three(), Balance::round_robin);
    group.eject(2, 10s);
    co_await sleep(1s);
    group.eject(0, 10s);
    group.eject(1, 10s);
    EXPECT_EQ(group.pick({}), 2u);  // a fast 502 beats waiting for a backend to return
  }());
}

TEST(UpstreamGroup, HealthVerdictsChangeOnlyAfterTheirThresholds) {
  run_paused([]() -> Task<void> {
    UpstreamGroup group(three(), Balance::round_robin);
    const HealthCheckOptions health{.unhealthy_threshold = 2, .healthy_threshold = 3};
    EXPECT_FALSE(group.record_check(0, false, health));
    EXPECT_TRUE(group[0].healthy);  // one failure is not enough
    EXPECT_FALSE(group.record_check(0, true, health));  // a pass resets the streak
    EXPECT_FALSE(group.record_check(0, false, health));
    EXPECT_TRUE(group.record_check(0, false, health));
    EXPECT_FALSE(group[0].healthy);
    EXPECT_EQ(picks(group, 4), (std::vector<std::size_t>{1, 2, 1, 2}));
    EXPECT_FALSE(group.record_check(0, true, health));
    EXPECT_FALSE(group.record_check(0, true, health));
    EXPECT_TRUE(group.record_check(0, true, health));
    EXPECT_TRUE(group[0].healthy);
    co_return;
  }());
}

TEST(UpstreamGroup, ANameWithSeveralAddressesIsOneUpstreamPerAddress) {
  const ResolvedUpstream named{"localhost:9001", {net::Address::ipv4_loopback(9001), *net::Address::parse("[::1]:9001")}};
  const ResolvedUpstream literal{"127.0.0.1:9002", {net::Address::ipv4_loopback(9002)}};
  UpstreamGroup group({named, literal}, Balance::round_robin);
  ASSERT_EQ(group.size(), 3u);
  EXPECT_EQ(group[0].name, "localhost:9001 (127.0.0.1:9001)");
  EXPECT_EQ(group[1].name, "localhost:9001 ([::1]:9001)");
  EXPECT_EQ(group[1].address.to_string(), "[::1]:9001");
  EXPECT_EQ(group[2].name, "127.0.0.1:9002");
}

TEST(UpstreamGroup, InFlightCountsARequestUntilItsLastOwnerEnds) {
  run_paused([]() -> Task<void> {
    UpstreamGroup group(three(), Balance::least_connections);
    {
      InFlight first(group[0]);
      EXPECT_EQ(group[0].in_flight, 1u);
      InFlight moved(std::move(first));  // as into a streamed body
      EXPECT_EQ(group[0].in_flight, 1u);
      // Busy 0 is avoided while its response streams.
      EXPECT_EQ(group.pick({}), 1u);
    }
    EXPECT_EQ(group[0].in_flight, 0u);
    co_return;
  }());
}

}  // namespace
}  // namespace weft::examples
