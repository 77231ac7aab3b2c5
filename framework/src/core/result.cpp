#include <weft/core/result.hpp>

namespace weft {
namespace {

class WeftCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "weft"; }
  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::timed_out: return "timed out";
      case errc::closed: return "closed";
      case errc::backend_unavailable: return "backend unavailable";
      case errc::invalid_address: return "invalid address";
      case errc::config_invalid: return "invalid configuration";
      case errc::limit_exceeded: return "limit exceeded";
    }
    return "unknown weft error";
  }
};

}  // namespace

const std::error_category& weft_category() noexcept {
  static const WeftCategory category;
  return category;
}

namespace detail {
const std::exception_ptr& cancelled_exception() {
  thread_local const std::exception_ptr cancelled = std::make_exception_ptr(Cancelled{});
  return cancelled;
}
}  // namespace detail

}  // namespace weft
