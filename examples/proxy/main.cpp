// weft-proxy: a reverse proxy in front of a group of HTTP backends.
//
// Shows: http::Client with per-core pools; round-robin or least-connections balancing;
// active health checks and passive ejection; a deadline per request (select → 504);
// retries on another backend when that is safe; request and response bodies streamed
// both ways in bounded memory (ServerOptions::stream_request_bodies).
//
// Run:  tools/run-example.sh proxy --upstream 127.0.0.1:9001 --upstream 127.0.0.1:9002
// Try:  curl -v localhost:8080/anything
// Load: perf/proxy/run.sh build-release
#include "proxy_core.hpp"
#include "upstream_flags.hpp"

#include <weft/weft.hpp>

#include <cstdio>
#include <memory>

using namespace weft;
using namespace weft::examples;

namespace {

Task<int> serve(conf::ServiceConfig config, const ProxyOptions& options, Backend backend) {
  const std::vector<ResolvedUpstream> upstreams = co_await resolve_upstreams(options.upstreams);
  PerCore<ProxyCore> cores;  // pools, upstream views and checkers, one set per core
  co_await cores.make([&options, &upstreams] {
    auto core = std::make_unique<ProxyCore>(options, upstreams);
    if (options.health.interval.count() > 0) core->health_checks.emplace(spawn(run_health_checks(*core)));
    return core;
  });

  http::Router router;
  router.not_found([&cores](http::Request& request) { return forward(cores.here(), request); });
  http::Server server(config.http, std::move(router));
  std::string names;
  for (const auto& upstream : upstreams) names += (names.empty() ? "" : ", ") + upstream.name;
  log::info("weft-proxy on {} (backend {}) to {} ({}, timeout {} ms)", config.http.listen.to_string(),
            to_string(backend), names, options.balance == Balance::round_robin ? "round robin" : "least connections",
            options.timeout.count());
  co_await server.run();

  // After the drain: each core stops its checker, then closes its pooled connections.
  co_await cores.destroy([](ProxyCore& core) -> Task<void> {
    if (!core.health_checks) co_return;
    core.health_checks->cancel();
    try {
      co_await *core.health_checks;
    } catch (const Cancelled&) {
    }
  });
  co_return 0;
}

}  // namespace

int main(int argc, char** argv) {
  ProxyOptions options;
  UpstreamFlags flags;
  auto config = conf::load_service_config(
      argc, argv, "weft-proxy", "weft-proxy: a reverse proxy in front of HTTP backends", "conf/proxy.toml",
      [&options](conf::Document& doc) { read_proxy_options(doc, options); },
      [&flags](CLI::App& app) { add_upstream_flags(app, flags); });
  apply_upstream_flags("weft-proxy", flags, options.upstreams, options.timeout);
  if (options.upstreams.empty()) {
    std::fprintf(stderr, "weft-proxy: no upstreams: list them in [proxy] upstreams of %s or pass --upstream HOST:PORT\n",
                 config.command_line.config.c_str());
    return 2;
  }
  config.http.stream_request_bodies = true;  // uploads pass through in bounded memory
  try {
    Runtime runtime(config.runtime);
    return runtime.block_on(serve(std::move(config), options, runtime.backend()));
  } catch (const std::exception& error) {
    log::error("weft-proxy: {}", error.what());
    return 1;
  }
}
