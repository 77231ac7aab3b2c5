// Task dumps: what every live task is, who started it, and where it waits.
//
// Each spawned task and each select/join branch is a unit with an id (unique per
// core), the place it was spawned and by which unit, and its await chain: the
// co_await it is suspended at in each frame, innermost first, like a backtrace.
// Branches are shown under the task that awaits them.
//
// A running program dumps on SIGUSR1 (RuntimeOptions::dump_signal; 0 turns it off):
// the dump of every core goes to the log. Recording costs one pointer store per
// co_await and two per awaited task.
#pragma once

#include <weft/core/task.hpp>

#include <string>

namespace weft {

/// The live tasks of the calling core. Throws std::logic_error outside a reactor.
std::string dump_tasks();

/// The live tasks of every core of this runtime, core by core. From outside the
/// runtime: `runtime.block_on(weft::dump_all_tasks())`.
/// Cancellation: total — the per-core dumps are submit_to calls, each awaited.
/// Completes inline: never.
Task<std::string> dump_all_tasks();

}  // namespace weft
