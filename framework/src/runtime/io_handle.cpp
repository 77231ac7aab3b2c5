#include <weft/runtime/io_handle.hpp>

#include "backend/backend.hpp"
#include "backend/errors.hpp"
#include "reactor.hpp"

#include <weft/runtime/detail/scheduling.hpp>

#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <type_traits>
#include <utility>

namespace weft {

static_assert(sizeof(IoVec) == sizeof(iovec) && alignof(IoVec) == alignof(iovec));

namespace {

using detail::backend::OpKind;
using detail::backend::Operation;
using detail::backend::WriteOperation;

// Waits for one backend operation. Inline completions spend the task's budget: when
// it runs out the task suspends and goes to the back of the run queue, so a stream
// that always has data cannot starve the other tasks of its core. `Op`: the operation
// type its start function takes (a write's carries a sendmsg header).
template <class Op = Operation>
class OperationAwaiter {
 public:
  using Start = bool (detail::backend::IoBackend::*)(Op&);

  OperationAwaiter(detail::backend::IoObject* object, Start start) : start_(start) { op_.object = object; }
  Op& op() noexcept { return op_; }

  bool await_ready() noexcept { return false; }

  template <class P>
  bool await_suspend(std::coroutine_handle<P> waiter) {
    cancel_ = waiter.promise().cancel;
    reactor_ = detail::Reactor::current();
    op_.waiter = waiter;
    if (cancel_ != nullptr && cancel_->requested()) {
      // Already cancelled: fail at once, but still spend budget, or a task that
      // retries on error would never yield again.
      op_.result = -ECANCELED;
      op_.object = nullptr;
      return yield_if_out_of_budget(waiter);  // suspends only to yield
    }
    if ((reactor_->io().*start_)(op_)) {
      // Only a read with bytes or an accept with an fd has something to give back.
      if (op_.result < 0 || (op_.kind != OpKind::read && op_.kind != OpKind::accept) ||
          (op_.kind == OpKind::read && op_.result == 0)) {
        op_.object = nullptr;
      }
      if (!yield_if_out_of_budget(waiter)) return false;
      // Completed, but this task has had its turn. A cancel during the yield gives a
      // read's bytes (or an accept's fd) back, as for any completed wait.
      if (op_.object != nullptr) op_.object->settled = &op_;
      detail::arm_cancel(cancel_, &OperationAwaiter::on_cancel, this);
      return true;
    }
    detail::arm_cancel(cancel_, &OperationAwaiter::on_cancel, this);
    return true;
  }

  int await_resume() noexcept {
    detail::backend::settle_done(op_);
    detail::disarm_cancel(cancel_);
    detail::set_current_cancel_state(cancel_);
    return op_.result;
  }

 private:
  // True (and the waiter queued) when the running task has used up its budget.
  bool yield_if_out_of_budget(std::coroutine_handle<> waiter) {
    if (reactor_->consume_budget()) return false;
    reactor_->schedule(waiter);
    return true;
  }

  static void on_cancel(void* self) noexcept {
    auto* awaiter = static_cast<OperationAwaiter*>(self);
    awaiter->reactor_->io().cancel(awaiter->op_);
  }

  Op op_;
  Start start_;
  detail::Reactor* reactor_ = nullptr;
  CancelState* cancel_ = nullptr;
};

// A readable wait that calls back instead of resuming a coroutine; freed after the call.
struct ReadableWatch {
  Operation op;  // first: the backend hands &op back to notify
  IoHandle::ReadyCall ready;
  void* arg;

  static void done(void* op) noexcept {
    auto* watch = reinterpret_cast<ReadableWatch*>(static_cast<Operation*>(op));
    const IoHandle::ReadyCall ready = watch->ready;
    void* arg = watch->arg;
    const int result = watch->op.result;
    delete watch;
    ready(arg, result < 0 ? detail::backend::to_error_code(result) : std::error_code{});
  }
};
static_assert(std::is_standard_layout_v<ReadableWatch>);

// What a try_read or try_write gives: its result when `done`, else "would block"
// (and, always done, what a TimedWait gives when its deadline did not end it).
Result<std::size_t> done_now(bool done, int result) noexcept {
  if (!done) return fail(std::errc::operation_would_block);
  if (result < 0) return fail(detail::backend::to_error_code(result));
  return static_cast<std::size_t>(result);
}

detail::backend::IoBackend& io() {
  detail::require_reactor("weft::IoHandle");
  return detail::Reactor::current()->io();
}

}  // namespace

IoHandle::IoHandle(int fd) {
  auto& backend = io();
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0 && (flags & O_NONBLOCK) == 0) ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  object_ = backend.attach(fd);
}

IoHandle::IoHandle(IoHandle&& other) noexcept : object_(std::exchange(other.object_, nullptr)) {}

IoHandle& IoHandle::operator=(IoHandle&& other) noexcept {
  if (this != &other) {
    close();
    object_ = std::exchange(other.object_, nullptr);
  }
  return *this;
}

int IoHandle::fd() const noexcept { return object_ != nullptr ? object_->fd : -1; }

void IoHandle::close() noexcept {
  if (object_ == nullptr) return;
  detail::Reactor* reactor = detail::Reactor::current();
  detail::backend::IoObject* object = std::exchange(object_, nullptr);
  if (reactor != nullptr) {
    reactor->io().close(object);
  } else {
    ::close(object->fd);  // the runtime is gone; only the fd is left to release
  }
}

Task<Result<std::size_t>> IoHandle::read(std::span<std::byte> into) {
  if (object_ == nullptr) co_return fail(std::errc::bad_file_descriptor);
  OperationAwaiter awaiter(object_, &detail::backend::IoBackend::start_read);
  awaiter.op().args.read = {into.data(), into.size()};
  const int result = co_await awaiter;
  if (result < 0) co_return fail(detail::backend::to_error_code(result));
  co_return static_cast<std::size_t>(result);
}

Task<Result<void>> IoHandle::wait_readable() {
  if (object_ == nullptr) co_return fail(std::errc::bad_file_descriptor);
  OperationAwaiter awaiter(object_, &detail::backend::IoBackend::start_readable);
  const int result = co_await awaiter;
  if (result < 0) co_return fail(detail::backend::to_error_code(result));
  co_return Result<void>{};
}

namespace detail {

bool TimedWait::suspend(std::coroutine_handle<> waiter, CancelState* cancel) {
  cancel_ = cancel;
  op_.waiter = waiter;
  if (op_.object == nullptr) {
    op_.result = -EBADF;
    return false;
  }
  const bool cancelled = cancel != nullptr && cancel->requested();
  if (cancelled || start_(op_)) {
    // Done at once. As in OperationAwaiter, the task's budget is spent: one that waits
    // in a loop on a stream that is always ready must still let others run.
    if (cancelled) op_.result = -ECANCELED;
    op_.object = nullptr;  // a readable wait or a write holds nothing to give back
    Reactor* reactor = Reactor::current();
    if (reactor->consume_budget()) return false;
    reactor->schedule(waiter);
    return true;
  }
  timer_.watch(op_, deadline_);
  watched_ = true;
  arm_cancel(cancel_, &TimedWait::on_cancel, this);
  return true;
}

void TimedWait::on_cancel(void* self) noexcept {
  Reactor::current()->io().cancel(static_cast<TimedWait*>(self)->op_);
}

Result<std::size_t> TimedWait::finish() noexcept {
  backend::settle_done(op_);
  disarm_cancel(cancel_);
  set_current_cancel_state(cancel_);
  const bool expired = watched_ && timer_.unwatch();
  // Cancelled by the deadline, not by the task's own cancellation.
  if (op_.result < 0 && expired && (cancel_ == nullptr || !cancel_->requested())) return fail(errc::timed_out);
  return done_now(true, op_.result);
}

ReadableWait::ReadableWait(backend::IoObject* object, Instant deadline, WaitTimer& timer) noexcept
    : TimedWait(
          operation_, [](backend::Operation& op) { return Reactor::current()->io().start_readable(op); }, deadline,
          timer) {
  operation_.object = object;
}

Result<void> ReadableWait::await_resume() noexcept {
  const Result<std::size_t> done = finish();
  if (!done) return fail(done.error());
  return Result<void>{};
}

WriteWait::WriteWait(backend::IoObject* object, const iovec* buffers, std::size_t count, Instant deadline,
                     WaitTimer& timer) noexcept
    : TimedWait(
          operation_,
          [](backend::Operation& op) {
            return Reactor::current()->io().start_write(static_cast<backend::WriteOperation&>(op));
          },
          deadline, timer) {
  operation_.object = object;
  operation_.args.write = {buffers, count};
}

Result<std::size_t> WriteWait::await_resume() noexcept { return finish(); }

}  // namespace detail

void IoHandle::watch_readable(ReadyCall ready, void* arg) {
  auto& backend = io();
  auto* watch = new ReadableWatch{.op = {}, .ready = ready, .arg = arg};
  watch->op.notify = &ReadableWatch::done;
  if (object_ == nullptr) {
    watch->op.result = -EBADF;
    detail::schedule_call(&ReadableWatch::done, &watch->op);
  } else {
    watch->op.object = object_;
    if (backend.start_readable(watch->op)) {
      watch->op.object = nullptr;  // complete: it holds nothing to give back
      detail::schedule_call(&ReadableWatch::done, &watch->op);
    }
  }
}

void IoHandle::cancel_watch() noexcept {
  if (object_ == nullptr || object_->reader == nullptr || object_->reader->notify != &ReadableWatch::done) return;
  detail::Reactor::current()->io().cancel(*object_->reader);
}

bool IoHandle::input_pending() const noexcept {
  if (object_ == nullptr) return false;
  detail::Reactor* reactor = detail::Reactor::current();
  return reactor != nullptr && reactor->io().input_pending(*object_);
}

Result<std::size_t> IoHandle::try_read(std::span<std::byte> into) {
  if (object_ == nullptr) return fail(std::errc::bad_file_descriptor);
  Operation op;
  op.object = object_;
  op.args.read = {into.data(), into.size()};
  const bool done = io().try_read(op);
  return done_now(done, op.result);
}

Result<std::size_t> IoHandle::try_write(std::span<const IoVec> buffers) {
  if (object_ == nullptr) return fail(std::errc::bad_file_descriptor);
  WriteOperation op;
  op.object = object_;
  op.args.write = {reinterpret_cast<const iovec*>(buffers.data()), buffers.size()};
  const bool done = io().try_write(op);
  return done_now(done, op.result);
}

Task<Result<std::size_t>> IoHandle::write_some(std::span<const IoVec> buffers) {
  if (object_ == nullptr) co_return fail(std::errc::bad_file_descriptor);
  OperationAwaiter<WriteOperation> awaiter(object_, &detail::backend::IoBackend::start_write);
  awaiter.op().args.write = {reinterpret_cast<const iovec*>(buffers.data()), buffers.size()};
  const int result = co_await awaiter;
  if (result < 0) co_return fail(detail::backend::to_error_code(result));
  co_return static_cast<std::size_t>(result);
}

Task<Result<int>> IoHandle::accept() {
  if (object_ == nullptr) co_return fail(std::errc::bad_file_descriptor);
  OperationAwaiter awaiter(object_, &detail::backend::IoBackend::start_accept);
  const int result = co_await awaiter;
  if (result < 0) co_return fail(detail::backend::to_error_code(result));
  co_return result;
}

Task<Result<void>> IoHandle::connect(const sockaddr* address, unsigned length) {
  if (object_ == nullptr) co_return fail(std::errc::bad_file_descriptor);
  OperationAwaiter awaiter(object_, &detail::backend::IoBackend::start_connect);
  awaiter.op().args.connect = {address, length};
  const int result = co_await awaiter;
  if (result < 0) co_return fail(detail::backend::to_error_code(result));
  co_return Result<void>{};
}

}  // namespace weft
