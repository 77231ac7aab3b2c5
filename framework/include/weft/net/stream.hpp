// Stream: a connected byte stream socket (TCP or Unix) owned by this core. The
// operations every protocol layer (TLS, HTTP) programs against: read, write_all,
// writev_all, shutdown, close. TcpStream and UnixStream add how to connect.
#pragma once

#include <weft/core/result.hpp>
#include <weft/core/task.hpp>
#include <weft/net/address.hpp>
#include <weft/runtime/io_handle.hpp>

#include <cstddef>
#include <span>
#include <string_view>

namespace weft::net {

class Stream {
 public:
  Stream() noexcept = default;
  explicit Stream(IoHandle handle) noexcept : handle_(std::move(handle)) {}
  Stream(Stream&&) noexcept = default;
  Stream& operator=(Stream&&) noexcept = default;

  bool is_open() const noexcept { return handle_.valid(); }
  int native_handle() const noexcept { return handle_.fd(); }

  /// Reads at most `into.size()` bytes; 0 means the peer closed its side.
  /// Cancellation: total — nothing read; later bytes wait for the next read.
  /// Completes inline: may.
  Task<Result<std::size_t>> read(std::span<std::byte> into) { return handle_.read(into); }
  Task<Result<std::size_t>> read(std::span<char> into) { return handle_.read(std::as_writable_bytes(into)); }

  /// read without waiting: the bytes already there, else errc::operation_would_block
  /// having consumed nothing (see IoHandle::try_read).
  /// Cancellation: none — it never waits.
  Result<std::size_t> try_read(std::span<std::byte> into) { return handle_.try_read(into); }
  Result<std::size_t> try_read(std::span<char> into) { return handle_.try_read(std::as_writable_bytes(into)); }

  /// Waits until a read would not block (bytes, end of stream or an error), reading
  /// nothing: an idle connection waits for its next request without a buffer. Not
  /// concurrently with a read on the same stream.
  /// Cancellation: total — nothing consumed.
  /// Completes inline: may (bytes already there, end of stream, or an error).
  Task<Result<void>> wait_readable() { return handle_.wait_readable(); }
  /// wait_readable up to `deadline`, then errc::timed_out; `timer` keeps the deadline
  /// across one owner's waits, so most cost no timer work (see IoHandle's).
  detail::ReadableWait wait_readable(Instant deadline, WaitTimer& timer) noexcept {
    return handle_.wait_readable(deadline, timer);
  }

  /// wait_readable without a coroutine: `ready(arg, error)` is called from the run
  /// queue once (see IoHandle::watch_readable); cancel_watch() ends it early.
  void watch_readable(IoHandle::ReadyCall ready, void* arg) { handle_.watch_readable(ready, arg); }
  void cancel_watch() noexcept { handle_.cancel_watch(); }

  /// True when a read would complete at once (bytes, end of stream or an error have
  /// arrived); reads nothing. See IoHandle::input_pending.
  bool input_pending() const noexcept { return handle_.input_pending(); }

  /// Writes every byte, in as many sends as it takes.
  /// Cancellation: partial — a prefix of the bytes may have been sent; the stream is
  /// then in an unknown position and should be closed.
  /// Completes inline: may.
  Task<Result<void>> write_all(std::span<const std::byte> bytes);
  Task<Result<void>> write_all(std::string_view text) { return write_all(std::as_bytes(std::span(text))); }

  /// Writes every byte of every buffer, gathering them into as few sends as it takes.
  /// Cancellation: partial — as write_all.
  /// Completes inline: may.
  Task<Result<void>> writev_all(std::span<const IoVec> buffers);

  /// Writes some bytes (at least one unless an error) and says how many.
  /// Cancellation: partial — see IoHandle::write_some.
  /// Completes inline: may.
  Task<Result<std::size_t>> write_some(std::span<const IoVec> buffers) { return handle_.write_some(buffers); }
  /// write_some up to `deadline`, then errc::timed_out (see IoHandle's).
  detail::WriteWait write_some(std::span<const IoVec> buffers, Instant deadline, WaitTimer& timer) noexcept {
    return handle_.write_some(buffers, deadline, timer);
  }

  /// write_some without waiting: what the socket takes now, else
  /// errc::operation_would_block having sent nothing — always on io_uring (see
  /// IoHandle::try_write).
  /// Cancellation: none — it never waits.
  Result<std::size_t> try_write(std::span<const IoVec> buffers) { return handle_.try_write(buffers); }

  enum class Direction { read, write, both };
  /// Shuts down one or both directions (a write shutdown sends FIN after queued data).
  Result<void> shutdown(Direction direction = Direction::write) noexcept;

  /// Cancels pending reads and writes (they end with operation_canceled) and closes.
  void close() noexcept { handle_.close(); }

  Result<Address> peer_address() const;
  Result<Address> local_address() const;

 protected:
  IoHandle handle_;
};

}  // namespace weft::net
