// Server: an HTTP/1.1 server on every core of the runtime, each core with its own
// listener (SO_REUSEPORT), connections and copy of the Router.
//
//   Router router;
//   router.get("/", [](Request&) -> Task<Response> { co_return Response::text("hi"); });
//   Server server(options, std::move(router));
//   co_await server.run();        // until SIGINT or SIGTERM, then a graceful stop
//
// Per connection: keep-alive; pipelined requests answered in order (their responses
// gathered into one send); HTTP/1.0 (closed after each response unless it asks for
// keep-alive); `Expect: 100-continue` answered before the body is read; HEAD; chunked
// request bodies; Content-Length or chunked responses; a Date field refreshed once a
// second. Malformed requests get their 4xx/5xx (see the parser) and the connection
// closes. Timeouts (ServerOptions) are written as select against sleep.
//
// Graceful stop: listeners close; requests in flight finish (their responses say
// `Connection: close`) until drain_timeout, after which the remaining connections are
// cancelled; idle keep-alive connections get half a second in which a request that was
// already on its way is still answered, then close.
#pragma once

#include <weft/core/task.hpp>
#include <weft/http/router.hpp>
#include <weft/http/server_options.hpp>
#include <weft/net/address.hpp>
#include <weft/net/tcp_listener.hpp>

#include <memory>
#include <vector>

namespace weft::http {

namespace detail {
class CoreServer;
}

class Server {
 public:
  Server(ServerOptions options, Router router);
  /// Call stop() (or let run() return) first: a Server destroyed while serving logs an
  /// error and leaves its cores to the runtime's shutdown.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Listens on this core first (so port 0 resolves to one port that every core then
  /// shares), then on every other core; returns once all are accepting. Throws
  /// std::system_error naming the address when it cannot listen, including when another
  /// socket already listens there (SO_REUSEPORT would otherwise share the port).
  /// Cancellation: partial — cores already listening keep listening until stop().
  /// Completes inline: may (one core).
  Task<void> start();

  /// The bound address (its port resolved), once start() returned.
  const net::Address& local_address() const noexcept { return bound_; }

  /// Stops gracefully (see the top of this header) and returns when every core's
  /// connections are closed. Idempotent.
  /// Cancellation: total — the connections are cut at once instead of drained.
  /// Completes inline: may (not started).
  Task<void> stop();

  /// start(); logs one line with the address; waits for SIGINT or SIGTERM; stop().
  /// Cancellation: total — as stop().
  /// Completes inline: never.
  Task<void> run();

  /// Connections open on this core (for tests and metrics).
  std::size_t connections_on_this_core() const noexcept;

 private:
  void listen_here();                            // binds bound_ on this core
  void serve_here(net::TcpListener listener);    // this core's CoreServer

  ServerOptions options_;
  Router router_;
  net::Address bound_;
  std::vector<detail::CoreServer*> cores_;  // each entry touched only on its own core
  bool started_ = false;
};

}  // namespace weft::http
