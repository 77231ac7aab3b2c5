// The backend seam: the choice at start-up and one error model for both backends.
#include "runtime/backend/backend.hpp"
#include "runtime/backend/errors.hpp"

#include <weft/core/result.hpp>
#include <weft/runtime/runtime.hpp>
#include <weft/testing/backends.hpp>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdlib>
#include <system_error>

namespace {

using weft::Backend;
using weft::detail::backend::resolve_backend;
using weft::detail::backend::to_error_code;

// Sets an environment variable for one test and restores it after.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value, 1);
  }
  ~ScopedEnv() {
    if (old_.empty()) ::unsetenv(name_);
    else ::setenv(name_, old_.c_str(), 1);
  }

 private:
  const char* name_;
  std::string old_;
};

TEST(BackendErrors, KernelResultsMapToTheSameGenericCodesForBothBackends) {
  // Both backends report -errno (a CQE's res, or -errno after a syscall): one mapping.
  EXPECT_EQ(to_error_code(-ECONNRESET), std::errc::connection_reset);
  EXPECT_EQ(to_error_code(-EPIPE), std::errc::broken_pipe);
  EXPECT_EQ(to_error_code(-ECANCELED), std::errc::operation_canceled);
  EXPECT_FALSE(to_error_code(0));
  EXPECT_FALSE(to_error_code(17));
}

TEST(BackendChoice, EpollRequestedIsEpoll) { EXPECT_EQ(resolve_backend(Backend::epoll), Backend::epoll); }

TEST(BackendChoice, WeftBackendForcesEpollWhenAutomatic) {
  ScopedEnv env("WEFT_BACKEND", "epoll");
  EXPECT_EQ(resolve_backend(Backend::automatic), Backend::epoll);
}

TEST(BackendChoice, AnUnknownWeftBackendIsAClearError) {
  ScopedEnv env("WEFT_BACKEND", "kqueue");
  try {
    resolve_backend(Backend::automatic);
    FAIL() << "expected an error";
  } catch (const std::system_error& error) {
    EXPECT_NE(std::string(error.what()).find("kqueue"), std::string::npos);
  }
}

TEST(BackendChoice, AutomaticFollowsTheProbe) {
  const bool usable = weft::detail::backend::probe_io_uring().usable;
  ScopedEnv env("WEFT_BACKEND", "");
  EXPECT_EQ(resolve_backend(Backend::automatic), usable ? Backend::io_uring : Backend::epoll);
}

TEST(BackendChoice, ARefusedProbeMakesAutomaticFallBackToEpoll) {
  ScopedEnv env("WEFT_BACKEND", "");
  const weft::detail::backend::ProbeResult refused{false, "io_uring_setup failed: Operation not permitted (1)"};
  EXPECT_EQ(resolve_backend(Backend::automatic, refused), Backend::epoll);
}

TEST(BackendChoice, ARefusedProbeMakesAForcedIoUringAStartupError) {
  const weft::detail::backend::ProbeResult refused{false, "io_uring_setup failed: Operation not permitted (1)"};
  try {
    resolve_backend(Backend::io_uring, refused);
    FAIL() << "expected an error";
  } catch (const std::system_error& error) {
    EXPECT_EQ(error.code(), weft::errc::backend_unavailable);
    EXPECT_NE(std::string(error.what()).find("Operation not permitted"), std::string::npos);
  }
}

TEST(BackendChoice, ProbeReasonIsGivenWhenRefused) {
  const auto& probe = weft::detail::backend::probe_io_uring();
  EXPECT_EQ(probe.usable, probe.reason.empty());
  if (!probe.usable) GTEST_SKIP() << "io_uring refused here: " << probe.reason;
}

}  // namespace
