#include "exchange.hpp"

#include "../ascii.hpp"
#include "../response_head.hpp"

#include <weft/runtime/with_deadline.hpp>

#include <charconv>

namespace weft::http::detail {
namespace {

// A small body goes out in the same send as the head; a larger one is sent from the
// request's own memory.
constexpr std::size_t kCopyBodyUpTo = 16 * 1024;

bool is_token(std::string_view text) noexcept {
  if (text.empty()) return false;
  for (unsigned char c : text) {
    if (!is_tchar(c)) return false;
  }
  return true;
}

// Origin-form or absolute-form: visible ASCII, no spaces or controls.
bool is_target(std::string_view text) noexcept {
  if (text.empty()) return false;
  for (unsigned char c : text) {
    if (c <= 0x20 || c == 0x7f) return false;
  }
  return true;
}

bool method_sends_length(std::string_view method) noexcept {
  return method == "POST" || method == "PUT" || method == "PATCH";
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ");
  out.append(value);
  out.append("\r\n");
}

void append_number(std::string& out, std::size_t value, int base = 10) {
  char digits[24];
  out.append(digits, std::to_chars(digits, digits + sizeof digits, value, base).ptr);
}

}  // namespace

Exchange::~Exchange() {
  in_.consume(in_.size());
  in_.release();
  if (out_.capacity() > std::string().capacity()) give_write_buffer(std::move(out_));
}

Task<Result<void>> Exchange::start(ClientRequest& request) {
  UpstreamConnection& connection = lease_.connection();
  reused_ = connection.reused;
  connection.parser.expect(request.method == "HEAD");
  auto written = co_await write_request(request);
  // A server may answer before it has read the whole request (a 413 for a body too
  // large) and close: the write then fails, but its answer is the one to report.
  const bool early_answer_possible = !written && !source_failed_ &&
                                     (written.error() == std::errc::broken_pipe ||
                                      written.error() == std::errc::connection_reset);
  if (!written && !early_answer_possible) co_return written;
  request_cut_ = !written;
  in_.acquire();
  const Instant deadline = now() + options_.response_timeout;
  while (!head_done_) {
    auto got = co_await read_some(deadline);
    if (!got) co_return fail(written ? got.error() : written.error());
    if (*got == 0) {
      if (auto end = finish_at_eof(); !end) co_return written ? end : written;
      continue;
    }
    got_bytes_ = true;
    in_.produced(*got);
    if (auto fed = feed(); !fed) co_return fed;
  }
  co_return Result<void>{};
}

Task<Result<void>> Exchange::write_request(ClientRequest& request) {
  if (!is_token(request.method) || !is_target(request.target)) co_return fail(std::errc::invalid_argument);
  out_ = take_write_buffer();
  out_.append(request.method).append(" ").append(request.target).append(" HTTP/1.1\r\n");
  bool has_host = false, has_agent = false;
  for (const auto& field : request.headers) {
    if (!field_is_valid(field.name, field.value)) co_return fail(std::errc::invalid_argument);
    if (iequals(field.name, "content-length") || iequals(field.name, "transfer-encoding")) continue;
    has_host = has_host || iequals(field.name, "host");
    has_agent = has_agent || iequals(field.name, "user-agent");
    append_field(out_, field.name, field.value);
  }
  if (!has_host) append_field(out_, "Host", lease_.pool().host);
  if (!has_agent && !options_.user_agent.empty()) append_field(out_, "User-Agent", options_.user_agent);
  const bool streamed = static_cast<bool>(request.body_source);
  const bool chunked = streamed && !request.content_length;
  if (chunked) {
    out_.append("Transfer-Encoding: chunked\r\n");
  } else if (streamed || !request.body.empty() || method_sends_length(request.method)) {
    out_.append("Content-Length: ");
    append_number(out_, streamed ? *request.content_length : request.body.size());
    out_.append("\r\n");
  }
  out_.append("\r\n");
  if (!streamed && request.body.size() > kCopyBodyUpTo) {
    const IoVec parts[] = {{out_.data(), out_.size()}, {request.body.data(), request.body.size()}};
    co_return co_await send(parts);
  }
  if (!streamed) out_.append(request.body);
  const IoVec head{out_.data(), out_.size()};
  if (auto sent = co_await send(std::span(&head, 1)); !sent || !streamed) co_return sent;
  co_return co_await write_body(request.body_source, request.content_length);
}

Task<Result<void>> Exchange::write_body(BodySource& source, std::optional<std::size_t> length) {
  const bool chunked = !length;
  std::size_t total = 0;
  while (true) {
    auto piece = co_await source();
    if (!piece) {
      source_failed_ = true;  // the body's own source failed, not the connection
      co_return fail(piece.error());
    }
    if (piece->empty()) break;
    total += piece->size();
    // A body longer or shorter than its Content-Length would desynchronise the
    // connection: the server would read the rest as a request, or wait for bytes.
    if (length && total > *length) co_return fail(std::errc::invalid_argument);
    if (!chunked) {
      const IoVec part{piece->data(), piece->size()};
      if (auto sent = co_await send(std::span(&part, 1)); !sent) co_return sent;
      continue;
    }
    out_.clear();
    append_number(out_, piece->size(), 16);
    out_.append("\r\n");
    const IoVec parts[] = {{out_.data(), out_.size()}, {piece->data(), piece->size()}, {"\r\n", 2}};
    if (auto sent = co_await send(parts); !sent) co_return sent;
  }
  if (!chunked) co_return total == *length ? Result<void>{} : fail(std::errc::invalid_argument);
  const IoVec last{"0\r\n\r\n", 5};
  co_return co_await send(std::span(&last, 1));
}

Task<Result<void>> Exchange::send(std::span<const IoVec> parts) {
  Result<void> sent = co_await with_deadline(now() + options_.write_timeout, lease_.connection().stream.writev_all(parts));
  if (!sent && sent.error() == errc::timed_out) timed_out_ = true;
  co_return sent;
}

Task<Result<std::size_t>> Exchange::read_some(Instant deadline) {
  net::TcpStream& stream = lease_.connection().stream;
  Result<std::size_t> read = co_await with_deadline(deadline, stream.read(std::span(in_.space(), in_.space_size())));
  if (!read && read.error() == errc::timed_out) timed_out_ = true;
  co_return read;
}

// Feeds the buffered bytes: skips interim (1xx) responses, notes the end of the final
// response's head, and stops when the response is complete.
Result<void> Exchange::feed() {
  ResponseParser& parser = lease_.connection().parser;
  while (!in_.empty() && !complete_) {
    const ResponseParseResult parsed = parser.feed({in_.data(), in_.size()});
    if (parsed.kind == ResponseParseResult::Kind::error) return fail(std::errc::bad_message);
    if (parsed.kind == ResponseParseResult::Kind::need_more) {
      in_.consume(in_.size());
      break;
    }
    in_.consume(parsed.consumed);
    if (parser.response().interim()) continue;
    complete_ = true;
    // Bytes after the response were not asked for: the connection cannot be trusted.
    reusable_ = parser.response().keep_alive && in_.empty() && !request_cut_;
  }
  if (!head_done_ && parser.head_complete() && !parser.response().interim()) take_head();
  return {};
}

Result<void> Exchange::finish_at_eof() {
  ResponseParser& parser = lease_.connection().parser;
  const ResponseParseResult end = parser.finish();
  switch (end.kind) {
    case ResponseParseResult::Kind::complete:  // a body delimited by the close
      complete_ = true;
      reusable_ = false;
      if (!head_done_) take_head();
      return {};
    case ResponseParseResult::Kind::end:
      return fail(head_done_ ? std::errc::bad_message : std::errc::connection_reset);
    default:
      return fail(std::errc::bad_message);  // cut short
  }
}

void Exchange::take_head() {
  const ParsedResponse& response = lease_.connection().parser.response();
  head_done_ = true;
  head_.status = response.status;
  head_.reason.assign(response.reason);
  head_.version_minor = response.version_minor;
  head_.headers.reserve(response.headers.size());
  for (const auto& field : response.headers) head_.headers.push_back({std::string(field.name), std::string(field.value)});
  switch (response.framing) {
    case BodyFraming::none: content_length_ = 0; break;
    case BodyFraming::content_length: {
      const auto value = *response.header("content-length");
      std::size_t length = 0;
      std::from_chars(value.data(), value.data() + value.size(), length);
      content_length_ = length;
      break;
    }
    default: content_length_.reset(); break;
  }
}

Task<Result<std::string_view>> Exchange::read() {
  while (!done_) {
    std::string& body = lease_.connection().parser.response().body;
    if (!body.empty()) {
      piece_.swap(body);
      body.clear();
      co_return std::string_view(piece_);
    }
    if (complete_) {
      end_of_body();
      break;
    }
    auto got = co_await read_some(now() + options_.read_timeout);
    if (!got) co_return fail(got.error());
    if (*got == 0) {
      if (auto end = finish_at_eof(); !end) co_return fail(end.error());
      continue;
    }
    in_.produced(*got);
    if (auto fed = feed(); !fed) co_return fail(fed.error());
  }
  co_return std::string_view{};
}

void Exchange::end_of_body() noexcept {
  done_ = true;
  in_.release();
  if (reusable_) {
    lease_.give_back();
  } else {
    lease_.drop();
  }
}

}  // namespace weft::http::detail
