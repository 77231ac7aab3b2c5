#include "connection.hpp"

#include "buffer_pool.hpp"
#include "core_server.hpp"
#include "parser.hpp"
#include "response_head.hpp"

#include <weft/core/cancellation.hpp>
#include <weft/core/log.hpp>
#include <weft/http/body_reader.hpp>
#include <weft/http/body_writer.hpp>
#include <weft/runtime/clock.hpp>
#include <weft/runtime/select.hpp>
#include <weft/runtime/sleep.hpp>
#include <weft/runtime/wait_timer.hpp>
#include <weft/runtime/with_deadline.hpp>

#include <array>
#include <cassert>
#include <charconv>
#include <chrono>
#include <exception>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>

namespace weft::http::detail {
namespace {

using std::chrono::milliseconds;

// Responses to pipelined requests are gathered into one send up to this size.
constexpr std::size_t kFlushAt = 64 * 1024;
// Bodies larger than this are sent from the Response's memory instead of copied.
constexpr std::size_t kCopyBodyUpTo = 16 * 1024;
// After a response that closes: how long, and how much, of the client's remaining
// input is read and dropped before closing (see close_gracefully).
constexpr milliseconds kLingerTime{2000};
constexpr std::size_t kLingerBytes = 256 * 1024;
// A keep-alive connection idle this long is parked (CoreServer::park): it then holds
// no frame, but its next request costs a new task. A busy client is back well before.
constexpr milliseconds kParkAfter{10};
// A write buffer up to this capacity stays with its connection between requests.
constexpr std::size_t kKeepWriteBuffer = 4 * 1024;

enum class Got { request, closed, refused };
enum class End { closed, parked };
enum class Next { keep, close, drop };

class Connection;

// A try_read or try_write that would have had to wait.
bool would_block(const Result<std::size_t>& done) noexcept {
  return !done && done.error() == std::errc::operation_would_block;
}

// What a send still has to write: up to three buffers, held by value so that a send
// trims its own copy and a caller may build one in a plain function (see flush).
struct Unsent {
  std::array<IoVec, 3> parts{};
  std::size_t first = 0;
  std::size_t count = 0;

  Unsent(std::initializer_list<IoVec> buffers) noexcept {
    assert(buffers.size() <= parts.size());
    for (const IoVec& buffer : buffers) {
      if (buffer.size != 0) parts[count++] = buffer;  // an empty one has nothing to send
    }
  }
  std::span<const IoVec> left() const noexcept { return std::span(parts).subspan(first, count); }
  // Drops the `written` bytes at the front.
  void advance(std::size_t written) noexcept {
    while (count > 0 && written >= parts[first].size) {
      written -= parts[first++].size;
      --count;
    }
    if (count > 0) {
      parts[first].data = static_cast<const std::byte*>(parts[first].data) + written;
      parts[first].size -= written;
    }
  }
};

// The BodyWriter a streamed response's producer gets.
class ChunkSink final : public BodyWriter {
 public:
  ChunkSink(Connection& connection, bool chunked) : connection_(connection), chunked_(chunked) {}
  Task<Result<void>> write(std::string_view bytes) override;
  bool failed() const noexcept { return failed_; }
  std::size_t bytes() const noexcept { return bytes_; }

 private:
  Connection& connection_;
  bool chunked_;
  bool failed_ = false;
  std::size_t bytes_ = 0;
};

// The BodyReader a handler gets when the server streams request bodies.
class StreamedBody final : public BodyReader {
 public:
  explicit StreamedBody(Connection& connection) : connection_(connection) {}
  Task<Result<std::string_view>> read() override;

 private:
  Connection& connection_;
  std::string piece_;  // the piece handed out last
};

class Connection {
 public:
  Connection(CoreServer& core, net::TcpStream stream, bool& idle)
      : core_(core), options_(core.options()), stream_(std::move(stream)), idle_(idle) {}
  ~Connection() {
    release();
    give_write_buffer(std::move(out_));
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// Serves requests until the connection ends, or until it is idle between requests
  /// and can be parked (stream() then goes to the core). `resumed`: started again for
  /// input that came while parked.
  Task<End> run(bool resumed);
  net::TcpStream& stream() noexcept { return stream_; }
  /// After run() parked: when the keep-alive wait ends.
  Instant parked_until() const noexcept { return parked_until_; }
  /// Sends every byte of `unsent`, bounded by the write timeout (or by `deadline`, for
  /// the rest of a write begun before); false when it failed.
  /// `then_clear`: out_ is cleared once it ends (the bytes came from it).
  Task<bool> send(Unsent unsent, bool then_clear = false, std::optional<Instant> deadline = std::nullopt);
  /// The next piece of a streamed request body into `piece` (see StreamedBody).
  Task<Result<std::string_view>> read_body(std::string& piece);

 private:
  Task<Got> read_request(Instant head_deadline);
  std::optional<Got> after_read(const Result<std::size_t>& read);
  std::optional<Got> parse_buffered();
  Task<Next> respond(Request& request, Instant started);
  // Sends out_ and clears it. Not a coroutine of its own: one frame less per response.
  Task<bool> flush() { return send({{out_.data(), out_.size()}}, true); }
  Task<void> close_gracefully();
  void refuse(int status, std::string_view reason);
  void access_log(const Request* request, int status, std::size_t body_bytes, Instant started) const;
  void acquire();
  void release() noexcept;

  CoreServer& core_;
  const ServerOptions& options_;
  net::TcpStream stream_;
  bool& idle_;  // the core's flag: true while waiting between requests
  WaitTimer wait_timer_;  // bounds those waits and the writes
  // Taken from the core's pools while a request runs, given back when idle.
  std::unique_ptr<RequestParser> parser_;
  ReadBuffer in_;
  std::string out_;  // responses not yet sent
  // Streamed request bodies: the handler has the request, its body is still arriving.
  bool body_pending_ = false;
  bool continued_ = false;  // `100 Continue` sent for the current request
  Instant parked_until_{};
};

Task<End> Connection::run(bool resumed) {
  // A connection answered once waits for its next request here for kParkAfter, then
  // is parked (see CoreServer::park); a new one waits here under the header timeout.
  bool keep_alive = resumed;
  bool readable = resumed;  // woken by input: the first read is tried at once
  while (true) {
    if (in_.empty() && !readable) {
      // The read buffer and the parser go back first: on io_uring the flush waits for
      // its completion, and holding them meanwhile makes a burst of connections take
      // more than the pools keep (freed afterwards, they leave the heap fragmented).
      release();
      if (!out_.empty()) {
        // One write mostly takes all the responses. Tried at once first (epoll): no
        // frame, no timer, no clock read; then under the write timeout. send() writes
        // what it left, under the same deadline.
        const IoVec queued{out_.data(), out_.size()};
        std::optional<Instant> deadline;
        Result<std::size_t> written = stream_.try_write(std::span(&queued, 1));
        if (would_block(written)) {
          deadline = now() + options_.write_timeout;
          written = co_await stream_.write_some(std::span(&queued, 1), *deadline, wait_timer_);
        }
        if (!written) co_return End::closed;
        if (*written < queued.size) {
          const Unsent rest{{out_.data() + *written, out_.size() - *written}};
          if (!co_await send(rest, true, deadline)) co_return End::closed;
        }
        out_.clear();
        release();  // the write buffer, now empty, if it is large
      }
      const milliseconds wait = keep_alive ? options_.keepalive_timeout : options_.header_timeout;
      const bool may_park = keep_alive && !core_.draining() && wait > kParkAfter;
      // During a drain the wait is short but not zero: this connection's last response
      // may have gone out before the drain began, without `Connection: close`, and its
      // client may be sending the next request already.
      const milliseconds limit =
          may_park ? kParkAfter : core_.draining() ? std::min(wait, CoreServer::kDrainIdleGrace) : wait;
      const Instant idle_since = now();
      idle_ = true;  // a drain may close it from here on
      const Result<void> ready = co_await stream_.wait_readable(idle_since + limit, wait_timer_);
      idle_ = false;
      if (!ready) {
        // Still idle after kParkAfter: parked, unless a drain began meanwhile (it
        // closes idle connections anyway).
        if (ready.error() != errc::timed_out || !may_park || core_.draining()) co_return End::closed;
        parked_until_ = idle_since + wait;
        co_return End::parked;
      }
      readable = true;
    }
    acquire();
    // A pipelined request already whole in the buffer is parsed here: no read, no
    // timer, no clock read (the clock is read only for a deadline or an access log).
    std::optional<Got> got = readable ? std::nullopt : parse_buffered();
    const Instant started = got && !options_.access_log ? Instant{} : now();
    if (!got && std::exchange(readable, false)) {
      // Woken by input: the bytes are there to take without a wait, so without a read
      // frame or a timer, and mostly they are the whole request (no read_request frame
      // either). Should nothing be there after all, read_request waits as usual.
      const Result<std::size_t> read = stream_.try_read(std::span(in_.space(), in_.space_size()));
      if (!would_block(read)) {
        got = after_read(read);
        if (!got) got = parse_buffered();
      }
    }
    if (!got) got = co_await read_request(started + options_.header_timeout);
    if (*got == Got::closed) co_return End::closed;
    if (*got == Got::refused) {
      co_await close_gracefully();
      co_return End::closed;
    }
    const Next next = co_await respond(parser_->request(), started);
    if (next == Next::drop) co_return End::closed;
    if (next == Next::close) {
      co_await close_gracefully();
      co_return End::closed;
    }
    keep_alive = true;
    if (out_.size() >= kFlushAt && !co_await flush()) co_return End::closed;
  }
}

// Reads until the parser has a whole request (or refuses one). The header section
// must arrive before `head_deadline` and the body within body_timeout after it.
Task<Got> Connection::read_request(Instant head_deadline) {
  Instant deadline = head_deadline;
  bool in_body = false;
  while (true) {
    if (auto got = parse_buffered()) co_return *got;
    if (parser_->headers_complete() && !in_body) {
      in_body = true;
      deadline = now() + options_.body_timeout;
      if (parser_->request().expects_continue) out_.append("HTTP/1.1 100 Continue\r\n\r\n");
    }
    if (!out_.empty() && !co_await flush()) co_return Got::closed;
    const Result<std::size_t> read =
        co_await with_deadline(deadline, stream_.read(std::span(in_.space(), in_.space_size())));
    if (!read && read.error() == errc::timed_out) {
      refuse(408, in_body ? "the body took too long to arrive" : "the header section took too long to arrive");
      co_return Got::refused;
    }
    if (auto got = after_read(read)) co_return *got;
  }
}

// What a read of the request means: closed or refused, or nullopt when it brought
// bytes (now in in_, to parse).
std::optional<Got> Connection::after_read(const Result<std::size_t>& read) {
  if (!read) return Got::closed;  // reset by the peer
  if (*read == 0) {
    const ParseResult end = parser_->finish();
    if (end.kind != ParseResult::Kind::error) return Got::closed;
    refuse(end.status, end.reason);  // cut short: the peer may still read the answer
    return Got::refused;
  }
  in_.produced(*read);
  return std::nullopt;
}

// Feeds the unparsed bytes: a whole request or a refusal, or nullopt when the parser
// took them all and needs more.
std::optional<Got> Connection::parse_buffered() {
  if (in_.empty()) return std::nullopt;
  const ParseResult parsed = parser_->feed({in_.data(), in_.size()});
  if (parsed.kind == ParseResult::Kind::complete) {
    in_.consume(parsed.consumed);
    body_pending_ = continued_ = false;
    return Got::request;
  }
  in_.consume(in_.size());
  if (parsed.kind == ParseResult::Kind::error) {
    refuse(parsed.status, parsed.reason);
    return Got::refused;
  }
  if (options_.stream_request_bodies && parser_->headers_complete()) {
    body_pending_ = true;  // the handler reads the rest
    continued_ = false;
    return Got::request;
  }
  return std::nullopt;
}

Task<Next> Connection::respond(Request& request, Instant started) {
  // The answer stays where the handler's co_return put it, in its task's promise, and
  // is written from there: moving a Response out costs more than the response's head.
  // `replacement` holds one the server made instead (500, 503, a select's outcome).
  Task<Response> handling;
  Response replacement;
  Response* answer = &replacement;
  bool threw = false;
  request.socket = stream_.native_handle();
  StreamedBody streamed_body(*this);
  if (options_.stream_request_bodies) request.body_reader = &streamed_body;
  try {
    if (options_.handler_timeout.count() > 0) {
      auto outcome = co_await select(core_.router().dispatch(request), sleep(options_.handler_timeout));
      if (outcome.index() == 0) {
        replacement = std::move(std::get<0>(outcome));
      } else {
        log::warn("http: {} {}: handler ran over {} ms; answered 503", request.method, request.target,
                  options_.handler_timeout.count());
        replacement = Response::of_status(503);
      }
    } else {
      handling = core_.router().dispatch(request);
      auto& ended = co_await weft::detail::settle(handling);
      if (ended.error) std::rethrow_exception(ended.error);  // to the handlers below
      answer = &*ended.value;
    }
  } catch (const std::exception& error) {
    if (cancelled()) throw;
    log::error("http: {} {}: handler threw: {}; answered 500", request.method, request.target, error.what());
    threw = true;
  } catch (...) {
    if (cancelled()) throw;
    log::error("http: {} {}: handler threw a non-exception; answered 500", request.method, request.target);
    threw = true;
  }
  if (threw) replacement = Response::of_status(500);
  if (!fields_are_valid(*answer)) {
    log::error("http: {} {}: the response has an invalid status or header field; answered 500", request.method,
               request.target);
    replacement = Response::of_status(500);
    answer = &replacement;
  }
  Response& response = *answer;

  HeadFacts facts;
  facts.server_line = core_.server_line();
  // A streamed body the handler left unread is not drained: the connection closes.
  facts.close = !request.keep_alive || core_.draining() || asks_to_close(response) || body_pending_;
  const bool head = request.is_head();
  if (!status_has_body(response.status)) {
    facts.framing = Framing::none;
  } else if (response.stream) {
    const bool chunked = request.version_minor >= 1;
    facts.framing = chunked ? Framing::chunked : Framing::until_close;
    facts.close = facts.close || !chunked;
  } else {
    facts.framing = Framing::length;
    facts.content_length = response.body.size();
    // A HEAD answer may say how long the GET's body would be (a proxy passing one on).
    if (head && response.body.empty()) facts.content_length = given_length(response).value_or(0);
  }
  facts.keep_alive_field = !facts.close && request.version_minor == 0;
  append_head(out_, response, facts);

  std::size_t body_bytes = 0;
  if (facts.framing == Framing::length && !head) {
    body_bytes = response.body.size();
    if (body_bytes > kCopyBodyUpTo) {
      const Unsent parts{{out_.data(), out_.size()}, {response.body.data(), response.body.size()}};
      const bool sent = co_await send(parts, true);
      if (!sent) co_return Next::drop;
    } else {
      out_.append(response.body);
    }
  } else if (response.stream && !head && facts.framing != Framing::none) {
    if (!co_await flush()) co_return Next::drop;
    ChunkSink sink(*this, facts.framing == Framing::chunked);
    bool produced = false;
    try {
      produced = (co_await response.stream(sink)).has_value();
    } catch (const std::exception& error) {
      if (cancelled()) throw;
      log::error("http: {} {}: body producer threw: {}", request.method, request.target, error.what());
    }
    if (!produced || sink.failed()) co_return Next::drop;  // the client sees a truncated body
    body_bytes = sink.bytes();
    if (facts.framing == Framing::chunked) out_.append("0\r\n\r\n");
  }
  if (options_.access_log) access_log(&request, response.status, body_bytes, started);
  co_return facts.close ? Next::close : Next::keep;
}

// Calls write_some itself (not Stream::writev_all): a response is one buffer, or a
// few, and this is one coroutine less on every response.
Task<bool> Connection::send(Unsent unsent, bool then_clear, std::optional<Instant> given_deadline) {
  const Instant deadline = given_deadline ? *given_deadline : now() + options_.write_timeout;
  bool sent = true;
  while (unsent.count > 0) {
    const Result<std::size_t> written = co_await stream_.write_some(unsent.left(), deadline, wait_timer_);
    if (!written) {
      sent = false;
      break;
    }
    unsent.advance(*written);
  }
  if (then_clear) out_.clear();
  co_return sent;
}

// Sends what is queued, then half-closes and reads what the client still sends until
// it closes too (bounded): closing a socket with unread input makes the kernel send a
// reset, which can destroy the response before the client has read it.
Task<void> Connection::close_gracefully() {
  if (!out_.empty() && !co_await flush()) co_return;
  if (!stream_.shutdown(net::Stream::Direction::write)) co_return;
  acquire();
  const Instant deadline = now() + kLingerTime;
  std::size_t dropped = 0;
  while (dropped < kLingerBytes) {
    in_.consume(in_.size());
    const auto read = co_await with_deadline(deadline, stream_.read(std::span(in_.space(), in_.space_size())));
    if (!read || *read == 0) break;  // closed, reset or out of time
    dropped += *read;
  }
  in_.consume(in_.size());
}

// A refused request: an answer naming the status and why, then the connection closes.
void Connection::refuse(int status, std::string_view reason) {
  std::string body = std::to_string(status);
  body += ' ';
  body += reason_phrase(status);
  body += ": ";
  body += reason;
  body += '\n';
  Response response = Response::text(std::move(body), status);
  HeadFacts facts;
  facts.server_line = core_.server_line();
  facts.close = true;
  facts.content_length = response.body.size();
  append_head(out_, response, facts);
  out_.append(response.body);
  if (options_.access_log) access_log(nullptr, status, response.body.size(), now());
}

void Connection::access_log(const Request* request, int status, std::size_t body_bytes, Instant started) const {
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now() - started).count();
  if (request == nullptr) {
    log::info("http: - - {} {} {}us", status, body_bytes, micros);
  } else {
    log::info("http: {} {} {} {} {}us", request->method, request->target, status, body_bytes, micros);
  }
}

void Connection::acquire() {
  in_.acquire();
  if (out_.capacity() == std::string().capacity()) out_ = take_write_buffer();
  if (parser_ == nullptr) parser_ = core_.take_parser();
}

void Connection::release() noexcept {
  if (in_.empty()) in_.release();
  if (parser_ != nullptr && in_.empty()) core_.give_parser(std::move(parser_));
  // A small write buffer stays between requests: handing it to the pool and taking it
  // back costs more per request than it weighs, and a connection idle for long is
  // parked (this object gone) within kParkAfter.
  if (out_.empty() && out_.capacity() > kKeepWriteBuffer) {
    give_write_buffer(std::move(out_));
    out_ = std::string();
  }
}

Task<Result<std::string_view>> StreamedBody::read() { return connection_.read_body(piece_); }

Task<Result<std::string_view>> Connection::read_body(std::string& piece) {
  while (true) {
    std::string& body = parser_->request().body;
    if (!body.empty()) {
      piece.swap(body);
      body.clear();
      co_return std::string_view(piece);
    }
    if (!body_pending_) co_return std::string_view{};
    if (parser_->request().expects_continue && !continued_) {
      continued_ = true;
      out_.append("HTTP/1.1 100 Continue\r\n\r\n");
      if (!co_await flush()) co_return fail(std::errc::connection_reset);
    }
    const auto read =
        co_await with_deadline(now() + options_.body_timeout, stream_.read(std::span(in_.space(), in_.space_size())));
    if (!read) co_return fail(read.error());
    if (*read == 0) co_return fail(std::errc::connection_reset);  // cut short
    in_.produced(*read);
    const ParseResult parsed = parser_->feed({in_.data(), in_.size()});
    if (parsed.kind == ParseResult::Kind::error) {
      in_.consume(in_.size());
      co_return fail(parsed.status == 413 ? make_error_code(errc::limit_exceeded)
                                          : std::make_error_code(std::errc::bad_message));
    }
    if (parsed.kind == ParseResult::Kind::complete) {
      in_.consume(parsed.consumed);  // pipelined bytes after the body stay
      body_pending_ = false;
    } else {
      in_.consume(in_.size());
    }
  }
}

Task<Result<void>> ChunkSink::write(std::string_view bytes) {
  if (bytes.empty()) co_return Result<void>{};
  bool sent = false;
  if (chunked_) {
    char size_line[24];
    char* end = std::to_chars(size_line, size_line + 16, bytes.size(), 16).ptr;
    *end++ = '\r';
    *end++ = '\n';
    const Unsent parts{{size_line, static_cast<std::size_t>(end - size_line)}, {bytes.data(), bytes.size()}, {"\r\n", 2}};
    sent = co_await connection_.send(parts);
  } else {
    const Unsent part{{bytes.data(), bytes.size()}};
    sent = co_await connection_.send(part);
  }
  if (!sent) {
    failed_ = true;
    co_return fail(std::errc::connection_aborted);
  }
  bytes_ += bytes.size();
  co_return Result<void>{};
}

}  // namespace

Task<void> serve_connection(CoreServer& core, net::TcpStream stream, std::uint64_t id, bool& idle, bool resumed) {
  net::TcpStream idle_stream;
  Instant connection_parked_until{};
  {
    Connection connection(core, std::move(stream), idle);
    try {
      if (co_await connection.run(resumed) == End::parked) {
        idle_stream = std::move(connection.stream());
        connection_parked_until = connection.parked_until();
      }
    } catch (const Cancelled&) {
      // a drain (or the runtime's shutdown) cut this connection
    } catch (const std::exception& error) {
      log::error("http: connection ended by an error: {}", error.what());
    }
  }
  if (idle_stream.is_open()) {
    core.park(id, std::move(idle_stream), connection_parked_until);
  } else {
    core.closed(id);
  }
}

}  // namespace weft::http::detail
