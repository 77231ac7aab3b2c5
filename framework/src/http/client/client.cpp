#include <weft/http/client.hpp>

#include "../ascii.hpp"
#include "client_pool.hpp"
#include "exchange.hpp"

namespace weft::http {
namespace {

std::optional<std::string_view> find_field(const std::vector<Field>& fields, std::string_view name) noexcept {
  for (const auto& field : fields) {
    if (detail::iequals(field.name, name)) return field.value;
  }
  return std::nullopt;
}

}  // namespace

ClientRequest& ClientRequest::set(std::string name, std::string value) {
  headers.push_back({std::move(name), std::move(value)});
  return *this;
}

ClientRequest ClientRequest::get(std::string target) {
  ClientRequest request;
  request.target = std::move(target);
  return request;
}

ClientRequest ClientRequest::post(std::string target, std::string body, std::string content_type) {
  ClientRequest request;
  request.method = "POST";
  request.target = std::move(target);
  request.body = std::move(body);
  request.set("Content-Type", std::move(content_type));
  return request;
}

std::optional<std::string_view> ClientResponse::header(std::string_view name) const noexcept {
  return find_field(headers, name);
}

ResponseStream::ResponseStream(std::unique_ptr<detail::Exchange> exchange) noexcept : exchange_(std::move(exchange)) {}
ResponseStream::ResponseStream(ResponseStream&&) noexcept = default;
ResponseStream& ResponseStream::operator=(ResponseStream&&) noexcept = default;
ResponseStream::~ResponseStream() = default;

unsigned ResponseStream::status() const noexcept { return exchange_->head().status; }
std::string_view ResponseStream::reason() const noexcept { return exchange_->head().reason; }
unsigned ResponseStream::version_minor() const noexcept { return exchange_->head().version_minor; }
const std::vector<Field>& ResponseStream::headers() const noexcept { return exchange_->head().headers; }
std::optional<std::string_view> ResponseStream::header(std::string_view name) const noexcept {
  return find_field(exchange_->head().headers, name);
}
std::optional<std::size_t> ResponseStream::content_length() const noexcept { return exchange_->content_length(); }

Task<Result<std::string_view>> ResponseStream::read() { return exchange_->read(); }

Task<Result<std::string>> ResponseStream::read_all(std::size_t max_bytes) {
  if (auto length = content_length(); length && *length > max_bytes) co_return fail(errc::limit_exceeded);
  std::string body;
  while (true) {
    auto piece = co_await read();
    if (!piece) co_return fail(piece.error());
    if (piece->empty()) co_return body;
    if (piece->size() > max_bytes - body.size()) co_return fail(errc::limit_exceeded);
    body.append(*piece);
  }
}

Client::Client(ClientOptions options) : pool_(std::make_unique<detail::ClientPool>(std::move(options))) {}
Client::~Client() = default;

const ClientOptions& Client::options() const noexcept { return pool_->options(); }

std::size_t Client::open_connections(const net::Address& origin) const noexcept {
  const auto* pool = pool_->find(origin);
  return pool != nullptr ? pool->open : 0;
}

std::size_t Client::idle_connections(const net::Address& origin) const noexcept {
  const auto* pool = pool_->find(origin);
  return pool != nullptr ? pool->idle.size() : 0;
}

Task<Result<ResponseStream>> Client::open(const net::Address& origin, ClientRequest request) {
  const bool replayable = !request.body_source && is_idempotent(request.method);
  for (int attempt = 0;; ++attempt) {
    auto lease = co_await pool_->lease(origin, attempt > 0);
    if (!lease) co_return fail(lease.error());
    auto exchange = std::make_unique<detail::Exchange>(pool_->options(), std::move(*lease));
    auto started = co_await exchange->start(request);
    if (started) co_return ResponseStream(std::move(exchange));
    if (attempt == 0 && replayable && exchange->may_retry()) continue;
    co_return fail(started.error());
  }
}

Task<Result<ClientResponse>> Client::send(const net::Address& origin, ClientRequest request) {
  auto stream = co_await open(origin, std::move(request));
  if (!stream) co_return fail(stream.error());
  auto body = co_await stream->read_all(pool_->options().limits.max_body);
  if (!body) co_return fail(body.error());
  ClientResponse response = std::move(stream->exchange_->head());
  response.body = std::move(*body);
  co_return response;
}

}  // namespace weft::http
