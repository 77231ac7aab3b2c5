// TcpListener: a listening TCP socket owned by this core. Servers bind one per core
// on the same address with SO_REUSEPORT, so the kernel spreads connections across
// cores and each connection stays on the core that accepted it.
#pragma once

#include <weft/core/result.hpp>
#include <weft/core/task.hpp>
#include <weft/net/address.hpp>
#include <weft/net/tcp_stream.hpp>
#include <weft/runtime/io_handle.hpp>

namespace weft::net {

class TcpListener {
 public:
  struct Options {
    int backlog = 1024;
    bool reuse_port = true;  ///< SO_REUSEPORT: one listener per core on one address
  };

  TcpListener() noexcept = default;

  /// Binds and listens on `address` (port 0: the kernel picks one; see local_address).
  static Result<TcpListener> bind(const Address& address, Options options);
  static Result<TcpListener> bind(const Address& address) { return bind(address, Options{}); }

  /// Waits for the next connection.
  /// Cancellation: total — a connection that arrives later waits for the next accept.
  /// Completes inline: may (a connection already queued).
  Task<Result<TcpStream>> accept();

  Result<Address> local_address() const;
  bool is_open() const noexcept { return handle_.valid(); }
  /// The listening fd, for socket options and for taking the connections still queued
  /// with a non-blocking accept4 before closing (closing resets them); -1 when closed.
  int native_handle() const noexcept { return handle_.fd(); }
  /// Stops listening; a pending accept ends with operation_canceled.
  void close() noexcept { handle_.close(); }

 private:
  explicit TcpListener(IoHandle handle) noexcept : handle_(std::move(handle)) {}
  IoHandle handle_;
};

}  // namespace weft::net
