// sleep and sleep_until: suspend the calling task on this core's timer wheel.
#pragma once

#include <weft/core/task.hpp>
#include <weft/core/result.hpp>
#include <weft/runtime/clock.hpp>

#include <chrono>

namespace weft {

/// Suspends for at least `duration` (millisecond resolution, rounded up).
/// Cancellation: total — throws weft::Cancelled promptly; nothing else is lost.
/// Completes inline: never (even a zero duration yields to the run queue once).
Task<void> sleep(std::chrono::nanoseconds duration);

/// Suspends until this core's clock reaches `deadline`.
/// Cancellation: total — throws weft::Cancelled promptly; nothing else is lost.
/// Completes inline: never.
Task<void> sleep_until(Instant deadline);

/// Lets every other ready task on this core run once, then continues.
/// Cancellation: none — a cancelled task still just yields (it notices at its next wait).
/// Completes inline: never.
Task<void> yield_now();

}  // namespace weft
