// BodyReader: how a handler reads a request body it does not want held whole.
//
// With ServerOptions::stream_request_bodies, the server calls the handler as soon as a
// request's head has arrived; `request.body` stays empty and the body comes from
// `request.body_reader`, one read's worth at a time (a proxy passes a 1 GiB upload on
// in bounded memory). `Expect: 100-continue` is answered on the first read, so a
// handler that refuses without reading never makes the client send the body.
// A body the handler leaves unread is not drained: the response gets `Connection:
// close` and the connection closes after it.
#pragma once

#include <weft/core/result.hpp>
#include <weft/core/task.hpp>

#include <string_view>

namespace weft::http {

class BodyReader {
 public:
  /// The next piece of the body, valid until the next call; an empty piece means the
  /// body has ended. Fails with errc::timed_out when no byte came for body_timeout,
  /// errc::limit_exceeded past max_body, bad_message for a malformed chunked body, and
  /// connection_reset when the client went away; the connection closes after the
  /// response.
  /// Cancellation: total for the caller — the connection closes after the response.
  /// Completes inline: may (bytes already read).
  virtual Task<Result<std::string_view>> read() = 0;

 protected:
  BodyReader() = default;
  ~BodyReader() = default;
  BodyReader(const BodyReader&) = default;
  BodyReader& operator=(const BodyReader&) = default;
};

}  // namespace weft::http
