#include <weft/runtime/runtime_options.hpp>

namespace weft {

std::optional<Backend> parse_backend(std::string_view name) noexcept {
  if (name == "automatic" || name == "auto") return Backend::automatic;
  if (name == "io_uring" || name == "uring") return Backend::io_uring;
  if (name == "epoll") return Backend::epoll;
  return std::nullopt;
}

std::string_view to_string(Backend backend) noexcept {
  switch (backend) {
    case Backend::automatic: return "automatic";
    case Backend::io_uring: return "io_uring";
    case Backend::epoll: return "epoll";
  }
  return "automatic";
}

}  // namespace weft
