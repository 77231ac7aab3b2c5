// The intrusive timer the reactor's timer wheel holds (src/runtime/timer_wheel.hpp).
// Public only so that awaitables in public headers can embed one in the awaiting
// frame (with_deadline): arming it allocates nothing.
#pragma once

#include <cstdint>

namespace weft::detail {

/// An intrusive timer; it must stay in place while armed.
struct Timer {
  using Fire = void (*)(Timer*) noexcept;

  Fire fire = nullptr;
  std::uint64_t deadline = 0;
  Timer* next = nullptr;
  Timer* prev = nullptr;
  std::uint8_t level = 0;
  std::uint8_t index = 0;
  bool armed = false;
};

}  // namespace weft::detail
