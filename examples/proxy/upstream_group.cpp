#include "upstream_group.hpp"

#include <algorithm>

namespace weft::examples {

UpstreamGroup::UpstreamGroup(const std::vector<ResolvedUpstream>& upstreams, Balance balance) : balance_(balance) {
  for (const auto& upstream : upstreams) {
    for (const auto& address : upstream.addresses) {
      const bool several = upstream.addresses.size() > 1;
      upstreams_.push_back({address, several ? upstream.name + " (" + address.to_string() + ")" : upstream.name});
    }
  }
}

bool UpstreamGroup::usable(const Upstream& upstream, Instant now) const noexcept {
  return upstream.healthy && upstream.ejected_until <= now;
}

std::optional<std::size_t> UpstreamGroup::pick(const std::vector<std::size_t>& tried) {
  const Instant at = now();
  const std::size_t n = upstreams_.size();
  auto untried = [&](std::size_t i) { return std::find(tried.begin(), tried.end(), i) == tried.end(); };
  std::optional<std::size_t> best;
  // Round robin: the first usable one from the cursor. Least connections: the fewest
  // in flight, ties going to the first from the cursor (so they rotate too).
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t i = (next_ + k) % n;
    if (!untried(i) || !usable(upstreams_[i], at)) continue;
    if (balance_ == Balance::round_robin) {
      best = i;
      break;
    }
    if (!best || upstreams_[i].in_flight < upstreams_[*best].in_flight) best = i;
  }
  if (!best) {
    for (std::size_t i = 0; i < n; ++i) {  // every untried one is down: try the one ejected longest ago
      if (untried(i) && (!best || upstreams_[i].ejected_until < upstreams_[*best].ejected_until)) best = i;
    }
  }
  if (best) next_ = (*best + 1) % n;
  return best;
}

void UpstreamGroup::eject(std::size_t index, std::chrono::milliseconds fail_timeout) {
  upstreams_[index].ejected_until = now() + fail_timeout;
}

bool UpstreamGroup::record_check(std::size_t index, bool passed, const HealthCheckOptions& options) {
  Upstream& upstream = upstreams_[index];
  if (passed == upstream.healthy) {
    upstream.streak = 0;
    if (passed) upstream.ejected_until = {};  // a passing check ends a passive ejection too
    return false;
  }
  const unsigned needed = passed ? options.healthy_threshold : options.unhealthy_threshold;
  if (++upstream.streak < needed) return false;
  upstream.healthy = passed;
  upstream.streak = 0;
  if (passed) upstream.ejected_until = {};
  return true;
}

}  // namespace weft::examples
