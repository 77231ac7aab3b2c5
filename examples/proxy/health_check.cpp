#include "proxy_core.hpp"

#include <weft/core/log.hpp>
#include <weft/runtime/join.hpp>
#include <weft/runtime/select.hpp>
#include <weft/runtime/sleep.hpp>
#include <weft/runtime/this_core.hpp>

#include <vector>

namespace weft::examples {
namespace {

// A check passes on any answer below 500 within the check's timeout.
Task<bool> check(ProxyCore& core, std::size_t index) {
  const HealthCheckOptions& health = core.options.health;
  auto outcome = co_await select(core.health_client.send(core.group[index].address, http::ClientRequest::get(health.path)),
                                 sleep(health.timeout));
  if (outcome.index() != 0) co_return false;
  const auto& response = std::get<0>(outcome);
  co_return response && response->status < 500;
}

}  // namespace

Task<void> run_health_checks(ProxyCore& core) {
  while (true) {
    co_await sleep(core.options.health.interval);
    std::vector<Task<bool>> checks;
    for (std::size_t i = 0; i < core.group.size(); ++i) checks.push_back(check(core, i));
    const auto passed = co_await join_all(std::move(checks));
    for (std::size_t i = 0; i < passed.size(); ++i) {
      if (!core.group.record_check(i, passed[i], core.options.health)) continue;
      if (passed[i]) {
        log::info("proxy: core {}: upstream {} is back in service", this_core(), core.group[i].name);
      } else {
        log::warn("proxy: core {}: upstream {} failed {} health checks; out of service", this_core(),
                  core.group[i].name, core.options.health.unhealthy_threshold);
      }
    }
  }
}

}  // namespace weft::examples
