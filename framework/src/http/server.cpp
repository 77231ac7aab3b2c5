#include <weft/http/server.hpp>

#include "core_server.hpp"

#include <weft/core/log.hpp>
#include <weft/runtime/signals.hpp>
#include <weft/runtime/submit_to.hpp>
#include <weft/runtime/this_core.hpp>

#include <csignal>
#include <cstring>
#include <memory>
#include <system_error>

namespace weft::http {

Server::Server(ServerOptions options, Router router) : options_(std::move(options)), router_(std::move(router)) {}

Server::~Server() {
  for (const auto* core : cores_) {
    if (core != nullptr) {
      log::error("http: a Server was destroyed while serving; call stop() first");
      break;
    }
  }
}

Task<void> Server::start() {
  if (started_) co_return;
  cores_.assign(core_count(), nullptr);
  // With SO_REUSEPORT alone this server could join a port another server (say, an
  // older instance of this one) listens on, and silently take half its connections. A
  // listener without it fails when anyone listens there; it also resolves port 0.
  net::Address address = options_.listen;
  {
    auto probe = net::TcpListener::bind(address, {.reuse_port = false});
    if (!probe) throw std::system_error(probe.error(), "cannot listen on " + address.to_string());
    address = probe->local_address().value();
  }
  auto listener = net::TcpListener::bind(address);
  if (!listener) throw std::system_error(listener.error(), "cannot listen on " + address.to_string());
  bound_ = listener->local_address().value();
  started_ = true;
  serve_here(std::move(*listener));
  const unsigned home = this_core();
  for (unsigned core = 0; core < core_count(); ++core) {
    if (core == home) continue;
    auto listen = [this] { listen_here(); };
    co_await submit_to(core, std::move(listen));  // named first: see submit_to.hpp
  }
}

void Server::listen_here() {
  auto listener = net::TcpListener::bind(bound_);
  if (!listener) throw std::system_error(listener.error(), "cannot listen on " + bound_.to_string());
  serve_here(std::move(*listener));
}

void Server::serve_here(net::TcpListener listener) {
  auto core = std::make_unique<detail::CoreServer>(options_, router_, std::move(listener));
  core->start();
  cores_[this_core()] = core.release();
}

Task<void> Server::stop() {
  if (!started_) co_return;
  started_ = false;
  auto drain_here = [this]() -> Task<void> {
    std::unique_ptr<detail::CoreServer> core(std::exchange(cores_[this_core()], nullptr));
    if (core != nullptr) co_await core->drain();
  };
  co_await on_all_cores(std::move(drain_here));
}

Task<void> Server::run() {
  Signals signals({SIGINT, SIGTERM});
  co_await start();
  log::info("http: listening on {} ({} cores)", bound_.to_string(), core_count());
  auto signal = co_await signals.next();
  log::info("http: {}; draining (up to {} ms)", signal ? strsignal(*signal) : "signal wait failed",
            options_.drain_timeout.count());
  co_await stop();
}

std::size_t Server::connections_on_this_core() const noexcept {
  const unsigned core = this_core();
  if (core >= cores_.size() || cores_[core] == nullptr) return 0;
  return cores_[core]->connections();
}

}  // namespace weft::http
