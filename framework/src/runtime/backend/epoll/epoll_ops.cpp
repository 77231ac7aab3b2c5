// The epoll backend's operations: try the syscall now; park on EAGAIN.
#include "epoll_backend.hpp"

#include "../errors.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace weft::detail::backend {
namespace {

bool would_block(int error) noexcept { return error == EAGAIN || error == EWOULDBLOCK; }

// Sets op.result from a syscall's return value; false when it would block.
bool settle(Operation& op, long value) noexcept {
  if (value >= 0) {
    op.result = static_cast<int>(value);
    return true;
  }
  if (would_block(errno) || errno == EINTR) return false;
  op.result = errno_result();
  return true;
}

// recv, send and sendmsg made by syscall(2), not through glibc's wrappers: those are
// pthread cancellation points, and switching asynchronous cancellation on and off
// around every call costs ~60 instructions, as much as the rest of a call's user
// side. weft never uses pthread cancellation. Same results: -1 and errno on error.
long recv_now(int fd, void* buffer, std::size_t length) noexcept {
  return ::syscall(SYS_recvfrom, fd, buffer, length, 0, nullptr, nullptr);
}
long send_now(int fd, const void* buffer, std::size_t length) noexcept {
  return ::syscall(SYS_sendto, fd, buffer, length, MSG_NOSIGNAL, nullptr, 0);
}
long sendmsg_now(int fd, const msghdr* message) noexcept { return ::syscall(SYS_sendmsg, fd, message, MSG_NOSIGNAL); }

}  // namespace

bool EpollBackend::attempt(Operation& op) noexcept {
  const int fd = op.object->fd;
  switch (op.kind) {
    case OpKind::read:
      return settle(op, recv_now(fd, op.args.read.buffer, op.args.read.length));
    case OpKind::write: {
      // One buffer (most responses) goes by send: the kernel's sendmsg first copies
      // in the header and the iovec array, ~170 ns more per call on loopback here.
      const iovec* iov = op.args.write.iov;
      if (op.args.write.iovcnt == 1) return settle(op, send_now(fd, iov->iov_base, iov->iov_len));
      msghdr message{};
      message.msg_iov = const_cast<iovec*>(op.args.write.iov);  // sendmsg does not write through it
      message.msg_iovlen = op.args.write.iovcnt;
      return settle(op, sendmsg_now(fd, &message));
    }
    case OpKind::accept:
      return settle(op, ::accept4(fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    case OpKind::connect: {
      int error = 0;
      socklen_t length = sizeof error;
      if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) < 0) error = errno;
      if (error == EINPROGRESS || error == EALREADY) return false;
      if (error == 0) {
        // SO_ERROR is 0 while the handshake is still running too: ask for the peer.
        sockaddr_storage peer{};
        socklen_t peer_length = sizeof peer;
        if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_length) < 0 && errno == ENOTCONN) {
          return false;
        }
      }
      op.result = -error;
      return true;
    }
    case OpKind::readable:
      // Only ever retried after an input, hang-up or error event: that is the answer.
      // No syscall; maybe_readable stays set so the next read tries recv at once.
      op.result = 0;
      return true;
  }
  return true;
}

bool EpollBackend::try_read(Operation& op) noexcept {
  op.kind = OpKind::read;
  if (take_given_back(op)) return true;
  auto& object = static_cast<EpollObject&>(*op.object);
  if (object.maybe_readable && attempt(op)) {
    note_read(op);
    return true;
  }
  object.maybe_readable = false;  // the next input edge sets it again
  return false;
}

bool EpollBackend::start_read(Operation& op) {
  if (try_read(op)) return true;
  op.object->reader = &op;
  return false;
}

// maybe_readable alone cannot say: it is also set on a fresh socket, and after a read
// that filled its buffer exactly; readable_now() looks when it might be.
bool EpollBackend::input_pending(IoObject& object) noexcept {
  auto& epoll_object = static_cast<EpollObject&>(object);
  return object.holds_bytes() || (epoll_object.maybe_readable && readable_now(object.fd));
}

bool EpollBackend::start_readable(Operation& op) {
  op.kind = OpKind::readable;
  auto& object = static_cast<EpollObject&>(*op.object);
  if (input_pending(object)) {
    op.result = 0;
    return true;
  }
  // Nothing there: wait for the next input edge. Data that arrived after the probe
  // raises one, so nothing is missed.
  object.maybe_readable = false;
  object.reader = &op;
  return false;
}

bool EpollBackend::try_write(WriteOperation& op) noexcept {
  op.kind = OpKind::write;
  // Bytes sent now would pass those of a write still waiting for room.
  return op.object->writer == nullptr && attempt(op);
}

bool EpollBackend::start_write(WriteOperation& op) {
  op.kind = OpKind::write;
  if (attempt(op)) return true;
  op.object->writer = &op;
  watch_output(*op.object);
  return false;
}

bool EpollBackend::start_accept(Operation& op) {
  op.kind = OpKind::accept;
  if (take_given_back(op) || attempt(op)) return true;
  op.object->reader = &op;
  return false;
}

bool EpollBackend::start_connect(Operation& op) {
  op.kind = OpKind::connect;
  if (::connect(op.object->fd, op.args.connect.address, op.args.connect.length) == 0) {
    op.result = 0;
    return true;
  }
  if (errno != EINPROGRESS && errno != EINTR) {
    op.result = errno_result();
    return true;
  }
  op.object->writer = &op;  // EPOLLOUT says the handshake ended; SO_ERROR says how
  watch_output(*op.object);
  return false;
}

}  // namespace weft::detail::backend
