// Exchange: one request and its response on a leased upstream connection. Writes the
// request, reads the response head, then hands out the body piece by piece; when the
// body has ended on a connection both sides keep alive, gives the connection back.
#pragma once

#include "../buffer_pool.hpp"
#include "client_pool.hpp"

#include <weft/http/client.hpp>

#include <string>

namespace weft::http::detail {

class Exchange {
 public:
  Exchange(const ClientOptions& options, Lease lease) : options_(options), lease_(std::move(lease)) {}
  ~Exchange();
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  /// Writes `request` and reads up to the end of the final response's head.
  Task<Result<void>> start(ClientRequest& request);

  /// True when start() failed in a way that sending the request again on a new
  /// connection may cure: a reused connection failed before any response byte came.
  bool may_retry() const noexcept { return reused_ && !got_bytes_ && !timed_out_; }

  /// The next body piece; empty at the end (the connection has gone back to the pool).
  Task<Result<std::string_view>> read();

  /// The final response's status line and fields (owned copies); `body` stays empty.
  ClientResponse& head() noexcept { return head_; }
  const ClientResponse& head() const noexcept { return head_; }
  std::optional<std::size_t> content_length() const noexcept { return content_length_; }

 private:
  Task<Result<void>> write_request(ClientRequest& request);
  Task<Result<void>> write_body(BodySource& source, std::optional<std::size_t> length);
  Task<Result<void>> send(std::span<const IoVec> parts);
  Task<Result<std::size_t>> read_some(Instant deadline);
  Result<void> feed();
  Result<void> finish_at_eof();
  void take_head();
  void end_of_body() noexcept;

  const ClientOptions& options_;
  Lease lease_;
  ReadBuffer in_;
  std::string out_;    // the request head (and a small body) being written
  std::string piece_;  // the body piece read() handed out last
  ClientResponse head_;
  std::optional<std::size_t> content_length_;
  bool head_done_ = false;  // the final response's head has arrived
  bool complete_ = false;   // the parser has the whole response
  bool reusable_ = false;   // ...and the connection may carry another request
  bool done_ = false;       // read() has reported the end
  bool request_cut_ = false;    // the server answered before taking the whole request
  bool source_failed_ = false;  // the request body's source failed (say, its own client left)
  bool reused_ = false;
  bool got_bytes_ = false;
  bool timed_out_ = false;
};

}  // namespace weft::http::detail
