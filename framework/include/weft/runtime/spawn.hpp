// spawn: starts a task running concurrently on this core and returns a JoinHandle.
//
// - The task starts at the next turn of this core's run queue and never migrates.
// - `co_await handle` waits for it and yields its result (rethrowing its exception).
//   If the awaiting task is cancelled while it waits, the spawned task is cancelled
//   too and still awaited: the await ends with the spawned task's own outcome
//   (usually weft::Cancelled) only after it has finished.
// - `handle.cancel()` asks it to stop; its current and future waits end with
//   operation_canceled / weft::Cancelled.
// - Dropping an unawaited handle detaches the task: it runs on; an exception escaping
//   it is then logged with its name instead of being lost.
// - At runtime shutdown every live task is cancelled and run to its end.
#pragma once

#include <weft/core/cancellation.hpp>
#include <weft/core/frame_allocator.hpp>
#include <weft/core/task.hpp>
#include <weft/runtime/detail/scheduling.hpp>

#include <coroutine>
#include <exception>
#include <optional>
#include <source_location>
#include <utility>

namespace weft {

namespace detail {

/// State a spawned task shares with its JoinHandle.
class RootTask {
 public:
  explicit RootTask(const char* name) noexcept : name_(name) {}
  virtual ~RootTask() = default;

  CancelState cancel;
  RootTask* prev = nullptr;  // the reactor's list of live tasks
  RootTask* next = nullptr;

  const char* name() const noexcept { return name_; }
  bool done() const noexcept { return done_; }

  /// Called by the task's driver when it has ended.
  void finish() noexcept;
  /// The JoinHandle (or its awaiter) lets go.
  void release_handle() noexcept;
  void set_joiner(std::coroutine_handle<> joiner) noexcept { joiner_ = joiner; }
  /// The result is being taken by an awaiter: nothing is left to report at release.
  void mark_observed() noexcept { observed_ = true; }

  static void* operator new(std::size_t size) { return allocate_frame(size); }
  static void operator delete(void* block, std::size_t size) noexcept { deallocate_frame(block, size); }

 protected:
  std::exception_ptr error_;

 private:
  void log_unobserved_error() const noexcept;
  void unref() noexcept {
    if (--refs_ == 0) delete this;
  }

  const char* name_;
  std::coroutine_handle<> joiner_;
  unsigned refs_ = 2;  // the driver and the handle
  bool done_ = false;
  bool handle_alive_ = true;
  bool observed_ = false;

  template <class T>
  friend class SpawnState;
};

template <class T>
class SpawnState final : public RootTask {
 public:
  using RootTask::RootTask;
  std::optional<T> value;
  void set_error(std::exception_ptr error) noexcept { error_ = std::move(error); }
  T take() {
    if (error_) std::rethrow_exception(error_);
    return std::move(*value);
  }
};

template <>
class SpawnState<void> final : public RootTask {
 public:
  using RootTask::RootTask;
  void set_error(std::exception_ptr error) noexcept { error_ = std::move(error); }
  void take() const {
    if (error_) std::rethrow_exception(error_);
  }
};

/// The coroutine that runs a spawned task to its end and reports to its state.
struct Driver {
  struct promise_type : PromiseBase {
    RootTask* root = nullptr;
    Driver get_return_object() noexcept { return Driver{std::coroutine_handle<promise_type>::from_promise(*this)}; }
    void return_void() const noexcept {}
    struct Finish {
      bool await_ready() const noexcept { return false; }
      void await_suspend(std::coroutine_handle<promise_type> self) const noexcept {
        RootTask* root = self.promise().root;
        self.destroy();
        root->finish();
      }
      void await_resume() const noexcept {}
    };
    Finish final_suspend() const noexcept { return {}; }
  };
  std::coroutine_handle<promise_type> handle;
};

template <class T>
Driver drive(Task<T> task, SpawnState<T>* state) {
  auto& outcome = co_await settle(task);
  if (outcome.error) {
    state->set_error(std::move(outcome.error));
  } else if constexpr (!std::is_void_v<T>) {
    try {
      state->value.emplace(std::move(*outcome.value));
    } catch (...) {
      state->set_error(std::current_exception());
    }
  }
}

}  // namespace detail

template <class T>
class [[nodiscard]] JoinHandle {
 public:
  JoinHandle() noexcept = default;
  explicit JoinHandle(detail::SpawnState<T>* state) noexcept : state_(state) {}
  JoinHandle(JoinHandle&& other) noexcept : state_(std::exchange(other.state_, nullptr)) {}
  JoinHandle& operator=(JoinHandle&& other) noexcept {
    if (this != &other) {
      drop();
      state_ = std::exchange(other.state_, nullptr);
    }
    return *this;
  }
  ~JoinHandle() { drop(); }

  bool valid() const noexcept { return state_ != nullptr; }
  /// True once the task has finished (its result is ready).
  bool done() const noexcept { return state_ != nullptr && state_->done(); }
  /// Asks the task to stop. Idempotent; no effect once it has finished.
  void cancel() noexcept {
    if (state_ != nullptr && !state_->done()) state_->cancel.request();
  }
  /// Lets the task run on unobserved.
  void detach() noexcept { drop(); }

  struct Awaiter {
    detail::SpawnState<T>* state;
    CancelState* waiter_cancel = nullptr;

    bool await_ready() const noexcept { return state->done(); }
    template <class P>
    void await_suspend(std::coroutine_handle<P> waiter) noexcept {
      waiter_cancel = waiter.promise().cancel;
      state->set_joiner(waiter);
      auto propagate = [](void* arg) noexcept { static_cast<detail::RootTask*>(arg)->cancel.request(); };
      if (!detail::arm_cancel(waiter_cancel, propagate, state)) state->cancel.request();
    }
    T await_resume() {
      if (waiter_cancel != nullptr) {
        detail::disarm_cancel(waiter_cancel);
        detail::set_current_cancel_state(waiter_cancel);
      }
      state->set_joiner({});
      state->mark_observed();
      return state->take();
    }
  };

  /// Waits for the task and returns its result.
  /// Cancellation: total — cancelling the waiter cancels the task and still awaits it.
  /// Completes inline: may (when the task has already finished).
  Awaiter operator co_await() & noexcept { return Awaiter{state_}; }
  Awaiter operator co_await() && noexcept { return Awaiter{state_}; }

 private:
  void drop() noexcept {
    if (state_ != nullptr) std::exchange(state_, nullptr)->release_handle();
  }

  detail::SpawnState<T>* state_ = nullptr;
};

/// Starts `task` concurrently on this core; see the top of this header.
/// Cancellation: the spawned task is independent of the spawner; cancel it through the handle.
/// Completes inline: never (spawn itself does not wait).
template <class T>
JoinHandle<T> spawn(Task<T> task, std::source_location where = std::source_location::current()) {
  detail::require_reactor("weft::spawn");
  auto* state = new detail::SpawnState<T>(where.function_name());
  state->cancel.created_at = where;
  if (const CancelState* spawner = detail::current_cancel_state()) {
    state->cancel.context = spawner->context;
    state->cancel.spawned_by = spawner->id;
  }
  detail::Driver driver = detail::drive(std::move(task), state);
  driver.handle.promise().root = state;
  driver.handle.promise().cancel = &state->cancel;
  state->cancel.innermost = &driver.handle.promise();
  detail::start_root(state, driver.handle);
  return JoinHandle<T>(state);
}

}  // namespace weft
