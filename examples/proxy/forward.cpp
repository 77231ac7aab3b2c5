#include "proxy_core.hpp"

#include <weft/core/log.hpp>
#include <weft/http/body_reader.hpp>
#include <weft/http/peer_address.hpp>
#include <weft/runtime/select.hpp>
#include <weft/runtime/sleep.hpp>
#include <weft/runtime/with_deadline.hpp>

#include <charconv>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace weft::examples {
namespace {

using http::Field;

// Bodies up to this size are read whole and sent with their Content-Length; larger or
// unsized ones are streamed through, one read at a time.
constexpr std::size_t kBufferBodyUpTo = 64 * 1024;

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view trim(std::string_view text) noexcept {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// True when `list` (a comma-separated field value, such as Connection's) names `token`.
bool lists(std::string_view list, std::string_view token) noexcept {
  while (!list.empty()) {
    const auto comma = list.find(',');
    if (iequals(trim(list.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

// Fields that describe one connection, not the message (RFC 9110 §7.6.1), plus the
// framing fields each side sets for itself.
bool is_hop_by_hop(std::string_view name, std::string_view connection_tokens) noexcept {
  static constexpr std::string_view kFields[] = {"connection", "keep-alive",        "proxy-connection",
                                                 "te",         "trailer",           "transfer-encoding",
                                                 "upgrade",    "content-length",    "proxy-authorization",
                                                 "proxy-authenticate"};
  for (auto field : kFields) {
    if (iequals(name, field)) return true;
  }
  return lists(connection_tokens, name);
}

// The values of every Connection field, joined: the names of more hop-by-hop fields.
// For a request's fields (views) and a response's (owned strings) alike.
template <class Fields>
std::string connection_tokens(const Fields& headers) {
  std::string tokens;
  for (const auto& field : headers) {
    if (iequals(field.name, "connection")) tokens.append(field.value).append(",");
  }
  return tokens;
}

// What the request says about its body: a length, chunked (nullopt + true), or none.
struct BodyShape {
  bool present = false;
  std::optional<std::size_t> length;
};

BodyShape body_shape(const http::Request& request) {
  BodyShape shape;
  if (auto length = request.header("content-length")) {
    std::size_t n = 0;
    std::from_chars(length->data(), length->data() + length->size(), n);  // the parser checked it
    shape.present = n > 0;
    shape.length = n;
  } else if (request.header("transfer-encoding")) {
    shape.present = true;
  }
  return shape;
}

// The request as the upstream gets it: hop-by-hop fields dropped, X-Forwarded-* and
// Via added, the body (if any) streamed from the client as the upstream reads it.
// How far the client's body has gone: once a piece has been sent on, the request cannot
// be sent again; and the deadline counts from the last piece, so a large upload is not
// cut by a deadline meant for the upstream's answer.
struct Upload {
  bool touched = false;
  Instant last_activity{};
};

http::ClientRequest upstream_request(http::Request& request, const BodyShape& shape, Upload& upload) {
  http::ClientRequest out;
  out.method = request.method;
  out.target = request.target.starts_with('/') ? std::string(request.target)
                                                : std::string(request.path) +
                                                      (request.query.empty() ? "" : "?" + std::string(request.query));
  const std::string tokens = connection_tokens(request.headers);
  std::string forwarded_for, via;
  out.headers.reserve(request.headers.size() + 3);
  for (const auto& field : request.headers) {
    if (is_hop_by_hop(field.name, tokens) || iequals(field.name, "expect") ||
        iequals(field.name, "x-forwarded-proto")) {
      continue;
    }
    if (iequals(field.name, "x-forwarded-for")) {
      forwarded_for.append(field.value).append(", ");
    } else if (iequals(field.name, "via")) {
      via.append(field.value).append(", ");
    } else {
      out.headers.push_back({std::string(field.name), std::string(field.value)});
    }
  }
  if (auto peer = http::peer_address(request)) forwarded_for += peer->host();
  if (!forwarded_for.empty()) out.set("X-Forwarded-For", std::move(forwarded_for));
  out.set("X-Forwarded-Proto", "http");
  out.set("Via", via + (request.version_minor == 0 ? "1.0 weft" : "1.1 weft"));
  if (shape.present) {
    out.content_length = shape.length;
    out.body_source = [&request, &upload]() -> Task<Result<std::string_view>> {
      upload.touched = true;
      auto piece = co_await request.body_reader->read();
      upload.last_activity = now();
      co_return piece;
    };
  }
  return out;
}

// The response as the client gets it: hop-by-hop fields dropped, Via added; the body
// read whole when small, else streamed.
Task<http::Response> client_response(http::ResponseStream upstream, bool head, const std::string& name,
                                     Instant due, InFlight busy) {
  http::Response response;
  response.status = static_cast<int>(upstream.status());
  const std::string tokens = connection_tokens(upstream.headers());
  std::string via;
  for (const auto& field : upstream.headers()) {
    // An answer to HEAD keeps its Content-Length: the length the GET's body would have.
    if (is_hop_by_hop(field.name, tokens) && !(head && iequals(field.name, "content-length"))) continue;
    if (iequals(field.name, "via")) {
      via.append(field.value).append(", ");
      continue;
    }
    response.headers.push_back(field);
  }
  response.set("Via", via + (upstream.version_minor() == 0 ? "1.0 weft" : "1.1 weft"));
  if (head) {
    // A GET would get a body of unknown length: say chunked, as the upstream did (the
    // server never calls a producer for HEAD), rather than a Content-Length of 0.
    if (!upstream.header("content-length")) {
      response.stream = [](http::BodyWriter&) -> Task<Result<void>> { co_return Result<void>{}; };
    }
    (void)co_await upstream.read();  // the end: the connection goes back to the pool
    co_return response;
  }
  const auto length = upstream.content_length();
  if (length && *length <= kBufferBodyUpTo) {
    auto body = co_await with_deadline(due, upstream.read_all(kBufferBodyUpTo));
    if (!body) co_return http::Response::of_status(body.error() == errc::timed_out ? 504 : 502);
    response.body = std::move(*body);
    co_return response;
  }
  // Each piece waits at most the proxy's timeout (the client's read_timeout).
  response.stream = [body = std::make_shared<http::ResponseStream>(std::move(upstream)), name,
                     busy = std::make_shared<InFlight>(std::move(busy))](http::BodyWriter& writer) -> Task<Result<void>> {
    while (true) {
      auto piece = co_await body->read();
      if (!piece) {
        log::warn("proxy: upstream {} cut a streamed response: {}; the client gets it truncated", name,
                  piece.error().message());
        co_return fail(piece.error());
      }
      if (piece->empty()) co_return Result<void>{};
      if (auto written = co_await writer.write(*piece); !written) co_return written;
    }
  };
  co_return response;
}

// Ends `timeout` after the upload's last activity (the request's start when it has no
// body): the upstream gets the whole timeout to answer once it has the whole request.
Task<void> deadline(const Upload& upload, std::chrono::milliseconds timeout) {
  Instant due = upload.last_activity + timeout;
  while (true) {
    co_await sleep_until(due);
    const Instant pushed = upload.last_activity + timeout;
    if (pushed <= due) co_return;
    due = pushed;
  }
}

bool is_lost_connection(const std::error_code& error) noexcept {
  return error == std::errc::connection_reset || error == std::errc::broken_pipe ||
         error == make_error_code(errc::closed);
}

}  // namespace

ProxyCore::ProxyCore(const ProxyOptions& proxy_options, const std::vector<ResolvedUpstream>& upstreams)
    : options(proxy_options),
      client([&] {
        http::ClientOptions client_options;
        client_options.max_connections_per_origin = proxy_options.max_connections_per_upstream;
        client_options.connect_timeout = proxy_options.connect_timeout;
        client_options.read_timeout = client_options.write_timeout = proxy_options.timeout;
        // The head's deadline is forward()'s select, which answers 504; the client's own
        // one, a second later, only backs it up (the same length would race it to a 502).
        client_options.response_timeout = proxy_options.timeout + std::chrono::seconds(1);
        client_options.user_agent.clear();  // the client's own User-Agent passes through
        return client_options;
      }()),
      health_client([&] {
        http::ClientOptions client_options;
        client_options.max_connections_per_origin = 1;
        client_options.connect_timeout = client_options.response_timeout = proxy_options.health.timeout;
        client_options.user_agent = "weft-proxy health check";
        return client_options;
      }()),
      group(upstreams, proxy_options.balance) {}

Task<http::Response> forward(ProxyCore& core, http::Request& request) {
  const BodyShape shape = body_shape(request);
  const bool idempotent = http::is_idempotent(request.method);
  Upload upload{.last_activity = now()};
  std::vector<std::size_t> tried;
  std::error_code last_error;
  while (auto index = core.group.pick(tried)) {
    tried.push_back(*index);
    Upstream& upstream = core.group[*index];
    InFlight busy(upstream);
    auto opened = co_await select(core.client.open(upstream.address, upstream_request(request, shape, upload)),
                                  deadline(upload, core.options.timeout));
    if (opened.index() == 1) {
      log::warn("proxy: {} {}: upstream {} did not answer within {} ms; 504", request.method, request.target,
                upstream.name, core.options.timeout.count());
      co_return http::Response::of_status(504);
    }
    auto& stream = std::get<0>(opened);
    if (stream) {
      co_return co_await client_response(std::move(*stream), request.is_head(), upstream.name,
                                         now() + core.options.timeout, std::move(busy));
    }
    last_error = stream.error();
    const bool not_connected = is_connect_failure(last_error);
    if (not_connected) core.group.eject(*index, core.options.fail_timeout);
    // Sent nowhere yet, or lost on the way by a request that may be sent twice: try
    // the next upstream.
    const bool retry = !upload.touched && (not_connected || (idempotent && is_lost_connection(last_error)));
    log::warn("proxy: {} {}: upstream {}: {}{}", request.method, request.target, upstream.name, last_error.message(),
              retry ? "; trying the next" : "; 502");
    if (!retry) break;
  }
  co_return http::Response::of_status(502);
}

}  // namespace weft::examples
