// select: the first branch to finish wins; the losers are cancelled and then awaited,
// so when select returns every branch has finished. The earliest argument wins ties.
//
// Policy, sentence by sentence (each has a test in tests/unit/runtime/select_test.cpp):
// - Branches start in argument order. If one finishes while they are being started,
//   it wins and the later branches never start (their tasks are destroyed unrun).
// - Otherwise the winner is the earliest argument among the branches that finished in
//   the same run-queue turn as the first one to finish.
// - Every other started branch is then cancelled, and select waits until each has
//   finished. A loser's side effects are exactly what its code does before its next
//   wait and on its error path; its result or exception is discarded.
// - The winner's outcome is select's: its value as the variant alternative of its
//   index (void → std::monostate), or its exception rethrown.
// - Cancelling the task that awaits select cancels every branch; select then returns
//   the outcome of whichever finished first (usually weft::Cancelled is rethrown).
#pragma once

#include <weft/core/task.hpp>
#include <weft/runtime/detail/branches.hpp>

#include <array>
#include <cstddef>
#include <optional>
#include <tuple>
#include <utility>
#include <variant>

namespace weft {

namespace detail {

template <class... T>
class SelectAwaiter final : public BranchGroup {
  static constexpr std::size_t N = sizeof...(T);

 public:
  using Variant = std::variant<value_or_monostate<T>...>;

  explicit SelectAwaiter(Task<T>... tasks) : tasks_(std::move(tasks)...) {}
  SelectAwaiter(const SelectAwaiter&) = delete;
  SelectAwaiter& operator=(const SelectAwaiter&) = delete;

  bool await_ready() const noexcept { return false; }

  template <class P>
  bool await_suspend(std::coroutine_handle<P> parent) {
    parent_ = parent;
    parent_cancel_ = parent.promise().cancel;
    starting_ = true;
    start_each(parent_cancel_, std::index_sequence_for<T...>{});
    starting_ = false;
    if (winner_ < N) cancel_losers();
    return !(winner_ < N && running_ == 0);
  }

  Variant await_resume() {
    set_current_cancel_state(parent_cancel_);
    return take(std::make_index_sequence<N>{});
  }

  std::coroutine_handle<> branch_done(unsigned index) noexcept override {
    finished_[index] = true;
    --running_;
    if (starting_) {
      if (winner_ == N) winner_ = index;
      return std::noop_coroutine();
    }
    if (winner_ == N && !deciding_) {
      deciding_ = true;
      schedule_call(&SelectAwaiter::decide_thunk, this);
    }
    if (winner_ < N && running_ == 0) return parent_;
    return std::noop_coroutine();
  }

 private:
  template <std::size_t... I>
  void start_each(CancelState* parent_cancel, std::index_sequence<I...>) {
    (start_one<I>(parent_cancel), ...);
  }

  template <std::size_t I>
  void start_one(CancelState* parent_cancel) {
    if (winner_ < N) return;  // an earlier branch already finished: never start this one
    auto handle = make_branch(std::move(std::get<I>(tasks_)), &std::get<I>(slots_), this, I, parent_cancel);
    cancels_[I] = &handle.promise().own_cancel;
    ++running_;
    handle.resume();
  }

  static void decide_thunk(void* self) noexcept { static_cast<SelectAwaiter*>(self)->decide(); }

  void decide() noexcept {
    for (unsigned i = 0; i < N; ++i) {
      if (finished_[i]) {
        winner_ = i;
        break;
      }
    }
    cancel_losers();
    if (running_ == 0) schedule(parent_);
  }

  void cancel_losers() noexcept {
    for (unsigned i = 0; i < N; ++i) {
      if (cancels_[i] != nullptr && !finished_[i]) cancels_[i]->request();
    }
  }

  template <std::size_t... I>
  Variant take(std::index_sequence<I...>) {
    std::optional<Variant> out;
    (void)((winner_ == I ? (out.emplace(std::in_place_index<I>, std::get<I>(slots_).take()), true) : false) || ...);
    return std::move(*out);
  }

  std::tuple<Task<T>...> tasks_;
  std::tuple<BranchSlot<T>...> slots_;
  std::array<CancelState*, N> cancels_{};
  std::array<bool, N> finished_{};
  std::coroutine_handle<> parent_;
  CancelState* parent_cancel_ = nullptr;
  unsigned running_ = 0;
  unsigned winner_ = N;
  bool starting_ = false;
  bool deciding_ = false;
};

}  // namespace detail

/// Races the tasks: the first to finish wins, the losers are cancelled and awaited
/// before select returns; the earliest argument wins ties (full policy at the top).
/// Cancellation: total — cancelling the caller cancels every branch, each awaited.
/// Completes inline: may (when a branch finishes while starting and no loser waits).
template <class... T>
  requires(sizeof...(T) >= 1)
Task<std::variant<detail::value_or_monostate<T>...>> select(Task<T>... tasks) {
  co_return co_await detail::SelectAwaiter<T...>(std::move(tasks)...);
}

}  // namespace weft
