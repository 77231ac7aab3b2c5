#include "client_pool.hpp"

#include <weft/runtime/this_core.hpp>

#include <stdexcept>

namespace weft::http::detail {

Lease& Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    drop();
    pool_ = std::exchange(other.pool_, nullptr);
    permit_ = std::move(other.permit_);
    connection_ = std::move(other.connection_);
  }
  return *this;
}

void Lease::give_back() noexcept {
  if (connection_ == nullptr) return;
  connection_->idle_since = now();
  connection_->reused = true;
  try {
    pool_->idle.push_back(std::move(connection_));
  } catch (...) {
    drop();  // the idle list could not grow: close instead
    return;
  }
  permit_.release();
}

void Lease::drop() noexcept {
  if (connection_ != nullptr) {
    connection_.reset();
    --pool_->open;
  }
  permit_.release();
}

ClientPool::~ClientPool() {
  for (auto& pool : origins_) {
    pool->open -= pool->idle.size();
    pool->idle.clear();
  }
}

const OriginPool* ClientPool::find(const net::Address& origin) const noexcept {
  for (const auto& pool : origins_) {
    if (pool->origin == origin) return pool.get();
  }
  return nullptr;
}

OriginPool& ClientPool::pool_for(const net::Address& origin) {
  const unsigned core = this_core();
  if (owner_core_ == ~0u) owner_core_ = core;
  if (owner_core_ != core) {
    throw std::logic_error("http::Client used from core " + std::to_string(core) + " but it belongs to core " +
                           std::to_string(owner_core_) + ": make one Client per core");
  }
  for (auto& pool : origins_) {
    if (pool->origin == origin) return *pool;
  }
  origins_.push_back(std::make_unique<OriginPool>(origin, options_.max_connections_per_origin));
  return *origins_.back();
}

std::unique_ptr<UpstreamConnection> ClientPool::take_idle(OriginPool& pool) {
  const Instant stale_before = now() - options_.idle_timeout;
  while (!pool.idle.empty()) {
    std::unique_ptr<UpstreamConnection> connection = std::move(pool.idle.back());
    pool.idle.pop_back();
    // A connection with input pending was closed (or spoken on: a parting 408) by its
    // server while idle; its bytes would be read as the next request's response.
    if (connection->idle_since >= stale_before && !connection->stream.input_pending()) return connection;
    --pool.open;  // closed as `connection` goes out of scope
  }
  return nullptr;
}

Task<Result<Lease>> ClientPool::lease(const net::Address& origin, bool fresh) {
  OriginPool& pool = pool_for(origin);
  Semaphore::Guard permit;
  try {
    permit = co_await pool.permits.acquire();
  } catch (const Cancelled&) {
    co_return fail(std::errc::operation_canceled);
  }
  if (!fresh) {
    if (auto connection = take_idle(pool)) co_return Lease(pool, std::move(permit), std::move(connection));
  } else if (pool.open >= options_.max_connections_per_origin && !pool.idle.empty()) {
    --pool.open;  // make room for the new one: close the oldest idle connection
    pool.idle.erase(pool.idle.begin());
  }
  ++pool.open;
  auto stream = co_await net::TcpStream::connect(origin, options_.connect_timeout);
  if (!stream) {
    --pool.open;
    co_return fail(stream.error());
  }
  (void)stream->set_nodelay(true);
  auto connection = std::make_unique<UpstreamConnection>(std::move(*stream), options_.limits);
  co_return Lease(pool, std::move(permit), std::move(connection));
}

}  // namespace weft::http::detail
