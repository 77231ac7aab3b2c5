#include "parser.hpp"

#include "ascii.hpp"
#include "head_scanner.hpp"

#include <llhttp.h>

#include <algorithm>
#include <string>
#include <vector>

namespace weft::http {
namespace {

// Where a piece of the request line or of a header field lies in Impl::head.
struct Span {
  std::size_t begin = 0;
  std::size_t size = 0;
};

struct RawField {
  Span name;
  Span value;
};

enum class Phase : std::uint8_t {
  head,       // request line and header fields (HeadScanner runs first)
  body,       // body bytes: llhttp alone
  trailers,   // after the last chunk: trailer fields (HeadScanner runs first)
  complete,   // a keep-alive request completed; the next feed() starts the next one
  closed,     // a request that ends the connection completed
  finished,   // finish() found a clean end
  failed,     // sticky error
};

// Which span callback appended last, so a piece split over several callbacks (and
// several feed() calls) is appended to the same Span.
enum class Piece : std::uint8_t { none, method, target, name, value };

}  // namespace

struct RequestParser::Impl {
  explicit Impl(const Limits& l);

  ParseResult feed(std::span<const char> bytes);
  ParseResult finish();
  void begin_message();
  ParseResult fail(int status, const char* reason);
  ParseResult fail_llhttp(llhttp_errno_t err);
  int refuse(int status, const char* reason) noexcept;
  int append(Span& span, const char* at, std::size_t size) noexcept;
  int on_headers_complete() noexcept;
  int build_request() noexcept;
  int check_framing() noexcept;

  Limits limits;
  llhttp_t llhttp{};
  detail::HeadScanner scanner{limits};
  Phase phase = Phase::head;
  bool paused = false;        // llhttp returned HPE_PAUSED: resume before executing again
  bool message_done = false;  // on_message_complete ran
  bool last_chunk = false;    // on_chunk_header saw the zero-size chunk
  Piece piece = Piece::none;
  std::string head;  // copies of the method, target, header names and values
  Span method;
  Span target;
  std::vector<RawField> fields;
  std::size_t extension_bytes = 0;  // chunk extensions, counted against max_body
  std::size_t body_bytes = 0;       // of the body so far, whether or not taken out of request.body
  int pending_status = 0;           // set by a callback that refuses the request
  const char* pending_reason = "";
  ParseResult error;  // the sticky error, once phase == failed
  Request request;
};

namespace {

using Impl = RequestParser::Impl;

Impl& self(llhttp_t* parser) noexcept { return *static_cast<Impl*>(parser->data); }

// The request-target split into path and query (RFC 9112 §3.2): origin-form
// "/p?q", absolute-form "http://host/p?q" (path "/" when empty), asterisk-form "*".
void split_target(std::string_view target, Request& request) noexcept {
  std::string_view rest = target;
  if (rest != "*" && !rest.starts_with('/')) {
    if (const auto scheme = rest.find("://"); scheme != std::string_view::npos) {
      rest.remove_prefix(scheme + 3);
      const auto path = rest.find_first_of("/?#");
      rest = path == std::string_view::npos ? std::string_view{} : rest.substr(path);
    }
  }
  rest = rest.substr(0, rest.find('#'));
  const auto question = rest.find('?');
  request.path = rest.substr(0, question);
  request.query = question == std::string_view::npos ? std::string_view{} : rest.substr(question + 1);
  if (request.path.empty()) request.path = "/";
}

// Span callbacks: they only append to Impl::head (or the body) and never throw.

int on_method(llhttp_t* parser, const char* at, std::size_t size) {
  Impl& s = self(parser);
  if (s.piece != Piece::method) s.method = {s.head.size(), 0};
  s.piece = Piece::method;
  return s.append(s.method, at, size);
}

// PRI is reserved for the HTTP/2 connection preface (RFC 9113 §3.4): llhttp reads a PRI
// request line as the start of that preface, whatever its version, and would wait for
// "SM\r\n\r\n" where HeadScanner sees the end of the header section. Refused here.
int on_method_complete(llhttp_t* parser) {
  if (parser->method != HTTP_PRI) return 0;
  self(parser).refuse(501, "PRI (the HTTP/2 connection preface) is not supported");
  return -1;
}

int on_url(llhttp_t* parser, const char* at, std::size_t size) {
  Impl& s = self(parser);
  if (s.piece != Piece::target) s.target = {s.head.size(), 0};
  s.piece = Piece::target;
  return s.append(s.target, at, size);
}

int on_header_field(llhttp_t* parser, const char* at, std::size_t size) {
  Impl& s = self(parser);
  if (s.phase != Phase::head) return 0;  // a trailer field: checked, not kept
  if (s.piece != Piece::name) {
    try {
      s.fields.push_back({{s.head.size(), 0}, {}});
    } catch (...) {
      return s.refuse(500, "out of memory");
    }
    s.piece = Piece::name;
  }
  return s.append(s.fields.back().name, at, size);
}

int on_header_field_complete(llhttp_t* parser) {
  Impl& s = self(parser);
  if (s.phase != Phase::head) return 0;
  s.fields.back().value = {s.head.size(), 0};  // a value may be empty: no on_header_value
  s.piece = Piece::value;
  return 0;
}

int on_header_value(llhttp_t* parser, const char* at, std::size_t size) {
  Impl& s = self(parser);
  if (s.phase != Phase::head) return 0;
  return s.append(s.fields.back().value, at, size);
}

int on_header_value_complete(llhttp_t* parser) {
  self(parser).piece = Piece::none;
  return 0;
}

int on_headers_complete(llhttp_t* parser) { return self(parser).on_headers_complete(); }

int on_body(llhttp_t* parser, const char* at, std::size_t size) {
  Impl& s = self(parser);
  if (s.body_bytes + s.extension_bytes + size > s.limits.max_body) {
    return s.refuse(413, "body too large");
  }
  s.body_bytes += size;
  try {
    s.request.body.append(at, size);
  } catch (...) {
    return s.refuse(500, "out of memory");
  }
  return 0;
}

int on_chunk_extension(llhttp_t* parser, const char*, std::size_t size) {
  Impl& s = self(parser);
  s.extension_bytes += size;
  if (s.body_bytes + s.extension_bytes > s.limits.max_body) {
    return s.refuse(413, "chunk extensions too large");
  }
  return 0;
}

// llhttp stores the chunk's size in content_length. The last chunk pauses llhttp so
// that HeadScanner can check the trailer section before llhttp reads it.
int on_chunk_header(llhttp_t* parser) {
  Impl& s = self(parser);
  const auto size = parser->content_length;
  if (size == 0) {
    s.last_chunk = true;
    return HPE_PAUSED;
  }
  if (size > s.limits.max_body - std::min(s.limits.max_body, s.body_bytes + s.extension_bytes)) {
    s.refuse(413, "body too large");
    return -1;
  }
  return 0;
}

// Pausing here is what makes pipelining work: llhttp stops right after the request,
// and llhttp_get_error_pos() says how far that was.
int on_message_complete(llhttp_t* parser) {
  self(parser).message_done = true;
  return HPE_PAUSED;
}

const llhttp_settings_t& settings() noexcept {
  static const llhttp_settings_t instance = [] {
    llhttp_settings_t s;
    llhttp_settings_init(&s);
    s.on_method = on_method;
    s.on_method_complete = on_method_complete;
    s.on_url = on_url;
    s.on_header_field = on_header_field;
    s.on_header_field_complete = on_header_field_complete;
    s.on_header_value = on_header_value;
    s.on_header_value_complete = on_header_value_complete;
    s.on_headers_complete = on_headers_complete;
    s.on_body = on_body;
    s.on_chunk_extension_name = on_chunk_extension;
    s.on_chunk_extension_value = on_chunk_extension;
    s.on_chunk_header = on_chunk_header;
    s.on_message_complete = on_message_complete;
    return s;
  }();
  return instance;
}

// The status for an error llhttp found itself (HeadScanner has already refused
// non-token method bytes, so an invalid method is an unknown one).
int status_for(llhttp_errno_t err) noexcept {
  switch (err) {
    case HPE_INVALID_METHOD: return 501;
    case HPE_INVALID_VERSION: return 505;
    case HPE_PAUSED_UPGRADE: return 501;
    default: return 400;
  }
}

}  // namespace

RequestParser::Impl::Impl(const Limits& l) : limits(l) {
  llhttp_init(&llhttp, HTTP_REQUEST, &settings());
  llhttp.data = this;
  begin_message();
}

int RequestParser::Impl::refuse(int status, const char* reason) noexcept {
  pending_status = status;
  pending_reason = reason;
  return HPE_USER;
}

int RequestParser::Impl::append(Span& span, const char* at, std::size_t size) noexcept {
  try {
    head.append(at, size);
  } catch (...) {
    return refuse(500, "out of memory");
  }
  span.size += size;
  return 0;
}

int RequestParser::Impl::on_headers_complete() noexcept {
  phase = Phase::body;
  piece = Piece::none;
  if (build_request() != 0 || check_framing() != 0) return -1;
  // An Upgrade request is served as plain HTTP/1.1 (RFC 9110 §7.8 lets a server
  // ignore Upgrade): without this, llhttp would stop at HPE_PAUSED_UPGRADE.
  llhttp.upgrade = 0;
  return 0;
}

// Points the Request's views into `head` (complete now: nothing is appended to it
// until the next request) and sets the connection flags.
int RequestParser::Impl::build_request() noexcept {
  auto view = [this](Span span) { return std::string_view(head).substr(span.begin, span.size); };
  request.method = view(method);
  request.target = view(target);
  split_target(request.target, request);
  request.version_major = llhttp.http_major;
  request.version_minor = llhttp.http_minor;
  try {
    request.headers.reserve(fields.size());
  } catch (...) {
    return refuse(500, "out of memory");
  }
  for (const auto& field : fields) {
    request.headers.push_back({view(field.name), detail::trim_ows(view(field.value))});
  }
  const bool close = (llhttp.flags & F_CONNECTION_CLOSE) != 0;
  const bool keep_alive = (llhttp.flags & F_CONNECTION_KEEP_ALIVE) != 0;
  request.keep_alive = !close && (request.version_minor == 1 || keep_alive);
  return 0;
}

// The checks llhttp does not make, in the order they are applied.
int RequestParser::Impl::check_framing() noexcept {
  if (request.version_major != 1 || request.version_minor > 1) {
    return refuse(505, "HTTP version not supported");
  }
  if (llhttp.method == HTTP_CONNECT) return refuse(501, "CONNECT is not supported");
  std::size_t hosts = 0, lengths = 0, encodings = 0;
  bool chunked_only = true;
  for (const auto& field : request.headers) {
    if (detail::iequals(field.name, "host")) ++hosts;
    if (detail::iequals(field.name, "content-length")) ++lengths;
    if (detail::iequals(field.name, "transfer-encoding")) {
      ++encodings;
      chunked_only = chunked_only && detail::iequals(field.value, "chunked");
    }
    if (detail::iequals(field.name, "expect") && detail::iequals(field.value, "100-continue")) {
      request.expects_continue = request.version_minor == 1;
    }
  }
  // llhttp refuses these two itself; checked again so the rule does not rest on it.
  if (lengths > 0 && encodings > 0) return refuse(400, "both Content-Length and Transfer-Encoding");
  if (lengths > 1) return refuse(400, "duplicate Content-Length");
  if (encodings > 0 && request.version_minor == 0) {
    return refuse(400, "Transfer-Encoding in an HTTP/1.0 request");  // RFC 9112 §6.1
  }
  if (encodings > 1 || !chunked_only) return refuse(501, "Transfer-Encoding other than chunked");
  if (hosts > 1) return refuse(400, "duplicate Host header");
  if (hosts == 0 && request.version_minor == 1) return refuse(400, "missing Host header");
  if ((llhttp.flags & F_CONTENT_LENGTH) != 0 && llhttp.content_length > limits.max_body) {
    return refuse(413, "body too large");
  }
  return 0;
}

void RequestParser::Impl::begin_message() {
  phase = Phase::head;
  message_done = false;
  last_chunk = false;
  piece = Piece::none;
  head.clear();
  method = {};
  target = {};
  fields.clear();
  extension_bytes = 0;
  body_bytes = 0;
  pending_status = 0;
  pending_reason = "";
  request.method = request.target = request.path = request.query = {};
  request.version_major = request.version_minor = 1;
  request.headers.clear();
  request.params.clear();
  request.body.clear();
  request.keep_alive = true;
  request.expects_continue = false;
  scanner.start_message();
}

ParseResult RequestParser::Impl::fail(int status, const char* reason) {
  phase = Phase::failed;
  error = {ParseResult::Kind::error, 0, status, reason};
  return error;
}

ParseResult RequestParser::Impl::fail_llhttp(llhttp_errno_t err) {
  if (pending_status != 0) return fail(pending_status, pending_reason);
  const char* reason = llhttp_get_error_reason(&llhttp);
  return fail(status_for(err), reason != nullptr ? reason : llhttp_errno_name(err));
}

// Alternates HeadScanner and llhttp over the bytes: in the head and trailer sections
// the scanner goes first and llhttp gets only what it accepted; body bytes go to
// llhttp alone. Stops at the first complete request or error.
ParseResult RequestParser::Impl::feed(std::span<const char> bytes) {
  switch (phase) {
    case Phase::failed: return error;
    case Phase::closed: return fail(400, "bytes after a request that closes the connection");
    case Phase::finished: return fail(400, "bytes after the end of the stream");
    case Phase::complete: begin_message(); break;
    default: break;
  }
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    const char* at = bytes.data() + pos;
    detail::HeadScanner::Verdict verdict{bytes.size() - pos};
    if (phase == Phase::head || phase == Phase::trailers) verdict = scanner.scan(at, verdict.accepted);
    if (verdict.accepted > 0) {
      if (paused) llhttp_resume(&llhttp);
      paused = false;
      const llhttp_errno_t err = llhttp_execute(&llhttp, at, verdict.accepted);
      if (err == HPE_OK) {
        pos += verdict.accepted;
      } else if (err != HPE_PAUSED) {
        return fail_llhttp(err);
      } else {
        paused = true;
        pos += static_cast<std::size_t>(llhttp_get_error_pos(&llhttp) - at);
        if (message_done) {
          phase = request.keep_alive ? Phase::complete : Phase::closed;
          return {ParseResult::Kind::complete, pos};
        }
        if (!last_chunk) return fail(400, "parser disagreement: unexpected pause");
        last_chunk = false;
        phase = Phase::trailers;
        scanner.start_trailers();
        continue;
      }
    }
    if (verdict.outcome == detail::HeadScanner::Outcome::error) return fail(verdict.status, verdict.reason);
  }
  return {ParseResult::Kind::need_more, bytes.size()};
}

ParseResult RequestParser::Impl::finish() {
  switch (phase) {
    case Phase::failed: return error;
    case Phase::complete:
    case Phase::closed:
    case Phase::finished:
      phase = Phase::finished;  // llhttp is paused between requests: nothing to finish
      return {ParseResult::Kind::end};
    default: break;
  }
  const llhttp_errno_t err = paused ? HPE_OK : llhttp_finish(&llhttp);
  if (phase == Phase::head && !scanner.started() && err == HPE_OK) {
    phase = Phase::finished;
    return {ParseResult::Kind::end};
  }
  return fail(400, "request cut short by the end of the stream");
}

RequestParser::RequestParser(Limits limits) : impl_(std::make_unique<Impl>(limits)) {}
RequestParser::~RequestParser() = default;

ParseResult RequestParser::feed(std::span<const char> bytes) { return impl_->feed(bytes); }
ParseResult RequestParser::finish() { return impl_->finish(); }
const Request& RequestParser::request() const noexcept { return impl_->request; }
Request& RequestParser::request() noexcept { return impl_->request; }
const Limits& RequestParser::limits() const noexcept { return impl_->limits; }

bool RequestParser::headers_complete() const noexcept {
  return impl_->phase == Phase::body || impl_->phase == Phase::trailers;
}

void RequestParser::reset() {
  llhttp_reset(&impl_->llhttp);
  impl_->paused = false;
  impl_->begin_message();
}

}  // namespace weft::http
