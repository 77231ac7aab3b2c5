// TcpStream: a TCP connection owned by this core.
#pragma once

#include <weft/core/result.hpp>
#include <weft/core/task.hpp>
#include <weft/net/address.hpp>
#include <weft/net/stream.hpp>

#include <chrono>

namespace weft::net {

class TcpStream : public Stream {
 public:
  TcpStream() noexcept = default;
  /// Adopts a connected TCP socket fd (as accept returns).
  explicit TcpStream(IoHandle handle) noexcept : Stream(std::move(handle)) {}

  /// Connects to `address` (IPv4 or IPv6).
  /// Cancellation: total — the half-made connection is closed; nothing else is left.
  /// Completes inline: may (epoll, when the kernel connects at once).
  static Task<Result<TcpStream>> connect(const Address& address);

  /// connect, bounded by `timeout` (errc::timed_out when it passes).
  /// Cancellation: total — as connect.
  /// Completes inline: may.
  static Task<Result<TcpStream>> connect(const Address& address, std::chrono::nanoseconds timeout);

  /// TCP_NODELAY: send small writes at once instead of coalescing them.
  Result<void> set_nodelay(bool on) noexcept;
};

}  // namespace weft::net
