// The io_uring single-shot operations: send/sendmsg and connect.
#include "uring_backend.hpp"

#include <sys/socket.h>

namespace weft::detail::backend {

bool UringBackend::try_write(WriteOperation& op) noexcept {
  op.kind = OpKind::write;
  return false;  // see IoBackend::try_write
}

bool UringBackend::start_write(WriteOperation& op) {
  op.kind = OpKind::write;
  io_uring_sqe* sqe = next_sqe();
  const auto& [iov, iovcnt] = op.args.write;
  if (iovcnt == 1) {
    io_uring_prep_send(sqe, op.object->fd, iov[0].iov_base, iov[0].iov_len, MSG_NOSIGNAL);
  } else {
    op.message = {};
    op.message.msg_iov = const_cast<iovec*>(iov);  // sendmsg does not write through it
    op.message.msg_iovlen = iovcnt;
    io_uring_prep_sendmsg(sqe, op.object->fd, &op.message, MSG_NOSIGNAL);
  }
  set_data(sqe, &op, kOp);
  op.in_kernel = true;
  ++static_cast<UringObject*>(op.object)->pending;
  return false;
}

bool UringBackend::start_connect(Operation& op) {
  op.kind = OpKind::connect;
  io_uring_sqe* sqe = next_sqe();
  io_uring_prep_connect(sqe, op.object->fd, op.args.connect.address, op.args.connect.length);
  set_data(sqe, &op, kOp);
  op.in_kernel = true;
  ++static_cast<UringObject*>(op.object)->pending;
  return false;
}

void UringBackend::on_op(Operation& op, int result) noexcept {
  op.in_kernel = false;
  auto& object = static_cast<UringObject&>(*op.object);
  --object.pending;
  complete(reactor_, op, result);
  settle(object);
}

}  // namespace weft::detail::backend
