// The one place where kernel results become std::error_code: a CQE's negative `res`
// and a failed syscall's errno are both -errno here, and both map to the same
// generic_category codes, so io_uring and epoll report identical errors.
#pragma once

#include <cerrno>
#include <system_error>

namespace weft::detail::backend {

/// `result` is a backend result: >= 0 success, < 0 a negated errno.
inline std::error_code to_error_code(int result) noexcept {
  return result >= 0 ? std::error_code{} : std::error_code(-result, std::generic_category());
}

/// The backend result for the current errno after a failed syscall.
inline int errno_result() noexcept { return -errno; }

}  // namespace weft::detail::backend
