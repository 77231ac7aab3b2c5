// run: drive one task to completion on a fresh runtime (one core by default) and
// return its result; the runtime shuts down (cancelling whatever the task spawned
// and left running) before run returns.
#pragma once

#include <weft/core/task.hpp>
#include <weft/runtime/runtime.hpp>

#include <utility>

namespace weft::testing {

/// Waits a task may complete inline in one turn before it is made to yield (the
/// reactor's budget; tests that pin down budget behaviour use it).
inline constexpr int kInlineBudget = 64;

template <class T>
T run(Task<T> task, RuntimeOptions options = {.cores = 1}) {
  Runtime runtime(options);
  return runtime.block_on(std::move(task));
}

/// run on a paused clock: an idle reactor jumps to its next timer, so timeouts of
/// any length pass at once and deterministically.
template <class T>
T run_paused(Task<T> task, Backend backend = Backend::automatic) {
  return run(std::move(task), RuntimeOptions{.cores = 1, .backend = backend, .paused_clock = true});
}

}  // namespace weft::testing
