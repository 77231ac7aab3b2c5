// UpstreamGroup: one core's view of the backends a proxy forwards to — which are up,
// how busy each is, and which one the next request goes to.
//
// An upstream is skipped while an active health check holds it unhealthy, or while
// it is ejected after a connection to it failed (until fail_timeout passes). When
// every untried upstream is skipped, the least recently ejected one is tried anyway:
// a request fails fast with a 502 rather than waiting for a backend to come back.
#pragma once

#include "proxy_options.hpp"

#include <weft/runtime/clock.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace weft::examples {

struct Upstream {
  net::Address address;
  std::string name;              // as configured (and the address, when a name gave several)
  bool healthy = true;           // the active health checks' verdict
  unsigned streak = 0;           // consecutive checks against the current verdict
  Instant ejected_until{};       // passive ejection after a failed connection
  std::size_t in_flight = 0;     // requests forwarded whose response has not ended (InFlight)
};

/// Counts one request in its upstream's in_flight for as long as it lives; forward()
/// moves it into a streamed response's body, so a long download still counts for
/// least connections until its last byte.
class InFlight {
 public:
  explicit InFlight(Upstream& upstream) noexcept : upstream_(&upstream) { ++upstream.in_flight; }
  InFlight(InFlight&& other) noexcept : upstream_(std::exchange(other.upstream_, nullptr)) {}
  InFlight& operator=(InFlight&&) = delete;
  ~InFlight() {
    if (upstream_ != nullptr) --upstream_->in_flight;
  }

 private:
  Upstream* upstream_;
};

class UpstreamGroup {
 public:
  /// One upstream per address: a name that gave several is balanced over them all.
  UpstreamGroup(const std::vector<ResolvedUpstream>& upstreams, Balance balance);

  /// The upstream for the next request, skipping those in `tried` (indexes); nullopt
  /// once every upstream has been tried.
  std::optional<std::size_t> pick(const std::vector<std::size_t>& tried);

  /// A connection to `index` failed: skip it for `fail_timeout`.
  void eject(std::size_t index, std::chrono::milliseconds fail_timeout);
  /// An active check's outcome; returns true when it changed the verdict.
  bool record_check(std::size_t index, bool passed, const HealthCheckOptions& options);

  Upstream& operator[](std::size_t index) { return upstreams_[index]; }
  std::size_t size() const noexcept { return upstreams_.size(); }

 private:
  bool usable(const Upstream& upstream, Instant now) const noexcept;

  std::vector<Upstream> upstreams_;
  Balance balance_;
  std::size_t next_ = 0;  // round robin's position
};

}  // namespace weft::examples
