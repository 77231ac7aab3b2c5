// Cancellation state of one concurrently running unit of work: a spawned task, or one
// branch of select/join. Tasks awaited in sequence (`co_await child()`) share the
// state of the task that awaits them, so one state covers a whole await chain.
//
// Who owns what: a state lives in the frame or shared block of the unit it belongs
// to and is only touched on that unit's core. A state created under a parent is
// linked to it: cancelling the parent cancels every child, transitively (a select
// inside a cancelled task cancels its branches). A child created under an already
// cancelled parent starts cancelled.
//
// The wait a unit is suspended in (I/O, sleep, lock...) registers a hook; request()
// calls it once so the wait can complete promptly with operation_canceled. Hooks
// must not resume coroutines inline: they schedule.
//
// A state also carries its unit's task-local context (core/context.hpp) and what a
// task dump needs to describe it.
#pragma once

#include <memory>
#include <source_location>

namespace weft {

namespace detail {
struct ContextMap;
struct PromiseBase;
}

class CancelState {
 public:
  using Hook = void (*)(void* arg) noexcept;

  CancelState() noexcept = default;
  explicit CancelState(CancelState* parent) noexcept;
  ~CancelState();

  CancelState(const CancelState&) = delete;
  CancelState& operator=(const CancelState&) = delete;

  bool requested() const noexcept { return requested_; }

  /// Asks this unit and its children to stop. Idempotent.
  void request() noexcept;

  /// Registers the hook of the wait this unit is suspended in (one at a time).
  void set_hook(Hook hook, void* arg) noexcept {
    hook_ = hook;
    hook_arg_ = arg;
  }
  void clear_hook() noexcept { hook_ = nullptr; }

  /// This unit's task-local context (context.hpp); children start with a copy.
  std::shared_ptr<const detail::ContextMap> context;

  // What a task dump shows (runtime/task_dump.hpp): the id of the spawned task this
  // unit belongs to (unique per core; a branch carries its task's), where the unit was
  // created, the task that spawned it (0: none), and the innermost frame of its await
  // chain (kept current by Task's awaiter).
  unsigned id = 0;
  unsigned spawned_by = 0;
  std::source_location created_at;
  detail::PromiseBase* innermost = nullptr;

  CancelState* first_child() const noexcept { return first_child_; }
  CancelState* next_sibling() const noexcept { return next_sibling_; }

 private:
  void link(CancelState* parent) noexcept;
  void unlink() noexcept;

  CancelState* parent_ = nullptr;
  CancelState* first_child_ = nullptr;
  CancelState* prev_sibling_ = nullptr;
  CancelState* next_sibling_ = nullptr;
  Hook hook_ = nullptr;
  void* hook_arg_ = nullptr;
  bool requested_ = false;
};

/// True when the task running on this thread has been asked to stop; CPU-bound loops
/// poll it. False outside a weft task.
bool cancelled() noexcept;

namespace detail {
/// The cancellation state of the task being resumed on this thread (set by the
/// reactor's run loop and by Task's awaiter). Inline: every resume of a task sets it.
extern constinit thread_local CancelState* t_current_cancel_state;
inline CancelState* current_cancel_state() noexcept { return t_current_cancel_state; }
inline void set_current_cancel_state(CancelState* state) noexcept { t_current_cancel_state = state; }
}  // namespace detail

}  // namespace weft
