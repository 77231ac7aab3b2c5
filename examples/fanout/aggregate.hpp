// The fan-out itself: every upstream asked at once, each leg raced against its own
// timeout, the answers gathered in configured order.
#pragma once

#include "upstreams.hpp"

#include <weft/http/client.hpp>
#include <weft/http/response.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace weft::examples {

struct FanoutOptions {
  std::vector<UpstreamName> upstreams;  // one leg each
  std::string path = "/";                                       // what each leg GETs
  std::chrono::milliseconds timeout = std::chrono::seconds(1);  // per leg
};

/// GET options.path on every upstream (options.upstreams looked up: `upstreams`) at
/// once; a JSON answer {"legs": [...], "elapsed_ms": N} with one entry per upstream, in
/// order: {"upstream", "outcome": "ok", "status", "body"}, or "outcome": "timeout", or
/// "error" with the reason.
Task<http::Response> aggregate(http::Client& client, const FanoutOptions& options,
                               const std::vector<ResolvedUpstream>& upstreams);

}  // namespace weft::examples
