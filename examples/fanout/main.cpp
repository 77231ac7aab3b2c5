// weft-fanout: an aggregator that asks several backends at once and answers with all
// their replies, each leg bounded by its own deadline.
//
// Shows: join_all over a run-time list of legs, select racing each leg against a
// sleep (the losing request is cancelled and its connection closed), and http::Client
// pools kept per core.
//
// Run:  tools/run-example.sh fanout --upstream 127.0.0.1:9001 --upstream 127.0.0.1:9002
// Try:  curl localhost:8080/aggregate
#include "aggregate.hpp"
#include "upstream_flags.hpp"

#include <weft/weft.hpp>

#include <cstdio>
#include <memory>

using namespace weft;
using namespace weft::examples;

namespace {

Task<int> serve(conf::ServiceConfig config, const FanoutOptions& options, Backend backend) {
  const std::vector<ResolvedUpstream> upstreams = co_await resolve_upstreams(options.upstreams);
  PerCore<http::Client> clients;  // one pool per core
  co_await clients.make([] { return std::make_unique<http::Client>(); });

  http::Router router;
  router.get("/aggregate", [&](http::Request&) { return aggregate(clients.here(), options, upstreams); });
  router.get("/healthz", [](http::Request&) -> Task<http::Response> { co_return http::Response::text("ok\n"); });
  http::Server server(config.http, std::move(router));
  log::info("weft-fanout on {} (backend {}): {} legs to {}, {} ms each", config.http.listen.to_string(),
            to_string(backend), options.upstreams.size(), options.path, options.timeout.count());
  co_await server.run();
  co_await clients.destroy();  // each core's connections close on that core
  co_return 0;
}

}  // namespace

int main(int argc, char** argv) {
  FanoutOptions options;
  UpstreamFlags flags;
  auto read_fanout = [&options](conf::Document& doc) {
    read_upstreams(doc, "fanout.upstreams", options.upstreams);
    doc.read("fanout.path", options.path);
    doc.read("fanout.timeout", options.timeout);
    if (options.path.empty() || options.path[0] != '/') throw doc.error_at("fanout.path", "must start with '/'");
    if (options.timeout.count() <= 0) throw doc.error_at("fanout.timeout", "must be more than 0");
  };
  auto config = conf::load_service_config(argc, argv, "weft-fanout",
                                          "weft-fanout: asks every backend at once, each with its own deadline",
                                          "conf/fanout.toml", read_fanout,
                                          [&flags](CLI::App& app) { add_upstream_flags(app, flags); });
  apply_upstream_flags("weft-fanout", flags, options.upstreams, options.timeout);
  if (options.upstreams.empty()) {
    std::fprintf(stderr, "weft-fanout: no upstreams: list them in [fanout] upstreams of %s or pass --upstream HOST:PORT\n",
                 config.command_line.config.c_str());
    return 2;
  }
  try {
    Runtime runtime(config.runtime);
    return runtime.block_on(serve(std::move(config), options, runtime.backend()));
  } catch (const std::exception& error) {
    log::error("weft-fanout: {}", error.what());
    return 1;
  }
}
