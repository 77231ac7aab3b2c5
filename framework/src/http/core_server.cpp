#include "core_server.hpp"

#include "connection.hpp"
#include "response_head.hpp"

#include <weft/core/cancellation.hpp>
#include <weft/core/log.hpp>
#include <weft/runtime/detail/scheduling.hpp>
#include <weft/runtime/sleep.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

namespace weft::http::detail {

// Waits until every connection has ended. Not ended by cancellation: a cancel cuts
// the connections instead, so their frames never outlive the CoreServer.
struct CoreServer::AllClosed {
  CoreServer* core;
  CancelState* cancel = nullptr;

  bool await_ready() const noexcept { return core->live_.empty(); }
  template <class P>
  void await_suspend(std::coroutine_handle<P> waiter) noexcept {
    core->all_closed_waiter_ = waiter;
    cancel = waiter.promise().cancel;
    auto cut = [](void* arg) noexcept { static_cast<CoreServer*>(arg)->cut_all(); };
    if (!weft::detail::arm_cancel(cancel, cut, core)) core->cut_all();
  }
  void await_resume() noexcept {
    weft::detail::disarm_cancel(cancel);
    weft::detail::set_current_cancel_state(cancel);
  }
};

// A parked connection: its socket, watched for input, and the timer of its keep-alive
// deadline. Freed when the watch calls back (input, expiry, drain or cut).
struct CoreServer::Parked : weft::detail::Timer {
  Parked(CoreServer& core, std::uint64_t id, Live& live, net::TcpStream stream)
      : core(core), id(id), live(live), stream(std::move(stream)) {}
  CoreServer& core;
  std::uint64_t id;
  Live& live;  // map nodes stay put
  net::TcpStream stream;
};

CoreServer::CoreServer(const ServerOptions& options, Router router, net::TcpListener listener)
    : options_(options),
      server_line_(detail::server_line(options.server_name)),
      router_(std::move(router)),
      listener_(std::move(listener)) {}

void CoreServer::start() { acceptor_ = spawn(accept_loop()); }

Task<void> CoreServer::accept_loop() {
  while (true) {
    auto stream = co_await listener_.accept();
    if (!stream) {
      if (cancelled()) co_return;
      log::warn("http: accept failed: {}", stream.error().message());
      co_await sleep(std::chrono::milliseconds(10));  // e.g. out of fds: let some close
      continue;
    }
    adopt(std::move(*stream));
  }
}

void CoreServer::adopt(net::TcpStream stream) {
  if (live_.size() >= options_.max_connections) {
    refuse(std::move(stream));
    return;
  }
  const std::uint64_t id = next_id_++;
  (void)stream.set_nodelay(true);
  // The entry first: the connection keeps a reference to its idle flag (map nodes stay
  // put), and spawn does not run it before the caller's next wait.
  Live& live = live_.try_emplace(id).first->second;
  live.task = spawn(serve_connection(*this, std::move(stream), id, live.idle, false));
}

void CoreServer::park(std::uint64_t id, net::TcpStream stream, Instant deadline) noexcept {
  const auto found = live_.find(id);
  if (found == live_.end()) return;  // not ours: the stream just closes
  Live& live = found->second;
  Parked* parked = nullptr;
  try {
    parked = new Parked(*this, id, live, std::move(stream));
    parked->stream.watch_readable(&CoreServer::on_parked_ready, parked);
  } catch (...) {  // no memory to park it: the connection closes
    delete parked;
    closed(id);
    return;
  }
  live.task = {};  // the task ending now; its successor starts on input
  live.parked = parked;
  live.idle = true;
  parked->fire = &CoreServer::on_parked_expired;
  weft::detail::arm_timer(*parked, deadline);
}

void CoreServer::on_parked_expired(weft::detail::Timer* timer) noexcept {
  static_cast<Parked*>(timer)->stream.cancel_watch();
}

void CoreServer::on_parked_ready(void* arg, std::error_code error) noexcept {
  std::unique_ptr<Parked> parked(static_cast<Parked*>(arg));
  weft::detail::disarm_timer(*parked);
  CoreServer& core = parked->core;
  Live& live = parked->live;
  live.parked = nullptr;
  live.idle = false;
  if (!error) {
    try {
      live.task = spawn(serve_connection(core, std::move(parked->stream), parked->id, live.idle, true));
      return;
    } catch (...) {  // no memory for its frame: the connection closes
    }
  }
  parked->stream.close();  // expired, drained or cut while idle
  core.closed(parked->id);
}

void CoreServer::cut(Live& live) noexcept {
  if (live.parked != nullptr) {
    live.parked->stream.cancel_watch();
  } else {
    live.task.cancel();
  }
}

// Connections the kernel has completed wait in the listener's backlog; closing the
// listener would reset them, failing requests their clients have already written.
// They are taken first and served like any other during a drain (answers say close).
void CoreServer::adopt_backlog() noexcept {
  const int listener = listener_.native_handle();
  while (listener >= 0) {
    const int fd = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;  // nothing queued (EAGAIN), or nothing to take
    try {
      adopt(net::TcpStream(IoHandle(fd)));
    } catch (...) {  // no memory for its entry or frame: this one is closed instead
      ::close(fd);
      return;
    }
  }
}

// Over the connection limit: a 503 the client can read, then close. The socket is
// fresh, so the short reply fits its send buffer and no wait is needed.
void CoreServer::refuse(net::TcpStream stream) noexcept {
  static constexpr std::string_view kReply =
      "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
  [[maybe_unused]] const auto sent = ::send(stream.native_handle(), kReply.data(), kReply.size(), MSG_NOSIGNAL);
  (void)stream.shutdown(net::Stream::Direction::write);
  stream.close();
}

void CoreServer::closed(std::uint64_t id) noexcept {
  live_.erase(id);
  if (live_.empty() && all_closed_waiter_) weft::detail::schedule(std::exchange(all_closed_waiter_, {}));
}

std::unique_ptr<RequestParser> CoreServer::take_parser() {
  if (parsers_.empty()) return std::make_unique<RequestParser>(options_.limits);
  std::unique_ptr<RequestParser> parser = std::move(parsers_.back());
  parsers_.pop_back();
  parser->reset();
  return parser;
}

void CoreServer::give_parser(std::unique_ptr<RequestParser> parser) noexcept {
  constexpr std::size_t kMaxPooled = 256;  // enough for a busy core; bursts free the rest
  if (parsers_.size() >= kMaxPooled) return;
  try {
    parsers_.push_back(std::move(parser));
  } catch (...) {  // the pool could not grow: the parser is freed instead
  }
}

void CoreServer::cut_all() noexcept {
  for (auto& [id, live] : live_) cut(live);
}

Task<void> CoreServer::cut_after(std::chrono::milliseconds delay) {
  co_await sleep(delay);
  if (!live_.empty()) {
    log::warn("http: drain timeout ({} ms) passed; cutting {} connection(s)", delay.count(), live_.size());
    cut_all();
  }
}

Task<void> CoreServer::drain() {
  if (!draining_) {
    draining_ = true;
    acceptor_.cancel();
  }
  if (acceptor_.valid()) {
    JoinHandle<void> accepting = std::move(acceptor_);
    try {
      co_await accepting;
    } catch (const Cancelled&) {  // cancelled in its back-off sleep: what was asked
    }
  }
  if (listener_.is_open()) {
    adopt_backlog();
    listener_.close();
  }
  if (live_.empty()) co_return;
  auto cutter = spawn(cut_after(options_.drain_timeout));
  // Idle keep-alive connections get a short grace before they are closed: a client may
  // have sent its next request already, and closing under it would fail that request
  // (a busy client's connection is never idle that long). A request that comes in the
  // grace is answered with `Connection: close`, like every response during a drain.
  const bool any_idle = std::any_of(live_.begin(), live_.end(), [](const auto& entry) { return entry.second.idle; });
  if (any_idle) {
    try {
      co_await sleep(std::min(kDrainIdleGrace, options_.drain_timeout));
      for (auto& [id, live] : live_) {
        if (live.idle) cut(live);
      }
    } catch (const Cancelled&) {
      cut_all();
    }
  }
  co_await AllClosed{this};
  cutter.cancel();
  try {
    co_await cutter;
  } catch (const Cancelled&) {  // its sleep was cancelled: what was asked
  }
}

}  // namespace weft::http::detail
