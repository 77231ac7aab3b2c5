#include "proxy_options.hpp"

#include "upstream_flags.hpp"

namespace weft::examples {

void read_proxy_options(conf::Document& doc, ProxyOptions& options) {
  read_upstreams(doc, "proxy.upstreams", options.upstreams);
  std::string balance = options.balance == Balance::round_robin ? "round_robin" : "least_connections";
  doc.read("proxy.balance", balance);
  if (balance == "round_robin") {
    options.balance = Balance::round_robin;
  } else if (balance == "least_connections") {
    options.balance = Balance::least_connections;
  } else {
    throw doc.error_at("proxy.balance", "must be \"round_robin\" or \"least_connections\", not \"" + balance + "\"");
  }
  doc.read("proxy.timeout", options.timeout);
  doc.read("proxy.connect_timeout", options.connect_timeout);
  doc.read("proxy.max_connections_per_upstream", options.max_connections_per_upstream);
  doc.read("proxy.fail_timeout", options.fail_timeout);
  doc.read("proxy.health.interval", options.health.interval);
  doc.read("proxy.health.path", options.health.path);
  doc.read("proxy.health.timeout", options.health.timeout);
  doc.read("proxy.health.unhealthy_threshold", options.health.unhealthy_threshold);
  doc.read("proxy.health.healthy_threshold", options.health.healthy_threshold);
  if (options.timeout.count() <= 0) throw doc.error_at("proxy.timeout", "must be more than 0");
  if (options.connect_timeout.count() <= 0) throw doc.error_at("proxy.connect_timeout", "must be more than 0");
  if (options.max_connections_per_upstream == 0) {
    throw doc.error_at("proxy.max_connections_per_upstream", "must be at least 1");
  }
  if (options.health.path.empty() || options.health.path[0] != '/') {
    throw doc.error_at("proxy.health.path", "must start with '/'");
  }
  if (options.health.timeout.count() <= 0) throw doc.error_at("proxy.health.timeout", "must be more than 0");
  if (options.health.unhealthy_threshold == 0) throw doc.error_at("proxy.health.unhealthy_threshold", "must be at least 1");
  if (options.health.healthy_threshold == 0) throw doc.error_at("proxy.health.healthy_threshold", "must be at least 1");
}

}  // namespace weft::examples
