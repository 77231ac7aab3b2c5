// Runtime: weft's reactors, one per core, shared-nothing.
//
// Who owns what: each reactor thread owns its run queue, timer wheel, I/O backend
// (io_uring or epoll), frame pools, and every task and connection started on it;
// tasks never migrate. Work crosses cores only through submit_to / on_all_cores.
//
// One loop iteration on each core:
//   1. run work posted from other threads (submit_to, block_on);
//   2. run ready tasks, each with a budget of inline completions so that a task whose
//      waits are always ready still yields;
//   3. fire due timers;
//   4. submit every queued I/O operation at once and wait for completions no longer
//      than the next timer (not at all when tasks are ready).
//
// Shutdown (the destructor):
//   1. every reactor is asked to stop;
//   2. each cancels its live tasks (their waits end with operation_canceled or
//      weft::Cancelled) and keeps running until every task has finished;
//   3. each closes its backend and its thread ends; the threads are joined.
//
// Backend choice: Backend::automatic uses io_uring when the kernel (or a seccomp
// filter, as Docker's default profile has) allows it and falls back to epoll
// otherwise, logging one line that names the backend and the reason. The environment
// variable WEFT_BACKEND=io_uring|epoll forces one; a forced io_uring that is refused
// makes the constructor throw.
#pragma once

#include <weft/core/task.hpp>
#include <weft/runtime/runtime_options.hpp>

#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

namespace weft {

namespace detail {
template <class T>
Task<void> store_into(Task<T> task, std::optional<T>& out) {
  out.emplace(co_await std::move(task));
}
}  // namespace detail

class Runtime {
 public:
  /// Starts the reactor threads. Throws std::system_error when the requested backend
  /// cannot run or a thread cannot start.
  explicit Runtime(RuntimeOptions options = {});
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  /// Runs `task` on core 0 and blocks the calling thread until it finishes; returns
  /// its result or rethrows its exception. Must not be called from a reactor thread.
  template <class T>
  T block_on(Task<T> task) {
    if constexpr (std::is_void_v<T>) {
      run_blocking(std::move(task));
    } else {
      std::optional<T> result;
      run_blocking(detail::store_into(std::move(task), result));
      return std::move(*result);
    }
  }

  /// The backend every reactor runs on.
  Backend backend() const noexcept;
  /// How many reactors (cores) run.
  unsigned cores() const noexcept;

 private:
  void run_blocking(Task<void> task);

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace weft
