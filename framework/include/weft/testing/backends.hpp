// The backends a test should run on, and the fixture that runs an I/O test on each.
//
// available_backends() lists epoll always and io_uring when this kernel allows it.
// When io_uring is refused, tests on it are skipped with the probe's reason; with
// WEFT_REQUIRE_IO_URING=1 in the environment (CI sets it, since io_uring works there)
// they are instantiated anyway so that the refusal fails them instead.
#pragma once

#include <weft/runtime/runtime_options.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace weft::testing {

std::vector<Backend> available_backends();

/// Why io_uring is unusable here, or empty when it is usable.
std::string io_uring_refusal();

/// For INSTANTIATE_TEST_SUITE_P: names the instance after the backend.
struct BackendName {
  std::string operator()(const ::testing::TestParamInfo<Backend>& info) const;
};

/// Base fixture for tests that touch I/O: parameterised over the backends.
class IoTest : public ::testing::TestWithParam<Backend> {
 protected:
  Backend backend() const { return GetParam(); }
  RuntimeOptions options(unsigned cores = 1) const { return RuntimeOptions{.cores = cores, .backend = GetParam()}; }
  RuntimeOptions paused_options() const {
    return RuntimeOptions{.cores = 1, .backend = GetParam(), .paused_clock = true};
  }
};

}  // namespace weft::testing

/// Instantiates the IoTest-derived suite `suite` once per available backend.
#define WEFT_INSTANTIATE_BACKENDS(suite)                                                            \
  INSTANTIATE_TEST_SUITE_P(Backends, suite, ::testing::ValuesIn(::weft::testing::available_backends()), \
                           ::weft::testing::BackendName{})
