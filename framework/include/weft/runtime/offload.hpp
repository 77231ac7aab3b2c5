// offload: run blocking or CPU-heavy work on the runtime's pool of worker threads,
// and resume the caller on its own core with the result.
//
// - The pool has RuntimeOptions::offload_threads threads (0 = one per core) and a
//   bounded queue; when the queue is full the caller waits (cancellably) for room.
// - `f` runs on a worker thread: it must not touch core-local state (streams, tasks,
//   sync primitives); weft::context::get works inside it and sees the caller's context.
// - An exception thrown by `f` is rethrown to the caller.
// - Cancelling the caller before `f` starts removes it from the queue; it never runs.
//   Once `f` runs it cannot be interrupted: the caller stops waiting at once (with
//   weft::Cancelled) and the result is discarded when `f` returns.
#pragma once

#include <weft/core/context.hpp>
#include <weft/core/result.hpp>
#include <weft/core/task.hpp>
#include <weft/runtime/detail/scheduling.hpp>

#include <atomic>
#include <coroutine>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

namespace weft {

namespace detail {

/// One offloaded call, shared by the caller's core and a worker thread.
class OffloadJob {
 public:
  virtual ~OffloadJob() = default;
  /// Runs the function on a worker thread and keeps its outcome.
  virtual void run() noexcept = 0;

  // Set and read on the caller's core only.
  std::coroutine_handle<> waiter;
  CancelState* waiter_cancel = nullptr;
  void* origin = nullptr;     // the caller's reactor
  bool abandoned = false;     // the caller stopped waiting; discard the outcome
  bool delivered = false;     // the outcome is back and the caller is scheduled
  // Guarded by the pool's mutex.
  OffloadJob* prev = nullptr;
  OffloadJob* next = nullptr;
  bool queued = false;
  ContextPtr context;         // the caller's, for the worker to report
  std::exception_ptr error;
  // The caller's core and the worker each hold one reference.
  std::atomic<int> references{2};

  void unref() noexcept {
    // acq_rel: the last owner must see every write the other made before deleting.
    if (references.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }
};

/// Queues `job` on this runtime's pool; false when the queue is full (wait and retry).
/// When the worker is done, the outcome goes back to this core, which schedules the
/// waiter unless the job was abandoned, and drops the worker's reference.
bool submit_offload(OffloadJob* job);
/// Removes a job that has not started (dropping the worker's reference); false if a
/// worker has taken it.
bool withdraw_offload(OffloadJob* job) noexcept;
/// Waits for room in the pool's queue; polls every millisecond.
/// Cancellation: total — throws weft::Cancelled.
/// Completes inline: never.
Task<void> wait_for_offload_room();

template <class F, class R>
class OffloadCall final : public OffloadJob {
 public:
  explicit OffloadCall(F fn) : fn_(std::move(fn)) {}

  void run() noexcept override {
    try {
      if constexpr (std::is_void_v<R>) {
        fn_();
      } else {
        value_.emplace(fn_());
      }
    } catch (...) {
      error = std::current_exception();
    }
  }

  R take() {
    if (error) std::rethrow_exception(error);
    if constexpr (!std::is_void_v<R>) return std::move(*value_);
  }

 private:
  F fn_;
  std::conditional_t<std::is_void_v<R>, bool, std::optional<R>> value_{};
};

/// Suspends until the job's outcome is back on this core (or the wait is cancelled).
struct OffloadAwaiter {
  OffloadJob* job;
  bool suspended = false;

  bool await_ready() const noexcept { return false; }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> waiter) {
    job->waiter = waiter;
    job->waiter_cancel = waiter.promise().cancel;
    if (!arm_cancel(job->waiter_cancel, &OffloadAwaiter::on_cancel, job)) {
      job->abandoned = true;
      withdraw_offload(job);
      return false;
    }
    begin_external_wait();  // a paused clock must not jump while the pool works
    suspended = true;
    return true;
  }
  void await_resume() const {
    if (suspended) end_external_wait();
    disarm_cancel(job->waiter_cancel);
    set_current_cancel_state(job->waiter_cancel);
  }
  static void on_cancel(void* arg) noexcept;
};

}  // namespace detail

/// Runs `fn()` on the offload pool and returns its result on this core (policy at the
/// top of this header).
/// Cancellation: total — before `fn` starts it is withdrawn; after, the caller leaves
/// at once with weft::Cancelled and the result is discarded.
/// Completes inline: never.
template <class F, class R = std::invoke_result_t<F&>>
Task<R> offload(F fn) {
  detail::require_reactor("weft::offload");
  auto* job = new detail::OffloadCall<F, R>(std::move(fn));
  job->context = detail::current_context();
  while (!detail::submit_offload(job)) {
    try {
      co_await detail::wait_for_offload_room();
    } catch (...) {
      delete job;  // never queued: nobody else holds it
      throw;
    }
  }
  co_await detail::OffloadAwaiter{job};
  struct Release {
    detail::OffloadJob* job;
    ~Release() { job->unref(); }
  } release{job};
  if (job->abandoned) throw Cancelled{};
  co_return job->take();
}

}  // namespace weft
