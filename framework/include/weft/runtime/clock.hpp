// Time as the reactor sees it. Framework code reads time only through here, so a
// test runtime with a paused clock (RuntimeOptions::paused_clock) can make hours of
// timeouts pass instantly: when its reactor has nothing to run it jumps to the next
// timer instead of waiting.
#pragma once

#include <chrono>

namespace weft {

using Clock = std::chrono::steady_clock;
using Instant = Clock::time_point;

/// This core's current time (refreshed once per loop iteration; millisecond timers).
/// Outside a reactor thread: the steady clock.
Instant now() noexcept;

}  // namespace weft
