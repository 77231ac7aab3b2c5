// weft-echo: a TCP echo server on every core.
//
// Shows: one listener per core (SO_REUSEPORT), a coroutine per connection, an idle
// timeout written as `select` of a read against `sleep` (echo_server.cpp), a
// connection limit, and a clean exit on SIGINT/SIGTERM: leaving block_on shuts the
// runtime down, which cancels every listener and connection.
//
// Run:  build-release/examples/echo/weft-echo --config conf/echo.toml
// Try:  nc 127.0.0.1 7000          (type a line, see it back)
// Load: perf/echo/run.sh build-release
#include "echo_config.hpp"
#include "echo_server.hpp"

#include <weft/weft.hpp>

#include <csignal>
#include <cstring>

using namespace weft;

Task<int> serve(echo::Config config, Backend backend) {
  Signals signals({SIGINT, SIGTERM});
  // With SO_REUSEPORT alone a second weft-echo would join the port this one serves and
  // take half its connections: a probe without it fails when anyone listens there (and
  // resolves port 0 to the one port every core then shares).
  net::Address address = config.listen;
  {
    auto probe = net::TcpListener::bind(address, {.reuse_port = false});
    if (!probe) throw std::system_error(probe.error(), "cannot listen on " + address.to_string());
    address = probe->local_address().value();
  }
  auto first = net::TcpListener::bind(address);
  if (!first) throw std::system_error(first.error(), "cannot listen on " + address.to_string());
  const net::Address bound = first->local_address().value();
  spawn(echo::accept_loop(std::move(*first), config)).detach();
  for (unsigned core = 1; core < core_count(); ++core) {
    auto listen = [bound, config] { return echo::listen_here(bound, config); };
    co_await submit_to(core, std::move(listen));  // named first: see submit_to.hpp
  }
  log::info("weft-echo listening on {} (cores {}, backend {})", bound.to_string(), core_count(),
            to_string(backend));
  auto signal = co_await signals.next();
  log::info("weft-echo: {}, shutting down", signal ? strsignal(*signal) : "signal wait failed");
  co_return 0;
}

int main(int argc, char** argv) {
  const echo::Config config = echo::load(argc, argv);
  try {
    Runtime runtime(config.runtime);
    return runtime.block_on(serve(config, runtime.backend()));
  } catch (const std::exception& error) {
    log::error("weft-echo: {}", error.what());
    return 1;
  }
}
