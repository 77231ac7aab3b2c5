// The machinery shared by select, join and join_all: run several tasks at once on
// this core, each in its own cancellation state (a child of the awaiting task's, so
// cancelling the awaiting task cancels every branch), and resume the awaiting task
// once every started branch has finished.
#pragma once

#include <weft/core/cancellation.hpp>
#include <weft/core/task.hpp>
#include <weft/runtime/detail/scheduling.hpp>

#include <coroutine>
#include <exception>
#include <memory>
#include <optional>
#include <type_traits>
#include <variant>

namespace weft::detail {

/// void results become std::monostate so they fit in tuples and variants.
template <class T>
using value_or_monostate = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

/// Where a branch leaves its outcome.
template <class T>
struct BranchSlot {
  std::optional<value_or_monostate<T>> value;
  std::exception_ptr error;
  bool finished() const noexcept { return value.has_value() || error != nullptr; }
  value_or_monostate<T> take() {
    if (error) std::rethrow_exception(error);
    return std::move(*value);
  }
};

class BranchGroup {
 public:
  virtual ~BranchGroup() = default;
  /// A branch has finished; its slot is filled. Runs on the branch's last step and
  /// returns the coroutine to transfer to (the awaiting task, or noop).
  virtual std::coroutine_handle<> branch_done(unsigned index) noexcept = 0;
};

/// The coroutine that runs one branch and reports to its group.
struct BranchDriver {
  struct promise_type : PromiseBase {
    BranchGroup* group = nullptr;
    unsigned index = 0;
    CancelState own_cancel;

    BranchDriver get_return_object() noexcept {
      return BranchDriver{std::coroutine_handle<promise_type>::from_promise(*this)};
    }
    void return_void() const noexcept {}
    struct Finish {
      bool await_ready() const noexcept { return false; }
      std::coroutine_handle<> await_suspend(std::coroutine_handle<promise_type> self) const noexcept {
        BranchGroup* group = self.promise().group;
        const unsigned index = self.promise().index;
        self.destroy();
        return group->branch_done(index);
      }
      void await_resume() const noexcept {}
    };
    Finish final_suspend() const noexcept { return {}; }
  };
  std::coroutine_handle<promise_type> handle;
};

template <class T>
BranchDriver run_branch(Task<T> task, BranchSlot<T>* slot) {
  auto& outcome = co_await settle(task);
  if (outcome.error) {
    slot->error = std::move(outcome.error);
  } else if constexpr (std::is_void_v<T>) {
    slot->value.emplace();
  } else {
    try {
      slot->value.emplace(std::move(*outcome.value));
    } catch (...) {
      slot->error = std::current_exception();
    }
  }
}

/// Prepares a branch driver: own cancellation state under `parent`, reporting to `group`.
template <class T>
std::coroutine_handle<BranchDriver::promise_type> make_branch(Task<T> task, BranchSlot<T>* slot,
                                                              BranchGroup* group, unsigned index,
                                                              CancelState* parent) {
  auto handle = run_branch(std::move(task), slot).handle;
  auto& promise = handle.promise();
  promise.group = group;
  promise.index = index;
  std::destroy_at(&promise.own_cancel);
  std::construct_at(&promise.own_cancel, parent);
  promise.cancel = &promise.own_cancel;
  promise.own_cancel.innermost = &promise;
  return handle;
}

}  // namespace weft::detail
