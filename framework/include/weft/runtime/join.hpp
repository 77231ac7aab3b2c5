// join and join_all: run every branch concurrently and wait for all of them; the
// first exception (in time) is rethrown after every branch has ended.
//
// Policy, sentence by sentence (each has a test in tests/unit/runtime/join_test.cpp):
// - Branches start in argument order on this core and run concurrently.
// - join waits for every branch, whatever happens to the others: a failing branch
//   does not cancel its siblings.
// - Results come back in argument order, whatever the completion order (void →
//   std::monostate).
// - If any branch threw, the exception that was thrown first is rethrown once every
//   branch has ended; the other results and exceptions are discarded.
// - Cancelling the task that awaits join cancels every branch; join still waits for all.
#pragma once

#include <weft/core/task.hpp>
#include <weft/runtime/detail/branches.hpp>

#include <cstddef>
#include <tuple>
#include <utility>
#include <vector>

namespace weft {

namespace detail {

/// Counts running branches and remembers which one failed first.
class JoinCounter : public BranchGroup {
 public:
  std::coroutine_handle<> branch_done(unsigned index) noexcept override {
    if (failed(index) && first_error_ == kNone) first_error_ = index;
    if (--running_ == 0 && !starting_) return parent_;
    return std::noop_coroutine();
  }

 protected:
  static constexpr unsigned kNone = ~0u;
  virtual bool failed(unsigned index) const noexcept = 0;

  template <class Start>
  bool suspend_after_starting(std::coroutine_handle<> parent, Start&& start_all) {
    parent_ = parent;
    starting_ = true;
    start_all();
    starting_ = false;
    return running_ != 0;
  }

  std::coroutine_handle<> parent_;
  unsigned running_ = 0;
  unsigned first_error_ = kNone;
  bool starting_ = false;
};

template <class... T>
class JoinAwaiter final : public JoinCounter {
 public:
  using Tuple = std::tuple<value_or_monostate<T>...>;

  explicit JoinAwaiter(Task<T>... tasks) : tasks_(std::move(tasks)...) {}

  bool await_ready() const noexcept { return false; }

  template <class P>
  bool await_suspend(std::coroutine_handle<P> parent) {
    parent_cancel_ = parent.promise().cancel;
    return suspend_after_starting(parent, [&] { start(std::index_sequence_for<T...>{}); });
  }

  Tuple await_resume() {
    set_current_cancel_state(parent_cancel_);
    if (first_error_ != kNone) rethrow(std::index_sequence_for<T...>{});
    return std::apply([](auto&... slot) { return Tuple(slot.take()...); }, slots_);
  }

 private:
  bool failed(unsigned index) const noexcept override {
    return failed_at(index, std::index_sequence_for<T...>{});
  }
  template <std::size_t... I>
  bool failed_at(unsigned index, std::index_sequence<I...>) const noexcept {
    return ((index == I && std::get<I>(slots_).error != nullptr) || ...);
  }
  template <std::size_t... I>
  void rethrow(std::index_sequence<I...>) {
    ((first_error_ == I ? std::rethrow_exception(std::get<I>(slots_).error) : void()), ...);
  }
  template <std::size_t... I>
  void start(std::index_sequence<I...>) {
    ((++running_,
      make_branch(std::move(std::get<I>(tasks_)), &std::get<I>(slots_), this, I, parent_cancel_).resume()),
     ...);
  }

  std::tuple<Task<T>...> tasks_;
  std::tuple<BranchSlot<T>...> slots_;
  CancelState* parent_cancel_ = nullptr;
};

template <class T>
class JoinAllAwaiter final : public JoinCounter {
 public:
  explicit JoinAllAwaiter(std::vector<Task<T>> tasks) : tasks_(std::move(tasks)), slots_(tasks_.size()) {}

  bool await_ready() const noexcept { return tasks_.empty(); }

  template <class P>
  bool await_suspend(std::coroutine_handle<P> parent) {
    parent_cancel_ = parent.promise().cancel;
    return suspend_after_starting(parent, [&] {
      for (unsigned i = 0; i < tasks_.size(); ++i) {
        ++running_;
        make_branch(std::move(tasks_[i]), &slots_[i], this, i, parent_cancel_).resume();
      }
    });
  }

  std::vector<value_or_monostate<T>> await_resume() {
    set_current_cancel_state(parent_cancel_);
    if (first_error_ != kNone) std::rethrow_exception(slots_[first_error_].error);
    std::vector<value_or_monostate<T>> out;
    out.reserve(slots_.size());
    for (auto& slot : slots_) out.push_back(slot.take());
    return out;
  }

 private:
  bool failed(unsigned index) const noexcept override { return slots_[index].error != nullptr; }

  std::vector<Task<T>> tasks_;
  std::vector<BranchSlot<T>> slots_;
  CancelState* parent_cancel_ = nullptr;
};

}  // namespace detail

/// Runs the tasks concurrently, waits for all, returns their results in argument
/// order; the first exception is rethrown after all branches end (policy at the top).
/// Cancellation: total — cancelling the caller cancels every branch, each awaited.
/// Completes inline: may (when every branch finishes while starting).
template <class... T>
Task<std::tuple<detail::value_or_monostate<T>...>> join(Task<T>... tasks) {
  co_return co_await detail::JoinAwaiter<T...>(std::move(tasks)...);
}

/// join for a run-time number of tasks; results in input order whatever the
/// completion order.
/// Cancellation: total — cancelling the caller cancels every branch, each awaited.
/// Completes inline: may (when every branch finishes while starting, or none is given).
template <class T>
Task<std::vector<detail::value_or_monostate<T>>> join_all(std::vector<Task<T>> tasks) {
  co_return co_await detail::JoinAllAwaiter<T>(std::move(tasks));
}

}  // namespace weft
