// UnixStream and UnixListener: stream sockets on a filesystem path (or a Linux
// abstract name), with the same operations and cancellation rules as TCP.
#pragma once

#include <weft/core/result.hpp>
#include <weft/core/task.hpp>
#include <weft/net/address.hpp>
#include <weft/net/stream.hpp>
#include <weft/runtime/io_handle.hpp>

namespace weft::net {

class UnixStream : public Stream {
 public:
  UnixStream() noexcept = default;
  explicit UnixStream(IoHandle handle) noexcept : Stream(std::move(handle)) {}

  /// Connects to a Unix address (Address::unix_path or `unix:/path`).
  /// Cancellation: total — the half-made connection is closed.
  /// Completes inline: may.
  static Task<Result<UnixStream>> connect(const Address& address);
};

class UnixListener {
 public:
  UnixListener() noexcept = default;

  /// Binds and listens on a Unix address. An existing socket file at the path makes
  /// this fail with address_in_use; remove stale ones first.
  static Result<UnixListener> bind(const Address& address, int backlog = 1024);

  /// Cancellation: total — a connection that arrives later waits for the next accept.
  /// Completes inline: may.
  Task<Result<UnixStream>> accept();

  bool is_open() const noexcept { return handle_.valid(); }
  void close() noexcept { handle_.close(); }

 private:
  explicit UnixListener(IoHandle handle) noexcept : handle_(std::move(handle)) {}
  IoHandle handle_;
};

}  // namespace weft::net
