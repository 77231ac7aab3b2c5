// Oneshot<T>: one value from one sender to one receiver, between the tasks of one
// core. Core-local: no atomics, no locks.
//
//   weft::Oneshot<int> reply;                       // the receiving end
//   weft::spawn(compute(reply.sender()));           // compute() calls sender.send(42)
//   weft::Result<int> value = co_await reply.recv();
//
// The Oneshot object is the receiving end; sender() hands out its one Sender. Both
// ends share a small state block (one allocation from this thread's frame pool per
// Oneshot, none per wait), so either end may outlive the other, and a recv() task may
// outlive its Oneshot (a function may `return reply.recv();`).
//
// Policy, sentence by sentence (each has a test in tests/unit/sync/oneshot_test.cpp):
// - recv() returns the value at once if it was sent; otherwise it waits for send().
// - Dropping the Sender without sending wakes recv() with errc::closed.
// - The value is received once: after it was taken, recv() fails with errc::closed.
// - send() fails with errc::closed when the receiving end (the Oneshot and every
//   recv() task it made) is gone; the value is destroyed. send() never waits.
// - Cancelling a waiting recv() makes it fail with operation_canceled; the Sender can
//   still send, and a later recv() gets the value.
// - Cancellation wins until the receiver runs, and nothing is handed to it before it
//   runs: a receiver woken by send() but cancelled before it resumes fails with
//   operation_canceled and the value stays for the next recv(). So a recv() that
//   loses a select never swallows the value.
// - recv() in a task that is already cancelled fails at once with operation_canceled
//   and takes nothing; try_recv() is never cancelled.
// - Misuse throws std::logic_error: a second sender(), a second send(), send() on an
//   empty Sender, and recv() while another recv() waits.
#pragma once

#include <weft/core/frame_allocator.hpp>
#include <weft/core/result.hpp>
#include <weft/core/task.hpp>
#include <weft/runtime/detail/scheduling.hpp>
#include <weft/sync/detail/wait_list.hpp>

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <utility>

namespace weft {

namespace detail {

/// What both ends of a Oneshot share. Counted references: the Oneshot, its Sender,
/// and each recv() task. The receiving end is the Oneshot and its recv() tasks: while
/// any of them lives, a send is delivered.
template <class T>
struct OneshotState {
  std::optional<T> value;
  Waiter* receiver = nullptr;  // the recv() waiting, if any
  unsigned refs = 1;           // the Oneshot, its Sender, its recv() tasks
  unsigned receiving = 1;      // the Oneshot and its recv() tasks
  bool sender_taken = false;
  bool sender_done = false;  // sent, or dropped unsent
  bool taken = false;        // the value has been received

  void ref() noexcept { ++refs; }
  void unref() noexcept {
    if (--refs == 0) delete this;
  }
  bool receiver_alive() const noexcept { return receiving > 0; }
  void release_receiving() noexcept {
    if (--receiving == 0) value.reset();  // nobody can receive it any more
  }
  void wake_receiver() noexcept {
    if (Waiter* waiter = std::exchange(receiver, nullptr)) grant(*waiter);
  }

  static void* operator new(std::size_t size) { return allocate_frame(size); }
  static void operator delete(void* block, std::size_t size) noexcept { deallocate_frame(block, size); }
};

}  // namespace detail

template <class T>
class Oneshot {
 public:
  /// The sending end: move-only; send() at most once. Dropping it unsent closes the Oneshot.
  class Sender {
   public:
    Sender() noexcept = default;
    Sender(Sender&& other) noexcept : state_(std::exchange(other.state_, nullptr)) {}
    Sender& operator=(Sender&& other) noexcept {
      if (this != &other) {
        drop();
        state_ = std::exchange(other.state_, nullptr);
      }
      return *this;
    }
    Sender(const Sender&) = delete;
    Sender& operator=(const Sender&) = delete;
    ~Sender() { drop(); }

    /// Delivers `value` and wakes the receiver; errc::closed when the receiving end is gone.
    Result<void> send(T value) {
      if (state_ == nullptr) throw std::logic_error("weft::Oneshot::Sender::send on an empty Sender");
      if (state_->sender_done) throw std::logic_error("weft::Oneshot::Sender::send called twice");
      state_->sender_done = true;
      if (!state_->receiver_alive()) return fail(errc::closed);
      state_->value.emplace(std::move(value));
      state_->wake_receiver();
      return {};
    }
    /// True when the receiving end is gone (a send would fail).
    bool is_closed() const noexcept { return state_ == nullptr || !state_->receiver_alive(); }
    bool valid() const noexcept { return state_ != nullptr; }

   private:
    friend class Oneshot;
    explicit Sender(detail::OneshotState<T>* state) noexcept : state_(state) { state_->ref(); }

    void drop() noexcept {
      detail::OneshotState<T>* state = std::exchange(state_, nullptr);
      if (state == nullptr) return;
      if (!state->sender_done) {
        state->sender_done = true;
        state->wake_receiver();  // it will find nothing: errc::closed
      }
      state->unref();
    }

    detail::OneshotState<T>* state_ = nullptr;
  };

  Oneshot() : state_(new detail::OneshotState<T>) {}
  Oneshot(Oneshot&& other) noexcept : state_(std::exchange(other.state_, nullptr)) {}
  Oneshot& operator=(Oneshot&& other) noexcept {
    if (this != &other) {
      drop();
      state_ = std::exchange(other.state_, nullptr);
    }
    return *this;
  }
  Oneshot(const Oneshot&) = delete;
  Oneshot& operator=(const Oneshot&) = delete;
  ~Oneshot() { drop(); }

  /// The one Sender of this Oneshot; a second call throws std::logic_error.
  Sender sender() {
    if (state_ == nullptr) throw std::logic_error("weft::Oneshot::sender on a moved-from Oneshot");
    if (state_->sender_taken) throw std::logic_error("weft::Oneshot::sender called twice");
    state_->sender_taken = true;
    return Sender(state_);
  }

  /// Waits for the value; errc::closed if the Sender was dropped unsent or the value was already received.
  /// Cancellation: total — fails with operation_canceled and takes nothing (a value that woke the receiver stays for the next recv()).
  /// Completes inline: may (when the value is there or the Oneshot is closed; after the task's budget of inline completions it yields once first).
  Task<Result<T>> recv();

  /// Takes the value without waiting: errc::closed as for recv(), std::errc::operation_would_block when not sent yet.
  Result<T> try_recv() { return take(*state_).value_or_error(); }

  /// True when recv() would complete without waiting.
  bool is_ready() const noexcept { return state_->value.has_value() || state_->sender_done || state_->taken; }

 private:
  class RecvAwaiter;

  struct Taken {
    std::optional<Result<T>> outcome;
    Result<T> value_or_error() {
      if (outcome) return std::move(*outcome);
      return fail(std::errc::operation_would_block);
    }
  };
  /// A counted reference to the state, held by recv()'s frame from the call on: the
  /// task is part of the receiving end and may outlive the Oneshot (run or not, the
  /// frame drops it).
  struct StateRef {
    detail::OneshotState<T>* state;
    explicit StateRef(detail::OneshotState<T>* s) noexcept : state(s) {
      state->ref();
      ++state->receiving;
    }
    StateRef(StateRef&& other) noexcept : state(std::exchange(other.state, nullptr)) {}
    StateRef& operator=(StateRef&&) = delete;
    ~StateRef() {
      if (state == nullptr) return;
      state->release_receiving();
      state->unref();
    }
  };

  static Taken take(detail::OneshotState<T>& state);
  /// recv()'s coroutine.
  /// Cancellation: total — as recv().
  /// Completes inline: may — as recv().
  static Task<Result<T>> receive(StateRef ref);

  void drop() noexcept {
    detail::OneshotState<T>* state = std::exchange(state_, nullptr);
    if (state == nullptr) return;
    state->release_receiving();
    state->unref();
  }

  detail::OneshotState<T>* state_;
};

// The receiver; lives in the frame of recv()'s coroutine. A wake-up hands it nothing:
// it takes the value when it runs, so a cancellation before then leaves it in place.
template <class T>
class Oneshot<T>::RecvAwaiter : private detail::Waiter {
 public:
  RecvAwaiter(detail::OneshotState<T>& state, std::optional<Result<T>>& outcome) noexcept
      : state_(state), outcome_(outcome) {}
  RecvAwaiter(const RecvAwaiter&) = delete;
  RecvAwaiter& operator=(const RecvAwaiter&) = delete;
  ~RecvAwaiter() {
    if (state_.receiver == this) state_.receiver = nullptr;
  }

  bool await_ready() const noexcept { return false; }

  template <class P>
  bool await_suspend(std::coroutine_handle<P> waiter) {
    cancel = waiter.promise().cancel;
    if (detail::cancel_requested(cancel)) {
      state = State::cancelled;
      return false;
    }
    if (state_.value.has_value() || state_.sender_done || state_.taken) {
      return detail::finish_inline_or_yield(*this, waiter, &RecvAwaiter::on_cancel, this);
    }
    detail::arm_cancel(cancel, &RecvAwaiter::on_cancel, this);
    handle = waiter;
    state = State::queued;
    state_.receiver = this;
    return true;
  }

  void await_resume() {
    detail::disarm_cancel(cancel);
    detail::set_current_cancel_state(cancel);
    if (state == State::cancelled) {
      outcome_.emplace(fail(std::errc::operation_canceled));
    } else {
      // Set: a wake-up always has a reason (a value, or the sender gone).
      outcome_.emplace(std::move(*Oneshot::take(state_).outcome));
    }
  }

 private:
  static void on_cancel(void* arg) noexcept {
    auto* self = static_cast<RecvAwaiter*>(arg);
    if (self->state == State::queued) {
      self->state_.receiver = nullptr;
      detail::resume_cancelled(*self);
    } else {
      self->state = State::cancelled;  // woken, not yet run: it is scheduled already
    }
  }

  detail::OneshotState<T>& state_;
  std::optional<Result<T>>& outcome_;
};

template <class T>
typename Oneshot<T>::Taken Oneshot<T>::take(detail::OneshotState<T>& state) {
  Taken taken;
  if (state.value.has_value()) {
    taken.outcome.emplace(std::move(*state.value));
    state.value.reset();
    state.taken = true;
  } else if (state.sender_done || state.taken) {
    taken.outcome.emplace(fail(errc::closed));
  }
  return taken;
}

template <class T>
Task<Result<T>> Oneshot<T>::recv() {
  if (state_ == nullptr) throw std::logic_error("weft::Oneshot::recv on a moved-from Oneshot");
  return receive(StateRef(state_));
}

template <class T>
Task<Result<T>> Oneshot<T>::receive(StateRef ref) {
  detail::require_reactor("weft::Oneshot::recv");
  if (ref.state->receiver != nullptr) throw std::logic_error("weft::Oneshot::recv: another recv() is already waiting");
  std::optional<Result<T>> outcome;
  co_await RecvAwaiter(*ref.state, outcome);
  co_return std::move(*outcome);
}

}  // namespace weft
