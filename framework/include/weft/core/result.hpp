// weft's error model, stated once.
//
// - Fallible operations return `Result<T>` = `std::expected<T, std::error_code>`.
//   OS errors travel as `std::errc` values in `std::generic_category()`, whichever
//   backend produced them; weft's own conditions use `weft::errc` below.
// - A cancelled wait that returns a Result completes with
//   `std::errc::operation_canceled`. A cancelled wait that returns no Result
//   (`sleep`, a `Task<void>` step) throws `weft::Cancelled` instead.
// - Exceptions other than `Cancelled` mean a bug or a user error in user code; they
//   propagate through `Task`, `JoinHandle`, `join` and `select` unchanged.
#pragma once

#include <exception>
#include <expected>
#include <stdexcept>
#include <string>
#include <system_error>

namespace weft {

template <class T>
using Result = std::expected<T, std::error_code>;

/// weft's own error conditions (OS errors use std::errc).
enum class errc {
  timed_out = 1,        ///< with_timeout or a deadline passed
  closed,               ///< the channel, stream or runtime was closed
  backend_unavailable,  ///< a forced backend cannot be used on this kernel
  invalid_address,      ///< an address string could not be parsed or resolved
  config_invalid,       ///< a configuration value was rejected
  limit_exceeded,       ///< a configured limit (connections, sizes) was reached
};

const std::error_category& weft_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), weft_category()};
}

/// Shorthand for building an unexpected Result from an error code or enum.
inline std::unexpected<std::error_code> fail(std::error_code ec) { return std::unexpected(ec); }
inline std::unexpected<std::error_code> fail(errc e) { return std::unexpected(make_error_code(e)); }
inline std::unexpected<std::error_code> fail(std::errc e) {
  return std::unexpected(std::make_error_code(e));
}

/// Thrown by a cancelled wait that has no Result to carry the cancellation.
struct Cancelled : std::exception {
  const char* what() const noexcept override { return "weft: operation cancelled"; }
};

namespace detail {
/// A Cancelled exception made once per thread, for waits that end a task with it
/// without throwing (see sleep).
const std::exception_ptr& cancelled_exception();
}  // namespace detail

/// True when `ec` says the operation was cancelled.
inline bool is_cancelled(const std::error_code& ec) noexcept {
  return ec == std::errc::operation_canceled;
}

}  // namespace weft

template <>
struct std::is_error_code_enum<weft::errc> : std::true_type {};
