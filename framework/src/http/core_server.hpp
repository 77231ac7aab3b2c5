// CoreServer: one core's part of an http::Server — its listener, accept loop, the
// connections it accepted, and its own copy of the Router. Created, used and
// destroyed on that core only.
#pragma once

#include "parser.hpp"

#include <weft/core/task.hpp>
#include <weft/http/router.hpp>
#include <weft/http/server_options.hpp>
#include <weft/net/tcp_listener.hpp>
#include <weft/net/tcp_stream.hpp>
#include <weft/runtime/clock.hpp>
#include <weft/runtime/detail/timer.hpp>
#include <weft/runtime/spawn.hpp>

#include <chrono>
#include <coroutine>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <vector>

namespace weft::http::detail {

class CoreServer {
 public:
  /// How long a drain lets an idle keep-alive connection receive one last request.
  static constexpr std::chrono::milliseconds kDrainIdleGrace{500};

  CoreServer(const ServerOptions& options, Router router, net::TcpListener listener);
  CoreServer(const CoreServer&) = delete;
  CoreServer& operator=(const CoreServer&) = delete;

  /// Starts the accept loop.
  void start();

  /// Stops accepting, closes idle connections, lets the others finish until the drain
  /// timeout, then cancels them; returns once none is left.
  /// Cancellation: total — the connections left are cancelled at once, and it still
  /// returns only once they have ended.
  /// Completes inline: may (no connection open).
  Task<void> drain();

  const ServerOptions& options() const noexcept { return options_; }
  const Router& router() const noexcept { return router_; }
  /// "Server: <server_name>\r\n", or empty.
  std::string_view server_line() const noexcept { return server_line_; }
  bool draining() const noexcept { return draining_; }
  std::size_t connections() const noexcept { return live_.size(); }

  /// A connection's last call: forgets it.
  void closed(std::uint64_t id) noexcept;

  /// A keep-alive connection waiting for its next request leaves its coroutine: the
  /// core keeps only its socket, watched for input, until `deadline`. Its first bytes
  /// start a new serve_connection; the deadline, a drain or a cut closes it. An idle
  /// connection so costs a few hundred bytes instead of a chain of frames.
  void park(std::uint64_t id, net::TcpStream stream, Instant deadline) noexcept;

  /// A request parser with this server's limits, from the core's pool (idle
  /// connections hold none); give it back between requests.
  std::unique_ptr<RequestParser> take_parser();
  void give_parser(std::unique_ptr<RequestParser> parser) noexcept;

 private:
  struct Parked;
  struct Live {
    JoinHandle<void> task;  // none while parked
    bool idle = false;
    Parked* parked = nullptr;
  };
  struct AllClosed;

  static void on_parked_ready(void* arg, std::error_code error) noexcept;
  static void on_parked_expired(weft::detail::Timer* timer) noexcept;
  /// Asks the connection to end: cancels its task, or ends its park.
  static void cut(Live& live) noexcept;
  Task<void> accept_loop();
  void adopt(net::TcpStream stream);
  void adopt_backlog() noexcept;
  Task<void> cut_after(std::chrono::milliseconds delay);
  void refuse(net::TcpStream stream) noexcept;
  void cut_all() noexcept;

  ServerOptions options_;
  std::string server_line_;
  Router router_;
  net::TcpListener listener_;
  JoinHandle<void> acceptor_;
  std::unordered_map<std::uint64_t, Live> live_;
  std::uint64_t next_id_ = 0;
  bool draining_ = false;
  std::coroutine_handle<> all_closed_waiter_;
  std::vector<std::unique_ptr<RequestParser>> parsers_;  // idle parsers, bounded
};

}  // namespace weft::http::detail
