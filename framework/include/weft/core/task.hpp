// Task<T>: weft's coroutine type.
//
// - Lazy: nothing runs until the task is awaited (or handed to spawn/select/join).
// - Move-only and awaited once; destroying an unawaited task destroys its frame.
// - Symmetric transfer both ways: awaiting a task jumps straight into it, and its end
//   jumps straight back, so a chain of tasks that complete synchronously does not
//   grow the stack.
// - An exception escaping the body is rethrown by `co_await`.
// - Frames come from the per-thread frame pools (frame_allocator.hpp).
// - An awaited task runs in the cancellation state of the task awaiting it.
#pragma once

#include <weft/core/cancellation.hpp>
#include <weft/core/frame_allocator.hpp>

#include <coroutine>
#include <exception>
#include <optional>
#include <source_location>
#include <type_traits>
#include <utility>

namespace weft {

template <class T = void>
class Task;

namespace detail {

/// What every weft promise has: who to resume at the end, the cancellation state,
/// and, for task dumps, the frame awaiting this one and where this one last awaited.
struct PromiseBase {
  std::coroutine_handle<> continuation;
  CancelState* cancel = nullptr;
  std::exception_ptr error;
  PromiseBase* awaiter = nullptr;
  std::source_location suspended_at;

  /// Records the place of every co_await in a weft coroutine (one pointer store),
  /// then awaits as usual: through the operand's member operator co_await, or the
  /// operand itself by reference (GCC 12 would copy a returned reference).
  template <class A>
  auto await_transform(A&& awaitable, std::source_location where = std::source_location::current()) noexcept {
    suspended_at = where;
    if constexpr (requires { static_cast<A&&>(awaitable).operator co_await(); }) {
      return static_cast<A&&>(awaitable).operator co_await();
    } else {
      return AwaitByReference<std::remove_reference_t<A>>{awaitable};
    }
  }

  template <class A>
  struct AwaitByReference {
    A& awaitable;
    bool await_ready() { return awaitable.await_ready(); }
    template <class H>
    auto await_suspend(H handle) {
      return awaitable.await_suspend(handle);
    }
    decltype(auto) await_resume() { return awaitable.await_resume(); }
  };

  static void* operator new(std::size_t size) { return allocate_frame(size); }
  static void operator delete(void* frame, std::size_t size) noexcept { deallocate_frame(frame, size); }

  /// Lazy start; the first step makes this task's cancellation state current, so
  /// weft::cancelled() is right from a task's first line.
  struct InitialAwaiter {
    const PromiseBase* promise;
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<>) const noexcept {}
    void await_resume() const noexcept { set_current_cancel_state(promise->cancel); }
  };
  InitialAwaiter initial_suspend() const noexcept { return InitialAwaiter{this}; }

  struct FinalAwaiter {
    bool await_ready() const noexcept { return false; }
    template <class P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> self) const noexcept {
      std::coroutine_handle<> next = self.promise().continuation;
      return next ? next : std::noop_coroutine();
    }
    void await_resume() const noexcept {}
  };
  FinalAwaiter final_suspend() const noexcept { return {}; }

  void unhandled_exception() noexcept { error = std::current_exception(); }
};

/// `child` starts running in `parent`'s unit: it resumes `parent` at its end and
/// becomes the innermost frame a task dump shows.
template <class P>
void enter_child(PromiseBase& child, P& parent) noexcept {
  child.continuation = std::coroutine_handle<P>::from_promise(parent);
  child.cancel = parent.cancel;
  child.awaiter = &parent;
  if (child.cancel != nullptr) child.cancel->innermost = &child;
}

/// `child` has ended: its awaiter is the innermost frame again.
inline void leave_child(PromiseBase& child) noexcept {
  set_current_cancel_state(child.cancel);
  if (child.cancel != nullptr) child.cancel->innermost = child.awaiter;
}

template <class T>
struct Promise : PromiseBase {
  std::optional<T> value;
  Task<T> get_return_object() noexcept;
  template <class U = T>
    requires std::is_convertible_v<U&&, T>
  void return_value(U&& result) noexcept(std::is_nothrow_constructible_v<T, U&&>) {
    value.emplace(std::forward<U>(result));
  }
  T take() {
    if (error) std::rethrow_exception(error);
    return std::move(*value);
  }
};

template <>
struct Promise<void> : PromiseBase {
  Task<void> get_return_object() noexcept;
  void return_void() const noexcept {}
  void take() const {
    if (error) std::rethrow_exception(error);
  }
};

}  // namespace detail

template <class T>
class [[nodiscard]] Task {
 public:
  using promise_type = detail::Promise<T>;
  using value_type = T;
  using Handle = std::coroutine_handle<promise_type>;

  Task() noexcept = default;
  explicit Task(Handle handle) noexcept : handle_(handle) {}
  Task(Task&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
  Task& operator=(Task&& other) noexcept {
    if (this != &other) {
      reset();
      handle_ = std::exchange(other.handle_, {});
    }
    return *this;
  }
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;
  ~Task() { reset(); }

  bool valid() const noexcept { return static_cast<bool>(handle_); }

  struct Awaiter {
    Handle child;

    bool await_ready() const noexcept { return false; }

    template <class P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> parent) noexcept {
      detail::enter_child(child.promise(), parent.promise());
      return child;
    }

    T await_resume() {
      detail::leave_child(child.promise());
      return child.promise().take();
    }
  };

  /// Runs the task to completion in the awaiting task's cancellation state.
  /// Cancellation: as the task's own waits document.
  /// Completes inline: never (control passes into the task; it returns by symmetric transfer).
  Awaiter operator co_await() && noexcept { return Awaiter{handle_}; }

  /// For spawn/select/join and runtimes: hands the frame over.
  Handle release() noexcept { return std::exchange(handle_, {}); }
  Handle handle() const noexcept { return handle_; }

 private:
  void reset() noexcept {
    if (handle_) handle_.destroy();
    handle_ = {};
  }

  Handle handle_;
};

namespace detail {

/// Awaits `task` (which must stay alive) and yields its promise instead of rethrowing
/// its exception: drivers (spawn, select, join) move the outcome on without paying
/// for a throw, so a cancelled branch costs no exception unwinding.
template <class T>
struct SettleAwaiter {
  std::coroutine_handle<Promise<T>> child;

  bool await_ready() const noexcept { return false; }
  template <class P>
  std::coroutine_handle<> await_suspend(std::coroutine_handle<P> parent) noexcept {
    enter_child(child.promise(), parent.promise());
    return child;
  }
  Promise<T>& await_resume() noexcept {
    leave_child(child.promise());
    return child.promise();
  }
};

template <class T>
SettleAwaiter<T> settle(Task<T>& task) noexcept {
  return SettleAwaiter<T>{task.handle()};
}

template <class T>
Task<T> Promise<T>::get_return_object() noexcept {
  return Task<T>(std::coroutine_handle<Promise<T>>::from_promise(*this));
}
inline Task<void> Promise<void>::get_return_object() noexcept {
  return Task<void>(std::coroutine_handle<Promise<void>>::from_promise(*this));
}

template <class T>
struct is_task : std::false_type {};
template <class T>
struct is_task<Task<T>> : std::true_type {};
}  // namespace detail

template <class T>
inline constexpr bool is_task_v = detail::is_task<std::remove_cvref_t<T>>::value;

}  // namespace weft
