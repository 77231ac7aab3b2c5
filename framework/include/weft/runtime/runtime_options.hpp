// What a Runtime is started with: how many cores, which I/O backend, pool sizes.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace weft {

/// The I/O backend a reactor runs on.
enum class Backend {
  automatic,  ///< io_uring when the kernel allows it, else epoll (one log line says why)
  io_uring,   ///< io_uring or a start-up error
  epoll,      ///< epoll, always available
};

/// "automatic", "io_uring" or "epoll"; nullopt for anything else.
std::optional<Backend> parse_backend(std::string_view name) noexcept;

/// The name parse_backend accepts for `backend`.
std::string_view to_string(Backend backend) noexcept;

struct RuntimeOptions {
  unsigned cores = 0;                   ///< reactor threads; 0 = every online core
  Backend backend = Backend::automatic; ///< WEFT_BACKEND in the environment overrides automatic
  unsigned offload_threads = 0;         ///< blocking pool size; 0 = cores
  bool pin_threads = true;              ///< pin reactor i to the i-th allowed CPU when it may
  bool paused_clock = false;            ///< tests: an idle reactor jumps to its next timer
  int dump_signal = 10;                 ///< SIGUSR1: log a task dump (task_dump.hpp); 0 = off
  /// Before an idle reactor sleeps in the kernel it polls its cross-core rings this
  /// long: submit_to round trips skip two wake-ups (a few µs each on a VM) at the
  /// cost of that much busy CPU per idle period. 0 (default) sleeps at once.
  std::chrono::microseconds idle_spin{0};
};

}  // namespace weft
