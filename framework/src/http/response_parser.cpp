#include "response_parser.hpp"

#include "ascii.hpp"
#include "head_scanner.hpp"
#include "llhttp_glue.hpp"

#include <llhttp.h>

#include <string>
#include <vector>

namespace weft::http {

// Defined here, as the only source of the http area that builds ParsedResponses.
std::optional<std::string_view> ParsedResponse::header(std::string_view name) const noexcept {
  for (const auto& field : headers) {
    if (detail::iequals(field.name, name)) return field.value;
  }
  return std::nullopt;
}

namespace {

// The strict lexer of the status line (RFC 9112 §4), as HeadScanner is of the request
// line: status-line = HTTP-version SP status-code SP [ reason-phrase ] CRLF, with
// HTTP-version "HTTP/1.0" or "HTTP/1.1", status-code three digits from 100 to 599 and
// reason-phrase HTAB / SP / VCHAR / obs-text. llhttp 8.1 is looser (it accepts a bare
// LF, a missing reason and its SP, and codes like 000). scan() stops at the first byte
// it refuses; the parser hands llhttp only the bytes before that one.
class StatusLineScanner {
 public:
  struct Verdict {
    std::size_t accepted = 0;
    bool done = false;             // the line's LF was the last accepted byte
    const char* error = nullptr;   // the byte after the accepted ones is refused
  };

  explicit StatusLineScanner(const Limits& limits) noexcept : limits_(limits) {}

  void start() noexcept {
    state_ = State::version;
    matched_ = code_ = 0;
    bytes_ = 0;
  }
  bool started() const noexcept { return bytes_ > 0 || state_ != State::version; }

  Verdict scan(const char* data, std::size_t size) noexcept {
    for (std::size_t i = 0; i < size; ++i) {
      const char* error = step(static_cast<unsigned char>(data[i]));
      if (error != nullptr) {
        state_ = State::failed;
        return {i, false, error};
      }
      if (state_ == State::done) return {i + 1, true, nullptr};
    }
    return {size, false, nullptr};
  }

 private:
  enum class State : std::uint8_t { version, code, reason, lf, done, failed };

  // Exempt from the function size budget as a parser state machine.
  const char* step(unsigned char c) noexcept {
    static constexpr char kVersion[] = "HTTP/1.# ";  // '#' is the minor digit
    if (state_ == State::lf) {
      if (c != '\n') return "bare CR not followed by LF";
      state_ = State::done;
      return nullptr;
    }
    if (c == '\n') return "bare LF without CR";
    if (state_ == State::done || state_ == State::failed) return "bytes after the status line";
    if (c != '\r' && ++bytes_ > limits_.max_request_line) return "status line too long";
    switch (state_) {
      case State::version: {
        const char expected = kVersion[matched_];
        if (expected == '#') {
          if (c < '0' || c > '9') return "malformed HTTP version";
          if (c > '1') return "HTTP version not supported";
        } else if (c != static_cast<unsigned char>(expected)) {
          return matched_ == 5 && c >= '0' && c <= '9' ? "HTTP version not supported" : "malformed HTTP version";
        }
        if (++matched_ == sizeof kVersion - 1) state_ = State::code, matched_ = 0;
        return nullptr;
      }
      case State::code:
        if (matched_ == 3) {
          if (c != ' ') return c >= '0' && c <= '9' ? "status code longer than three digits" : "status code without SP after it";
          if (code_ < 100 || code_ > 599) return "status code out of range";
          state_ = State::reason;
          return nullptr;
        }
        if (c < '0' || c > '9') return "status code not three digits";
        code_ = code_ * 10 + (c - '0');
        ++matched_;
        return nullptr;
      case State::reason:
        if (c == '\r') {
          state_ = State::lf;
          return nullptr;
        }
        return detail::is_field_value_char(c) ? nullptr : "control character in reason phrase";
      default:
        return "bytes after the status line";
    }
  }

  const Limits& limits_;
  State state_ = State::version;
  unsigned matched_ = 0;     // version bytes, then code digits, matched so far
  unsigned code_ = 0;
  std::size_t bytes_ = 0;    // of the status line, CR and LF not counted
};

}  // namespace

using detail::MessageGlue;
using detail::Phase;
using detail::Piece;
using detail::Span;

struct ResponseParser::Impl : MessageGlue {
  explicit Impl(const Limits& l);

  ResponseParseResult feed(std::span<const char> bytes);
  ResponseParseResult finish();
  StatusLineScanner::Verdict scan(const char* at, std::size_t size) noexcept;
  ResponseParseResult completed(std::size_t consumed);
  void begin_message();
  ResponseParseResult fail(const char* reason);
  int on_headers_complete() noexcept;
  int build_response() noexcept;
  int check_framing() noexcept;
  bool has_body() const noexcept;

  StatusLineScanner status_scanner{limits};
  detail::HeadScanner field_scanner{limits};
  bool head_request = false;  // expect(): the final response answers a HEAD request
  Span reason;
  ResponseParseResult error;  // the sticky error, once phase == failed
  ParsedResponse response;
};

namespace {

using Impl = ResponseParser::Impl;

Impl& self(llhttp_t* parser) noexcept { return static_cast<Impl&>(MessageGlue::of(parser)); }

// Span callbacks: they only append to Impl::head (or the body) and never throw.

int on_status(llhttp_t* parser, const char* at, std::size_t size) {
  Impl& s = self(parser);
  return s.append_piece(Piece::reason, s.reason, at, size);
}

int on_headers_complete(llhttp_t* parser) { return self(parser).on_headers_complete(); }

const llhttp_settings_t& settings() noexcept {
  static const llhttp_settings_t instance = [] {
    llhttp_settings_t s;
    llhttp_settings_init(&s);
    s.on_status = on_status;
    s.on_headers_complete = on_headers_complete;
    MessageGlue::add_shared_callbacks(s);
    return s;
  }();
  return instance;
}

}  // namespace

ResponseParser::Impl::Impl(const Limits& l) : MessageGlue(l, HTTP_RESPONSE, settings()) {
  body = &response.body;
  begin_message();
}

// Return value 1 tells llhttp the response has no body (it sets F_SKIPBODY), which
// llhttp 8.1 would otherwise read for a 204 or 304 with a Content-Length.
int ResponseParser::Impl::on_headers_complete() noexcept {
  phase = Phase::body;
  piece = Piece::none;
  if (build_response() != 0 || check_framing() != 0) return -1;
  llhttp.upgrade = 0;
  return has_body() ? 0 : 1;
}

bool ResponseParser::Impl::has_body() const noexcept {
  return response.framing != BodyFraming::none;
}

// Points the response's views into `head` (complete now: nothing is appended to it
// until the next response) and sets framing and keep_alive.
int ResponseParser::Impl::build_response() noexcept {
  response.status = llhttp.status_code;
  response.reason = view(reason);
  response.version_major = llhttp.http_major;
  response.version_minor = llhttp.http_minor;
  try {
    response.headers.reserve(fields.size());
  } catch (...) {
    return refuse(0, "out of memory");
  }
  for (const auto& field : fields) {
    response.headers.push_back({view(field.name), detail::trim_ows(view(field.value))});
  }
  const bool no_body = head_request || response.interim() || response.status == 204 || response.status == 304;
  if (no_body) response.framing = BodyFraming::none;
  else if ((llhttp.flags & F_TRANSFER_ENCODING) != 0) response.framing = BodyFraming::chunked;
  else if ((llhttp.flags & F_CONTENT_LENGTH) != 0) response.framing = BodyFraming::content_length;
  else response.framing = BodyFraming::until_close;
  const bool close = (llhttp.flags & F_CONNECTION_CLOSE) != 0;
  const bool keep_alive = (llhttp.flags & F_CONNECTION_KEEP_ALIVE) != 0;
  response.keep_alive =
      !close && response.framing != BodyFraming::until_close && (response.version_minor == 1 || keep_alive);
  return 0;
}

// The checks llhttp does not make (or not in response mode), in the order applied.
int ResponseParser::Impl::check_framing() noexcept {
  if (response.version_major != 1 || response.version_minor > 1) return refuse(0, "HTTP version not supported");
  if (response.status == 101) return refuse(0, "101 Switching Protocols is not supported");
  std::size_t lengths = 0, encodings = 0;
  bool chunked_only = true;
  for (const auto& field : response.headers) {
    if (detail::iequals(field.name, "content-length")) ++lengths;
    if (detail::iequals(field.name, "transfer-encoding")) {
      ++encodings;
      chunked_only = chunked_only && detail::iequals(field.value, "chunked");
    }
  }
  if (lengths > 0 && encodings > 0) return refuse(0, "both Content-Length and Transfer-Encoding");
  if (lengths > 1) return refuse(0, "duplicate Content-Length");
  if (encodings > 0 && response.version_minor == 0) return refuse(0, "Transfer-Encoding in an HTTP/1.0 response");
  if (encodings > 1 || !chunked_only) return refuse(0, "Transfer-Encoding other than chunked");
  if (!body_unbounded && response.framing == BodyFraming::content_length && llhttp.content_length > limits.max_body) {
    return refuse(0, "body too large");
  }
  return 0;
}

void ResponseParser::Impl::begin_message() {
  phase = Phase::status_line;
  clear_message();
  reason = {};
  response.status = 0;
  response.reason = {};
  response.version_major = response.version_minor = 1;
  response.headers.clear();
  response.body.clear();
  response.framing = BodyFraming::none;
  response.keep_alive = true;
  status_scanner.start();
}

ResponseParseResult ResponseParser::Impl::fail(const char* why) {
  phase = Phase::failed;
  error = {ResponseParseResult::Kind::error, 0, why};
  return error;
}

// The lexer for the current phase; body bytes are all accepted, for llhttp alone.
StatusLineScanner::Verdict ResponseParser::Impl::scan(const char* at, std::size_t size) noexcept {
  if (phase == Phase::status_line) {
    const auto verdict = status_scanner.scan(at, size);
    if (verdict.done) {
      phase = Phase::head;
      field_scanner.start_message();   // resets the header counters...
      field_scanner.start_trailers();  // ...and expects field lines, not a request line
    }
    return verdict;
  }
  if (phase != Phase::head && phase != Phase::trailers) return {size, false, nullptr};
  const auto verdict = field_scanner.scan(at, size);
  const bool failed = verdict.outcome == detail::HeadScanner::Outcome::error;
  return {verdict.accepted, false, failed ? verdict.reason : nullptr};
}

ResponseParseResult ResponseParser::Impl::completed(std::size_t consumed) {
  if (!response.interim()) head_request = false;
  phase = response.keep_alive ? Phase::complete : Phase::closed;
  return {ResponseParseResult::Kind::complete, consumed, {}};
}

// Alternates the lexers and llhttp over the bytes, as RequestParser::feed does: in the
// head and trailer sections a lexer goes first and llhttp gets only what it accepted.
// Stops at the first complete response or error.
ResponseParseResult ResponseParser::Impl::feed(std::span<const char> bytes) {
  switch (phase) {
    case Phase::failed: return error;
    case Phase::closed: return fail("bytes after a response that closes the connection");
    case Phase::finished: return fail("bytes after the end of the stream");
    case Phase::complete: begin_message(); break;
    default: break;
  }
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    const char* at = bytes.data() + pos;
    const auto verdict = scan(at, bytes.size() - pos);
    if (verdict.accepted > 0) {
      const Step step = execute(at, verdict.accepted);
      pos += step.used;
      switch (step.kind) {
        case Step::Kind::consumed: break;
        case Step::Kind::error: {
          if (pending_reason != nullptr) return fail(pending_reason);
          const char* why = llhttp_get_error_reason(&llhttp);
          return fail(why != nullptr ? why : llhttp_errno_name(step.error));
        }
        case Step::Kind::disagreement: return fail("parser disagreement: unexpected pause");
        case Step::Kind::complete: return completed(pos);
        case Step::Kind::trailers: field_scanner.start_trailers(); continue;
      }
    }
    if (verdict.error != nullptr) return fail(verdict.error);
  }
  return {ResponseParseResult::Kind::need_more, bytes.size(), {}};
}

// llhttp_finish() ends an until_close body by calling on_message_complete, which
// pauses: that is the response completing.
ResponseParseResult ResponseParser::Impl::finish() {
  switch (phase) {
    case Phase::failed: return error;
    case Phase::complete:
    case Phase::closed:
    case Phase::finished:
      phase = Phase::finished;  // llhttp is paused between responses: nothing to finish
      return {ResponseParseResult::Kind::end, 0, {}};
    default: break;
  }
  if (phase == Phase::status_line && !status_scanner.started()) {
    phase = Phase::finished;
    return {ResponseParseResult::Kind::end, 0, {}};
  }
  if (phase == Phase::body && response.framing == BodyFraming::until_close && !paused) {
    const llhttp_errno_t err = llhttp_finish(&llhttp);
    if (err == HPE_PAUSED && message_done) {
      completed(0);
      phase = Phase::finished;
      return {ResponseParseResult::Kind::complete, 0, {}};
    }
    if (pending_reason != nullptr) return fail(pending_reason);
  }
  return fail("response cut short by the end of the stream");
}

ResponseParser::ResponseParser(Limits limits) : impl_(std::make_unique<Impl>(limits)) {}
ResponseParser::~ResponseParser() = default;

void ResponseParser::expect(bool head_request) noexcept { impl_->head_request = head_request; }
void ResponseParser::stream_body(bool on) noexcept { impl_->body_unbounded = on; }

bool ResponseParser::head_complete() const noexcept {
  switch (impl_->phase) {
    case Phase::body:
    case Phase::trailers:
    case Phase::complete:
    case Phase::closed: return true;
    case Phase::finished: return impl_->response.status != 0;
    default: return false;
  }
}
ResponseParseResult ResponseParser::feed(std::span<const char> bytes) { return impl_->feed(bytes); }
ResponseParseResult ResponseParser::finish() { return impl_->finish(); }
const ParsedResponse& ResponseParser::response() const noexcept { return impl_->response; }
ParsedResponse& ResponseParser::response() noexcept { return impl_->response; }
const Limits& ResponseParser::limits() const noexcept { return impl_->limits; }

void ResponseParser::reset() {
  llhttp_reset(&impl_->llhttp);
  impl_->paused = false;
  impl_->head_request = false;
  impl_->begin_message();
}

}  // namespace weft::http
