// One I/O operation as the backends (src/runtime/backend/) see it. Public only so that
// an awaitable in a public header can hold one in the awaiting frame (the waits of
// detail/timed_wait.hpp): starting it allocates nothing.
#pragma once

#include <sys/socket.h>

#include <coroutine>
#include <cstddef>
#include <cstdint>

namespace weft::detail::backend {

struct IoObject;

// `readable` waits until a read would not block and consumes nothing: it parks as
// the object's reader, like a read, but holds no buffer.
enum class OpKind : std::uint8_t { read, write, accept, connect, readable };

struct Operation {
  std::coroutine_handle<> waiter;
  // Instead of a waiter: called as notify(this) from the run queue (a readable watch,
  // which has no coroutine of its own; see IoHandle::watch_readable).
  void (*notify)(void* op) noexcept = nullptr;
  IoObject* object = nullptr;
  int result = 0;
  OpKind kind = OpKind::read;
  bool in_kernel = false;  // io_uring: an SQE for it is pending
  // The arguments of its kind, overlaid: an Operation sits in every frame that waits
  // for I/O (and in every parked connection's watch), so it stays small.
  union Args {
    struct {
      void* buffer;
      std::size_t length;
    } read;
    struct {
      const iovec* iov;
      std::size_t iovcnt;
    } write;
    struct {
      const sockaddr* address;
      socklen_t length;
    } connect;
  } args{};
};

/// A write: io_uring's sendmsg reads its header while the operation is in the kernel.
struct WriteOperation : Operation {
  msghdr message{};
};

}  // namespace weft::detail::backend
