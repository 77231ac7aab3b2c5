#include <weft/testing/backends.hpp>

#include "../runtime/backend/backend.hpp"

#include <cstdlib>
#include <cstring>

namespace weft::testing {

std::string io_uring_refusal() {
  const auto& probe = detail::backend::probe_io_uring();
  return probe.usable ? std::string() : probe.reason;
}

std::vector<Backend> available_backends() {
  const char* require = std::getenv("WEFT_REQUIRE_IO_URING");
  const bool required = require != nullptr && std::strcmp(require, "1") == 0;
  if (io_uring_refusal().empty() || required) return {Backend::io_uring, Backend::epoll};
  // Said once per test binary, so the skip is never silent.
  static const bool said = [] {
    std::fprintf(stderr, "weft: io_uring tests skipped: %s\n", io_uring_refusal().c_str());
    return true;
  }();
  (void)said;
  return {Backend::epoll};
}

std::string BackendName::operator()(const ::testing::TestParamInfo<Backend>& info) const {
  return std::string(to_string(info.param));
}

}  // namespace weft::testing
