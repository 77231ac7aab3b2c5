// Client: HTTP/1.1 requests to other servers (backends, upstreams), over a pool of
// keep-alive connections per origin.
//
//   http::Client client;                                    // one per core
//   auto response = co_await client.send(backend, http::ClientRequest::get("/users/7"));
//   if (!response) ...                                      // connect refused, timed out, bad response
//   else use(response->status, response->body);
//
// One Client per core: its connections belong to the core that opened them (a Client
// used from a second core throws std::logic_error), and it must be destroyed on that
// core, before the Runtime. Make one per core — weft::PerCore<http::Client>
// (runtime/per_core.hpp) does it for handlers on every core — and pass it by reference.
//
// Pooling: connections are keyed by origin (an address: net::resolve in
// net/resolve.hpp turns a host name into addresses). A request takes an idle
// connection (the most recently used: its peer is the least likely to have closed it)
// or opens one, up to ClientOptions::max_connections_per_origin; past that it waits,
// in order, for one to come back. A connection goes back to the pool when its response
// has been read whole and neither side said `Connection: close`; anything else (an
// error, a timeout, a cancelled request, a body left unread) closes it.
//
// Retry: before reusing a connection, the client checks (without waiting) that its
// server has neither closed it nor sent anything unasked (a parting 408); such a
// connection is closed instead. A server may still close one just as a request is
// sent on it: when a request on a reused connection fails before any byte of a
// response arrived, it is sent again once on a new connection if its method is
// idempotent (GET, HEAD, PUT, DELETE, OPTIONS, TRACE) and its body is not streamed.
//
// Deadlines: connect_timeout, write_timeout, response_timeout and read_timeout in
// ClientOptions bound each phase (errc::timed_out). For an overall deadline, race the
// call against a sleep with select: the losing request is cancelled, its connection
// closed, and nothing leaks.
//
// Framing is read strictly (see ResponseParser): Content-Length, chunked and
// close-delimited bodies; 1xx interim responses are skipped; anything malformed fails
// with std::errc::bad_message and closes the connection.
#pragma once

#include <weft/core/result.hpp>
#include <weft/core/task.hpp>
#include <weft/http/client_options.hpp>
#include <weft/http/response.hpp>
#include <weft/net/address.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weft::http {

namespace detail {
class ClientPool;
class Exchange;
}  // namespace detail

/// Produces a request body piece by piece: each call returns the next piece, which
/// must stay valid until the next call; an empty piece ends the body.
using BodySource = std::function<Task<Result<std::string_view>>()>;

/// A request to send.
struct ClientRequest {
  std::string method = "GET";
  /// The origin-form target: path and query, e.g. "/users/7?x=1".
  std::string target = "/";
  /// Sent in this order. Host is added (the origin's address) unless given here;
  /// Content-Length and Transfer-Encoding are the client's to set and are ignored.
  std::vector<Field> headers;
  /// The body, unless `body_source` is set. Sent with Content-Length (also for an
  /// empty body of a POST, PUT or PATCH).
  std::string body;
  /// When set, the body comes from it: with `Content-Length: content_length` when that
  /// is given (the source must produce exactly that many bytes), chunked otherwise.
  BodySource body_source;
  std::optional<std::size_t> content_length;

  /// Appends a field; returns *this for chaining.
  ClientRequest& set(std::string name, std::string value);
  static ClientRequest get(std::string target);
  static ClientRequest post(std::string target, std::string body, std::string content_type = "text/plain");
};

/// A response read whole.
struct ClientResponse {
  unsigned status = 0;
  std::string reason;
  unsigned version_minor = 1;
  /// Header fields in the order received (trailers are not kept).
  std::vector<Field> headers;
  std::string body;

  /// The first header named `name` (ASCII case-insensitively), or nullopt.
  std::optional<std::string_view> header(std::string_view name) const noexcept;
};

/// A response whose body is read piece by piece (Client::open). Move-only; belongs
/// to the core and the Client that made it, and must not outlive that Client.
/// Destroying it before the body has been read to its end closes the connection.
class ResponseStream {
 public:
  ResponseStream(ResponseStream&&) noexcept;
  ResponseStream& operator=(ResponseStream&&) noexcept;
  ~ResponseStream();

  unsigned status() const noexcept;
  std::string_view reason() const noexcept;
  unsigned version_minor() const noexcept;
  const std::vector<Field>& headers() const noexcept;
  std::optional<std::string_view> header(std::string_view name) const noexcept;
  /// The body's length when the response gave one (Content-Length; 0 for a body-less
  /// response), nullopt for a chunked or close-delimited body.
  std::optional<std::size_t> content_length() const noexcept;

  /// The next piece of the body (at most one read's worth), valid until the next call;
  /// an empty piece means the body ended (and the connection went back to the pool).
  /// Each wait is bounded by read_timeout.
  /// Cancellation: total for the caller — the connection is closed.
  /// Completes inline: may (bytes already read).
  Task<Result<std::string_view>> read();

  /// Reads the rest of the body into one string, failing with errc::limit_exceeded
  /// past `max_bytes` (or at once, when Content-Length says so).
  /// Cancellation: total for the caller — the connection is closed.
  /// Completes inline: may.
  Task<Result<std::string>> read_all(std::size_t max_bytes);

 private:
  friend class Client;
  explicit ResponseStream(std::unique_ptr<detail::Exchange> exchange) noexcept;
  std::unique_ptr<detail::Exchange> exchange_;
};

class Client {
 public:
  explicit Client(ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  /// Sends `request` to `origin` and reads the whole response (body bounded by
  /// options().limits.max_body: errc::limit_exceeded past it).
  /// Errors: the connect's (e.g. connection_refused), errc::timed_out, bad_message for
  /// a malformed response, connection_reset / errc::closed when the server went away.
  /// Cancellation: total — the connection in use is closed; nothing else is left.
  /// Completes inline: never.
  Task<Result<ClientResponse>> send(const net::Address& origin, ClientRequest request);

  /// Sends `request` and returns once the response's head has arrived; the body is
  /// read from the ResponseStream.
  /// Cancellation: total — as send.
  /// Completes inline: never.
  Task<Result<ResponseStream>> open(const net::Address& origin, ClientRequest request);

  /// Connections to `origin` open now: in use, being opened, and idle in the pool.
  std::size_t open_connections(const net::Address& origin) const noexcept;
  /// Of those, the idle ones.
  std::size_t idle_connections(const net::Address& origin) const noexcept;

  const ClientOptions& options() const noexcept;

 private:
  std::unique_ptr<detail::ClientPool> pool_;
};

}  // namespace weft::http
