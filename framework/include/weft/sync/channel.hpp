// Channel<T>: a bounded FIFO of messages from many senders to one receiver, between
// the tasks of one core. Core-local: no atomics, no locks.
//
// Policy, sentence by sentence (each has a test in tests/unit/sync/channel_test.cpp):
// - Messages are received in the order their sends were accepted; senders that wait
//   are accepted in the order they started waiting (FIFO).
// - send() is accepted at once while fewer than `capacity` messages are buffered;
//   otherwise the sender waits until the receiver makes room.
// - Capacity 0 is a rendezvous: a send is accepted only when the receiver takes its
//   message, so send() returns once the message has been received.
// - recv() returns the oldest message at once if there is one; otherwise the receiver
//   waits for a send (or close()).
// - One receiver: recv() while another recv() on the same channel waits throws
//   std::logic_error. Any number of tasks may send.
// - close(): later sends fail with errc::closed; senders still waiting fail with
//   errc::closed and their messages are not delivered (each is destroyed with its
//   send); the receiver still gets every message accepted before close(), then
//   errc::closed. close() is idempotent.
// - Cancelling a waiting sender makes its send() fail with operation_canceled; its
//   message was never accepted and is destroyed with the send.
// - A send whose message the channel accepted has happened: it returns success even
//   if its task is cancelled before it resumes.
// - Cancelling the waiting receiver makes its recv() fail with operation_canceled.
// - Cancellation wins until the receiver runs, and nothing is handed to it before it
//   runs: a receiver woken by a send but cancelled before it resumes fails with
//   operation_canceled and the message stays in the channel for the next recv(). So
//   a recv() that loses a select (or with_timeout) never swallows a message.
// - send() and recv() in a task that is already cancelled fail at once with
//   operation_canceled and move nothing; try_send() and try_recv() are never
//   cancelled.
// - A task that sends or receives without waiting many times in a row yields to the
//   other ready tasks once its inline-completion budget is spent.
// - Destroying the channel destroys the messages still buffered. It must outlive its
//   waiters.
//
// Memory: the buffer grows by doubling up to `capacity` and is reused from then on;
// no allocation per message or per wait (waiters live in the waiting frames).
#pragma once

#include <weft/core/result.hpp>
#include <weft/core/task.hpp>
#include <weft/runtime/detail/scheduling.hpp>
#include <weft/sync/detail/ring.hpp>
#include <weft/sync/detail/wait_list.hpp>

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <utility>

namespace weft {

template <class T>
class Channel {
 public:
  /// A channel that buffers up to `capacity` messages (0: rendezvous).
  explicit Channel(std::size_t capacity) : buffer_(capacity) {}
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  /// Sends `value`; waits while the buffer is full. Fails with errc::closed once closed.
  /// Cancellation: total — a send not yet accepted fails with operation_canceled and its message is destroyed; an accepted one returns success.
  /// Completes inline: may (when there is room or the channel is closed; after the task's budget of inline completions it yields once first).
  Task<Result<void>> send(T value);

  /// Sends without waiting: on success `value` has been moved into the channel; on
  /// failure (errc::closed, or std::errc::operation_would_block when full) it is left
  /// untouched. On a rendezvous channel it always fails with operation_would_block:
  /// nothing may hold the message until the receiver runs.
  Result<void> try_send(T&& value);
  Result<void> try_send(const T& value);

  /// Receives the oldest message; waits while there is none. Fails with errc::closed once closed and drained.
  /// Cancellation: total — fails with operation_canceled and takes no message (a message that woke the receiver stays in the channel).
  /// Completes inline: may (when a message is buffered or the channel is closed; after the task's budget of inline completions it yields once first).
  Task<Result<T>> recv();

  /// Receives without waiting: errc::closed once closed and drained, std::errc::operation_would_block when empty.
  Result<T> try_recv();

  /// Closes the channel (see the top). Idempotent.
  void close() noexcept;

  bool is_closed() const noexcept { return closed_; }
  /// Messages buffered (accepted, not yet received); senders waiting are not counted.
  std::size_t size() const noexcept { return buffer_.size(); }
  std::size_t capacity() const noexcept { return buffer_.limit(); }
  /// Senders waiting for room.
  std::size_t waiting_senders() const noexcept { return senders_.size(); }

 private:
  class SendAwaiter;
  class RecvAwaiter;

  /// Moves `value` into the buffer if there is room, waking a waiting receiver.
  bool accept(T& value);
  /// Moves the oldest message into `slot`, accepting the first waiting sender's.
  bool take(std::optional<T>& slot);
  void wake_receiver() noexcept;

  detail::Ring<T> buffer_;
  detail::WaitList senders_;
  RecvAwaiter* receiver_ = nullptr;  // the receiver waiting for a message, if any
  bool closed_ = false;
};

// A sender waiting for room; lives in the frame of send()'s own coroutine and points
// at the message there. Its grant is final (complete()): the message has been moved
// into the channel, or the channel was closed.
template <class T>
class Channel<T>::SendAwaiter : private detail::Waiter {
 public:
  SendAwaiter(Channel& channel, T& value) noexcept : channel_(channel), value_(value) {}
  SendAwaiter(const SendAwaiter&) = delete;
  SendAwaiter& operator=(const SendAwaiter&) = delete;
  ~SendAwaiter() {
    if (state == State::queued) channel_.senders_.remove(*this);
  }

  bool await_ready() const noexcept { return false; }

  template <class P>
  bool await_suspend(std::coroutine_handle<P> waiter) {
    cancel = waiter.promise().cancel;
    if (detail::cancel_requested(cancel)) {
      error_ = std::make_error_code(std::errc::operation_canceled);
      return false;
    }
    if (channel_.closed_) {
      error_ = make_error_code(errc::closed);
    } else if (!channel_.accept(value_)) {
      detail::arm_cancel(cancel, &SendAwaiter::on_cancel, this);
      handle = waiter;
      channel_.senders_.push_back(*this);
      channel_.wake_receiver();  // rendezvous: the receiver takes from the queue
      return true;
    }
    if (detail::consume_budget()) return false;
    detail::schedule(waiter);  // accepted (or failed) for good; only yields
    return true;
  }

  Result<void> await_resume() noexcept {
    detail::disarm_cancel(cancel);
    detail::set_current_cancel_state(cancel);
    if (error_) return fail(error_);
    return {};
  }

 private:
  friend class Channel;

  static void on_cancel(void* arg) noexcept {
    auto* self = static_cast<SendAwaiter*>(arg);
    if (self->state != State::queued) return;  // accepted or closed: final
    self->channel_.senders_.remove(*self);
    self->error_ = std::make_error_code(std::errc::operation_canceled);
    detail::resume_cancelled(*self);
  }

  Channel& channel_;
  T& value_;
  std::error_code error_;
};

// The receiver; lives in the frame of recv()'s own coroutine. A wake-up hands it
// nothing: it takes the message when it runs, so a cancellation before then leaves
// the message in the channel. `true` from await_resume means "look again" (the
// message that woke it went elsewhere, e.g. its sender was cancelled).
template <class T>
class Channel<T>::RecvAwaiter : private detail::Waiter {
 public:
  RecvAwaiter(Channel& channel, std::optional<Result<T>>& outcome) noexcept
      : channel_(channel), outcome_(outcome) {}
  RecvAwaiter(const RecvAwaiter&) = delete;
  RecvAwaiter& operator=(const RecvAwaiter&) = delete;
  ~RecvAwaiter() {
    if (channel_.receiver_ == this) channel_.receiver_ = nullptr;
  }

  bool await_ready() const noexcept { return false; }

  template <class P>
  bool await_suspend(std::coroutine_handle<P> waiter) {
    cancel = waiter.promise().cancel;
    if (detail::cancel_requested(cancel)) {
      state = State::cancelled;
      return false;
    }
    if (!channel_.buffer_.empty() || !channel_.senders_.empty() || channel_.closed_) {
      return detail::finish_inline_or_yield(*this, waiter, &RecvAwaiter::on_cancel, this);
    }
    detail::arm_cancel(cancel, &RecvAwaiter::on_cancel, this);
    handle = waiter;
    state = State::queued;
    channel_.receiver_ = this;
    return true;
  }

  /// False when the outcome is set; true when the receiver should wait again.
  bool await_resume() {
    detail::disarm_cancel(cancel);
    detail::set_current_cancel_state(cancel);
    if (state == State::cancelled) {
      outcome_.emplace(fail(std::errc::operation_canceled));
      return false;
    }
    std::optional<T> message;
    if (channel_.take(message)) {
      outcome_.emplace(std::move(*message));
    } else if (channel_.closed_) {
      outcome_.emplace(fail(errc::closed));
    } else {
      return true;
    }
    return false;
  }

 private:
  friend class Channel;

  static void on_cancel(void* arg) noexcept {
    auto* self = static_cast<RecvAwaiter*>(arg);
    if (self->state == State::queued) {
      self->channel_.receiver_ = nullptr;
      detail::resume_cancelled(*self);
    } else {
      self->state = State::cancelled;  // woken, not yet run: it is scheduled already
    }
  }

  Channel& channel_;
  std::optional<Result<T>>& outcome_;
};

template <class T>
Task<Result<void>> Channel<T>::send(T value) {
  detail::require_reactor("weft::Channel::send");
  co_return co_await SendAwaiter(*this, value);
}

template <class T>
Result<void> Channel<T>::try_send(T&& value) {
  if (closed_) return fail(errc::closed);
  if (!accept(value)) return fail(std::errc::operation_would_block);
  return {};
}

template <class T>
Result<void> Channel<T>::try_send(const T& value) {
  if (closed_) return fail(errc::closed);
  if (buffer_.full()) return fail(std::errc::operation_would_block);
  T copy(value);
  accept(copy);
  return {};
}

template <class T>
Task<Result<T>> Channel<T>::recv() {
  detail::require_reactor("weft::Channel::recv");
  if (receiver_ != nullptr) throw std::logic_error("weft::Channel::recv: another recv() is already waiting");
  std::optional<Result<T>> outcome;
  while (co_await RecvAwaiter(*this, outcome)) {
  }
  co_return std::move(*outcome);
}

template <class T>
Result<T> Channel<T>::try_recv() {
  std::optional<T> message;
  if (take(message)) return Result<T>(std::move(*message));
  if (closed_) return fail(errc::closed);
  return fail(std::errc::operation_would_block);
}

template <class T>
void Channel<T>::close() noexcept {
  if (closed_) return;
  closed_ = true;
  while (detail::Waiter* waiter = senders_.pop_front()) {
    auto& sender = static_cast<SendAwaiter&>(*waiter);
    sender.error_ = make_error_code(errc::closed);
    detail::complete(sender);
  }
  wake_receiver();
}

template <class T>
bool Channel<T>::accept(T& value) {
  if (buffer_.full()) return false;
  buffer_.push_back(std::move(value));
  wake_receiver();
  return true;
}

template <class T>
bool Channel<T>::take(std::optional<T>& slot) {
  if (!buffer_.empty()) {
    slot.emplace(buffer_.pop_front());
    if (!senders_.empty()) {
      // Room again: the first waiting sender's message is accepted.
      auto& sender = static_cast<SendAwaiter&>(*senders_.front());
      buffer_.push_back(std::move(sender.value_));
      senders_.pop_front();
      detail::complete(sender);
    }
    return true;
  }
  if (!senders_.empty()) {
    // Rendezvous: the message goes straight from the first waiting sender.
    auto& sender = static_cast<SendAwaiter&>(*senders_.front());
    slot.emplace(std::move(sender.value_));
    senders_.pop_front();
    detail::complete(sender);
    return true;
  }
  return false;
}

template <class T>
void Channel<T>::wake_receiver() noexcept {
  if (RecvAwaiter* receiver = std::exchange(receiver_, nullptr)) detail::grant(*receiver);
}

}  // namespace weft
