// One reactor per core: a run queue, a timer wheel, an I/O backend and an inbox for
// work posted from other threads. One loop iteration:
//   1. take posted work from the inbox;
//   2. run ready tasks, each resumed with a fresh budget of inline completions;
//   3. fire due timers;
//   4. poll the backend: submit queued operations at once and wait no longer than the
//      next timer (not at all if tasks became ready), turning completions into ready
//      tasks.
// Everything here is touched only by the reactor's thread, except post() and
// send_from(). Cores talk through one SPSC ring per ordered pair of cores (no locks);
// threads outside the runtime (block_on, the offload pool) use a mutex-guarded inbox.
#pragma once

#include "backend/backend.hpp"
#include "spsc_ring.hpp"
#include "timer_wheel.hpp"

#include <weft/runtime/runtime_options.hpp>

#include <atomic>
#include <chrono>
#include <coroutine>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace weft::detail {

class RootTask;
class OffloadPool;

class Reactor {
 public:
  using Clock = std::chrono::steady_clock;
  /// Inline completions a task may take before an awaitable makes it yield.
  static constexpr unsigned kBudget = 64;

  Reactor(unsigned core, unsigned cores, const RuntimeOptions& options);
  ~Reactor();
  Reactor(const Reactor&) = delete;
  Reactor& operator=(const Reactor&) = delete;

  /// The reactor of the calling thread, or nullptr outside reactor threads. Inline:
  /// every I/O wait and every schedule asks.
  static Reactor* current() noexcept { return t_current_; }
  /// Binds the calling thread to this reactor and creates its backend there
  /// (`kind` already resolved).
  void bind_to_this_thread(Backend kind);

  unsigned core() const noexcept { return core_; }
  /// The reactor of `core` in the same runtime, or nullptr when out of range.
  Reactor* peer(unsigned core) const noexcept { return core < peers_.size() ? peers_[core] : nullptr; }
  void set_peers(std::vector<Reactor*> peers) { peers_ = std::move(peers); }
  OffloadPool& offload_pool() const noexcept { return *offload_pool_; }
  void set_offload_pool(OffloadPool* pool) noexcept { offload_pool_ = pool; }
  unsigned cores() const noexcept { return cores_; }
  backend::IoBackend& io() noexcept { return *backend_; }

  struct Runnable {
    void (*fn)(void*) noexcept;
    void* arg;
  };
  void schedule(std::coroutine_handle<> handle) { ready_.push_back({&resume_thunk, handle.address()}); }
  void schedule_call(void (*fn)(void*) noexcept, void* arg) { ready_.push_back({fn, arg}); }
  /// Spends one unit of the running task's budget; false when it should yield.
  bool consume_budget() noexcept { return budget_ > 0 && --budget_ > 0; }

  Clock::time_point now() const noexcept { return now_; }
  /// The timer-wheel tick at or after `deadline` (timers never fire early).
  std::uint64_t tick_of(Clock::time_point deadline) const noexcept;
  TimerWheel& timers() noexcept { return timers_; }

  /// Posts `work` to run on this reactor's thread. Thread-safe.
  void post(std::function<void()> work);

  struct CoreMessage {
    void (*fn)(void*) noexcept;
    void* arg;
  };
  /// Sends `fn(arg)` to run on this reactor, from the reactor of `source` (its own
  /// thread). Lock-free; falls back to post() when that ring is full.
  void send_from(unsigned source, CoreMessage message);

  /// Runs one loop iteration; blocks in the backend only when `may_block`.
  void run_once(bool may_block);
  /// Runs until exit() is called. After begin_drain() it cancels every live task
  /// (and any spawned later) and keeps running so they can finish.
  void run();
  void begin_drain() noexcept;
  void exit() noexcept;
  /// True when draining, no task is left and nothing is queued (any thread).
  bool quiescent() noexcept;

  void begin_external_wait() noexcept { ++external_waits_; }
  void end_external_wait() noexcept { --external_waits_; }

  void adopt(RootTask* root) noexcept;
  void retire(RootTask* root) noexcept;
  std::size_t live_roots() const noexcept { return live_roots_; }
  const RootTask* roots() const noexcept { return roots_; }
  /// Cancels every live root task (shutdown).
  void cancel_roots() noexcept;

 private:
  static constinit thread_local Reactor* t_current_;
  void wake_if_sleeping() noexcept;
  void force_wake() noexcept;
  bool drain_rings() noexcept;
  bool has_incoming() noexcept;
  bool rings_nonempty() const noexcept;
  void spin_for_messages(std::chrono::nanoseconds limit) noexcept;
  static void resume_thunk(void* address) noexcept {
    std::coroutine_handle<>::from_address(address).resume();
  }
  bool drain_inbox();
  void run_ready();
  void refresh_clock() noexcept;
  std::optional<std::chrono::nanoseconds> poll_timeout(bool may_block) noexcept;

  unsigned core_;
  unsigned cores_;
  RuntimeOptions options_;
  std::unique_ptr<backend::IoBackend> backend_;
  Clock::time_point epoch_;
  Clock::time_point now_;
  TimerWheel timers_;
  std::deque<Runnable> ready_;
  unsigned budget_ = kBudget;

  int wake_fd_ = -1;
  std::atomic<bool> wake_pending_{false};
  std::atomic<bool> sleeping_{false};  // about to block, or blocked, in the backend
  static constexpr std::size_t kRingCapacity = 1024;
  std::vector<std::unique_ptr<SpscRing<CoreMessage, kRingCapacity>>> incoming_;  // by source core
  std::mutex inbox_mutex_;
  std::vector<std::function<void()>> inbox_;       // guarded by inbox_mutex_
  std::vector<std::function<void()>> inbox_work_;  // reactor thread only
  std::atomic<bool> drain_requested_{false};
  std::atomic<bool> exit_requested_{false};
  std::atomic<bool> idle_{false};  // published after each iteration while draining
  bool stopping_ = false;          // reactor thread: roots have been cancelled

  std::vector<Reactor*> peers_;  // set before the threads start, read-only after
  OffloadPool* offload_pool_ = nullptr;
  RootTask* roots_ = nullptr;        // intrusive list of live spawned tasks
  std::size_t external_waits_ = 0;  // replies awaited from other cores
  unsigned next_task_id_ = 0;       // for task dumps
  std::size_t live_roots_ = 0;
};

}  // namespace weft::detail
