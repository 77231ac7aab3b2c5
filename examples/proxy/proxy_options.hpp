// weft-proxy's own options: the [proxy] and [proxy.health] sections of its config.
#pragma once

#include "upstreams.hpp"

#include <weft/conf/document.hpp>

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace weft::examples {

enum class Balance { round_robin, least_connections };

struct HealthCheckOptions {
  /// Zero: no active checks (passive ejection still applies).
  std::chrono::milliseconds interval = std::chrono::seconds(2);
  std::string path = "/healthz";
  std::chrono::milliseconds timeout = std::chrono::seconds(1);
  /// Consecutive failed checks that take a healthy upstream out.
  unsigned unhealthy_threshold = 2;
  /// Consecutive passed checks that put an unhealthy one back.
  unsigned healthy_threshold = 2;
};

struct ProxyOptions {
  std::vector<UpstreamName> upstreams;  // a name that gives several addresses: one each
  Balance balance = Balance::round_robin;
  /// From the end of a request (its last body piece; its head when it has none) to its
  /// response's head: past it, 504. Also the longest wait for each piece of an upload
  /// or a response body, so a large upload is never cut for taking long in total.
  std::chrono::milliseconds timeout = std::chrono::seconds(30);
  std::chrono::milliseconds connect_timeout = std::chrono::seconds(2);
  /// Per upstream and per core, busy and idle.
  std::size_t max_connections_per_upstream = 256;
  /// An upstream that refused or failed a connection is skipped for this long.
  std::chrono::milliseconds fail_timeout = std::chrono::seconds(10);
  HealthCheckOptions health;
};

/// Reads [proxy] and [proxy.health] from `doc` into `options`; throws ConfigError
/// naming file, line and key for a bad value.
void read_proxy_options(conf::Document& doc, ProxyOptions& options);

}  // namespace weft::examples
