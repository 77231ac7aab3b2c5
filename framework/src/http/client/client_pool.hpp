// The per-core state behind an http::Client: for each origin, its idle keep-alive
// connections and a count of permits bounding how many may be open at once.
#pragma once

#include "../response_parser.hpp"

#include <weft/core/result.hpp>
#include <weft/core/task.hpp>
#include <weft/http/client_options.hpp>
#include <weft/net/address.hpp>
#include <weft/net/tcp_stream.hpp>
#include <weft/runtime/clock.hpp>
#include <weft/sync/semaphore.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace weft::http::detail {

/// One connection to an origin, with the parser that reads its responses.
struct UpstreamConnection {
  UpstreamConnection(net::TcpStream s, const Limits& limits) : stream(std::move(s)), parser(limits) {
    parser.stream_body(true);  // Exchange drains the body after every feed
  }
  net::TcpStream stream;
  ResponseParser parser;
  Instant idle_since{};
  bool reused = false;  // has carried a request before the current one
};

/// The connections to one origin. Permits bound the connections in use; idle ones hold
/// none, and a connection is only opened with a permit while none is idle, so in use +
/// idle never passes the maximum.
struct OriginPool {
  OriginPool(net::Address address, std::size_t max) : origin(address), host(address.to_string()), permits(max) {}
  net::Address origin;
  std::string host;  // the Host field's value, formatted once
  Semaphore permits;
  std::vector<std::unique_ptr<UpstreamConnection>> idle;  // most recently used last
  std::size_t open = 0;                                   // in use + idle
};

/// A connection checked out of its origin's pool, with its permit. Destroyed without
/// give_back(), it closes the connection (its state is unknown: an error, a timeout, a
/// cancellation or a body left unread).
class Lease {
 public:
  Lease() = default;
  Lease(OriginPool& pool, Semaphore::Guard permit, std::unique_ptr<UpstreamConnection> connection) noexcept
      : pool_(&pool), permit_(std::move(permit)), connection_(std::move(connection)) {}
  Lease(Lease&& other) noexcept = default;
  Lease& operator=(Lease&& other) noexcept;
  ~Lease() { drop(); }

  UpstreamConnection& connection() const noexcept { return *connection_; }
  const OriginPool& pool() const noexcept { return *pool_; }
  explicit operator bool() const noexcept { return connection_ != nullptr; }
  /// Returns the connection to the idle list, ready for the next request.
  void give_back() noexcept;
  /// Closes the connection and returns the permit.
  void drop() noexcept;

 private:
  OriginPool* pool_ = nullptr;
  Semaphore::Guard permit_;
  std::unique_ptr<UpstreamConnection> connection_;
};

class ClientPool {
 public:
  explicit ClientPool(ClientOptions options) : options_(std::move(options)) {}
  ~ClientPool();
  ClientPool(const ClientPool&) = delete;
  ClientPool& operator=(const ClientPool&) = delete;

  /// A connection to `origin`: an idle one unless `fresh`, else a new one. An idle
  /// connection with input pending (its server closed it, or sent something unasked)
  /// or idle past idle_timeout is closed instead of reused.
  /// Cancellation: total — returns operation_canceled (waiting for a permit or
  /// connecting); nothing is held.
  Task<Result<Lease>> lease(const net::Address& origin, bool fresh);

  /// The origin's pool, or nullptr when it has never been used.
  const OriginPool* find(const net::Address& origin) const noexcept;
  const ClientOptions& options() const noexcept { return options_; }

 private:
  OriginPool& pool_for(const net::Address& origin);
  std::unique_ptr<UpstreamConnection> take_idle(OriginPool& pool);

  ClientOptions options_;
  unsigned owner_core_ = ~0u;
  // A few origins per client is the common case (a proxy's upstreams, a fan-out's
  // backends): a vector searched linearly beats a hash of the address.
  std::vector<std::unique_ptr<OriginPool>> origins_;
};

}  // namespace weft::http::detail
