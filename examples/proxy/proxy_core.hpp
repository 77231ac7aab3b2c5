// ProxyCore: everything one core of weft-proxy owns — its client pools, its view of the
// upstreams and its health checker. Built on each core before the server starts and
// destroyed there after it has drained, so no connection crosses cores.
#pragma once

#include "proxy_options.hpp"
#include "upstream_group.hpp"

#include <weft/http/client.hpp>
#include <weft/http/request.hpp>
#include <weft/http/response.hpp>
#include <weft/runtime/spawn.hpp>

#include <optional>

namespace weft::examples {

struct ProxyCore {
  /// `upstreams`: options.upstreams looked up (resolve_upstreams).
  ProxyCore(const ProxyOptions& proxy_options, const std::vector<ResolvedUpstream>& upstreams);

  const ProxyOptions& options;
  http::Client client;         // forwarded requests
  http::Client health_client;  // health checks: their own pool, so traffic cannot starve them
  UpstreamGroup group;
  std::optional<JoinHandle<void>> health_checks;
};

/// Sends `request` to an upstream of `core` and answers with its response (502 when
/// none could answer, 504 past the deadline).
Task<http::Response> forward(ProxyCore& core, http::Request& request);

/// Checks every upstream each interval until cancelled, moving them in and out of
/// service (health_check.cpp).
Task<void> run_health_checks(ProxyCore& core);

}  // namespace weft::examples
