// The io_uring accept path: one multishot accept per listener.
#include "uring_backend.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

namespace weft::detail::backend {

void UringBackend::arm_accept(UringObject& object) noexcept {
  io_uring_sqe* sqe = next_sqe();
  io_uring_prep_multishot_accept(sqe, object.fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  set_data(sqe, &object, kAccept);
  object.accept_armed = true;
  ++object.pending;
}

bool UringBackend::start_accept(Operation& op) {
  auto& object = static_cast<UringObject&>(*op.object);
  op.kind = OpKind::accept;
  if (take_given_back(op)) return true;  // given back, or accepted before anyone asked
  object.reader = &op;
  if (!object.accept_armed) arm_accept(object);
  return false;
}

void UringBackend::on_accept(UringObject& object, int result, std::uint32_t flags) noexcept {
  if ((flags & IORING_CQE_F_MORE) == 0) {
    object.accept_armed = false;
    --object.pending;
  }
  if (object.closing) {
    if (result >= 0) ::close(result);
    settle(object);
    return;
  }
  if (result == -ECANCELED && object.reader == nullptr) return;
  if (object.reader != nullptr) {
    Operation& op = *std::exchange(object.reader, nullptr);
    complete(reactor_, op, result);  // an fd, or the error (EMFILE, ...) for this accept
    return;
  }
  if (result >= 0) {
    try {
      object.hold().fds.push_back(result);
    } catch (...) {
      ::close(result);  // no memory to keep it: the client sees a reset, not a hang
    }
  }
  // An error with nobody waiting ends this multishot; the next accept re-arms it.
}

}  // namespace weft::detail::backend
