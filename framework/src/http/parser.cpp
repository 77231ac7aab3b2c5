#include "parser.hpp"

#include "ascii.hpp"
#include "head_scanner.hpp"
#include "llhttp_glue.hpp"

#include <llhttp.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace weft::http {

using detail::MessageGlue;
using detail::Phase;
using detail::Piece;
using detail::Span;

struct RequestParser::Impl : MessageGlue {
  explicit Impl(const Limits& l);

  ParseResult feed(std::span<const char> bytes);
  ParseResult finish();
  void begin_message();
  ParseResult fail(int status, const char* reason);
  ParseResult fail_llhttp(llhttp_errno_t err);
  int on_headers_complete() noexcept;
  int build_request() noexcept;
  int check_framing(bool connect, const std::uint64_t* content_length) noexcept;
  std::optional<ParseResult> take_whole_head(const char* at, std::size_t size);

  detail::HeadScanner scanner{limits};
  Span method;
  Span target;
  ParseResult error;  // the sticky error, once phase == failed
  Request request;
};

namespace {

using Impl = RequestParser::Impl;

Impl& self(llhttp_t* parser) noexcept { return static_cast<Impl&>(MessageGlue::of(parser)); }

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
  return s.append_piece(Piece::method, s.method, at, size);
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
  return s.append_piece(Piece::target, s.target, at, size);
}

int on_headers_complete(llhttp_t* parser) { return self(parser).on_headers_complete(); }

const llhttp_settings_t& settings() noexcept {
  static const llhttp_settings_t instance = [] {
    llhttp_settings_t s;
    llhttp_settings_init(&s);
    s.on_method = on_method;
    s.on_method_complete = on_method_complete;
    s.on_url = on_url;
    s.on_headers_complete = on_headers_complete;
    MessageGlue::add_shared_callbacks(s);
    return s;
  }();
  return instance;
}

// Methods llhttp parses with nothing special (unlike CONNECT and PRI): with one of these
// and none of the fields below, a head needs nothing from llhttp (take_whole_head).
constexpr std::array<std::string_view, 8> kPlainMethods = {"GET",     "HEAD",  "POST",  "PUT",
                                                           "DELETE", "OPTIONS", "PATCH", "TRACE"};

// The fields llhttp interprets itself: framing, connection management, upgrades.
bool llhttp_interprets(std::string_view name) noexcept {
  switch (name.size()) {
    case 7: return detail::iequals(name, "upgrade");
    case 10: return detail::iequals(name, "connection");
    case 14: return detail::iequals(name, "content-length");
    case 16: return detail::iequals(name, "proxy-connection");
    case 17: return detail::iequals(name, "transfer-encoding");
    default: return false;
  }
}

// What a Connection field of exactly one token, `close` or `keep-alive`, asks for: true
// to close. Read as llhttp 8.1 reads it: it skips SP and HTAB before a value but after
// a token only SP (`keep-alive<HTAB>` is another token to it; the fuzz target found
// that). Anything else (a list, `upgrade`, another token) is left to llhttp: nullopt.
std::optional<bool> closes(std::string_view connection_value) noexcept {
  std::string_view token = connection_value;
  while (!token.empty() && detail::is_ows(token.front())) token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  if (detail::iequals(token, "close")) return true;
  if (detail::iequals(token, "keep-alive")) return false;
  return std::nullopt;
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

RequestParser::Impl::Impl(const Limits& l) : MessageGlue(l, HTTP_REQUEST, settings()) {
  body = &request.body;
  begin_message();
}

int RequestParser::Impl::on_headers_complete() noexcept {
  phase = Phase::body;
  piece = Piece::none;
  const bool connect = llhttp.method == HTTP_CONNECT;
  const bool has_length = (llhttp.flags & F_CONTENT_LENGTH) != 0;
  if (build_request() != 0 || check_framing(connect, has_length ? &llhttp.content_length : nullptr) != 0) {
    return -1;
  }
  // An Upgrade request is served as plain HTTP/1.1 (RFC 9110 §7.8 lets a server
  // ignore Upgrade): without this, llhttp would stop at HPE_PAUSED_UPGRADE.
  llhttp.upgrade = 0;
  return 0;
}

// Points the Request's views into `head` (complete now: nothing is appended to it
// until the next request) and sets the connection flags.
int RequestParser::Impl::build_request() noexcept {
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

// The checks llhttp does not make, in the order they are applied. `connect`: the method
// is CONNECT; `content_length`: the parsed Content-Length, null without one.
int RequestParser::Impl::check_framing(bool connect, const std::uint64_t* content_length) noexcept {
  if (request.version_major != 1 || request.version_minor > 1) {
    return refuse(505, "HTTP version not supported");
  }
  if (connect) return refuse(501, "CONNECT is not supported");
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
  if (content_length != nullptr && *content_length > limits.max_body) {
    return refuse(413, "body too large");
  }
  return 0;
}

// The common request's one-pass path: its whole head came in one scan, which ended
// done; its method is plain, its target in origin-form, and no field is one llhttp
// interprets, except one Connection field of `close` or `keep-alive` (browsers and
// many client libraries send one). Such a head has no body, and llhttp (whose strict
// mode accepts every byte HeadScanner does in a target or a field) would add nothing
// to what HeadScanner checked, so the request is built from HeadScanner's layout and
// llhttp, paused between messages, never sees it. Anything else: nullopt, and llhttp
// parses the head.
// The fuzz target holds the two paths to the same outcome: a head fed whole takes this
// one, fed a byte at a time the other.
std::optional<ParseResult> RequestParser::Impl::take_whole_head(const char* at, std::size_t size) {
  using Layout = detail::HeadScanner::Layout;
  if (size > std::numeric_limits<std::uint32_t>::max() || scanner.fields() > Layout::kMaxFields) return std::nullopt;
  // llhttp's say on the message before (paused after it, it still holds its flags): a
  // `Connection: close` among its trailers makes llhttp refuse whatever follows.
  if (paused && llhttp_should_keep_alive(&llhttp) == 0) return std::nullopt;
  const Layout& layout = scanner.layout();
  const std::string_view bytes(at, size);
  const auto method = bytes.substr(layout.method_begin, layout.method_end - layout.method_begin);
  if (std::find(kPlainMethods.begin(), kPlainMethods.end(), method) == kPlainMethods.end()) return std::nullopt;
  if (bytes[layout.target_begin] != '/') return std::nullopt;
  const std::span<const Layout::Field> head_fields(layout.fields, scanner.fields());
  std::optional<bool> close;  // what a Connection field asked for
  for (const auto& field : head_fields) {
    const auto name = bytes.substr(field.name_begin, field.name_end - field.name_begin);
    if (!llhttp_interprets(name)) continue;
    if (close.has_value() || !detail::iequals(name, "connection")) return std::nullopt;
    close = closes(bytes.substr(field.value_begin, field.value_end - field.value_begin));
    if (!close) return std::nullopt;
  }
  try {
    head.assign(bytes);
    request.headers.reserve(head_fields.size());
  } catch (...) {
    return fail(500, "out of memory");
  }
  const auto piece = [this](std::uint32_t begin, std::uint32_t end) { return view({begin, end - begin}); };
  request.method = piece(layout.method_begin, layout.method_end);
  request.target = piece(layout.target_begin, layout.target_end);
  split_target(request.target, request);
  request.version_minor = scanner.version_minor() == '1' ? 1 : 0;
  for (const auto& field : head_fields) {
    request.headers.push_back(
        {piece(field.name_begin, field.name_end), detail::trim_ows(piece(field.value_begin, field.value_end))});
  }
  request.keep_alive = close ? !*close : request.version_minor == 1;
  if (check_framing(false, nullptr) != 0) return fail(pending_status, pending_reason);
  phase = request.keep_alive ? Phase::complete : Phase::closed;
  return ParseResult{ParseResult::Kind::complete, size};
}

void RequestParser::Impl::begin_message() {
  phase = Phase::head;
  clear_message();
  method = {};
  target = {};
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
  if (pending_reason != nullptr) return fail(pending_status, pending_reason);
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
    if (phase == Phase::head || phase == Phase::trailers) {
      const bool whole_head = phase == Phase::head && scanner.at_message_start();
      verdict = scanner.scan(at, verdict.accepted);
      if (whole_head && verdict.outcome == detail::HeadScanner::Outcome::done) {
        if (auto taken = take_whole_head(at, verdict.accepted)) {
          if (taken->kind == ParseResult::Kind::complete) taken->consumed += pos;
          return *taken;
        }
      }
    }
    if (verdict.accepted > 0) {
      const Step step = execute(at, verdict.accepted);
      pos += step.used;
      switch (step.kind) {
        case Step::Kind::consumed: break;
        case Step::Kind::error: return fail_llhttp(step.error);
        case Step::Kind::disagreement: return fail(400, "parser disagreement: unexpected pause");
        case Step::Kind::complete:
          phase = request.keep_alive ? Phase::complete : Phase::closed;
          return {ParseResult::Kind::complete, pos};
        case Step::Kind::trailers: scanner.start_trailers(); continue;
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
  llhttp_used = true;
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
  // Most requests never reach llhttp (take_whole_head): its reset is then skipped.
  if (impl_->llhttp_used) {
    llhttp_reset(&impl_->llhttp);
    impl_->paused = false;
    impl_->llhttp_used = false;
  }
  impl_->begin_message();
}

}  // namespace weft::http
