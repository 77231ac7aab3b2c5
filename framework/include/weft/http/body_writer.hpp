// BodyWriter: how a handler streams a response body it does not hold whole.
//
// A Response made with Response::streamed carries a BodyProducer; after sending the
// head, the server calls it with a BodyWriter and sends each piece it writes at once:
// as one chunk of a chunked body (HTTP/1.1), or raw on a connection that closes after
// the body (an HTTP/1.0 client, which has no chunked encoding). Memory stays bounded by
// the pieces the producer makes. A HEAD request never calls the producer.
#pragma once

#include <weft/core/result.hpp>
#include <weft/core/task.hpp>

#include <functional>
#include <string_view>

namespace weft::http {

class BodyWriter {
 public:
  /// Sends `bytes` as the next piece of the body; empty bytes send nothing. Fails when
  /// the client has gone or stopped reading for longer than the write timeout; the
  /// producer should then return the error (the connection is closed after).
  /// Cancellation: partial — a prefix of the bytes may have been sent; the connection
  /// is closed after.
  /// Completes inline: may (when the socket takes the bytes at once).
  virtual Task<Result<void>> write(std::string_view bytes) = 0;

 protected:
  BodyWriter() = default;
  ~BodyWriter() = default;
  BodyWriter(const BodyWriter&) = default;
  BodyWriter& operator=(const BodyWriter&) = default;
};

/// Produces a streamed body through the writer; returning an error (or throwing)
/// ends the response early, and the connection is closed so the client sees a
/// truncated body instead of a complete-looking one.
using BodyProducer = std::function<Task<Result<void>>(BodyWriter&)>;

}  // namespace weft::http
