#include "backend.hpp"

#include "../reactor.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace weft::detail::backend {

void complete(Reactor& reactor, Operation& op, int result) noexcept {
  op.result = result;
  const bool can_give_back = (op.kind == OpKind::read && result > 0) || (op.kind == OpKind::accept && result >= 0);
  if (can_give_back) {
    op.object->settled = &op;
  } else {
    op.object = nullptr;
  }
  if (op.notify != nullptr) {
    reactor.schedule_call(op.notify, &op);
  } else {
    reactor.schedule(op.waiter);
  }
}

bool readable_now(int fd) noexcept {
  pollfd probe{};
  probe.fd = fd;
  probe.events = POLLIN | POLLRDHUP;
  return ::poll(&probe, 1, 0) != 0;  // on failure, say yes: the read finds out
}

void settle_done(Operation& op) noexcept {
  if (op.object != nullptr && op.object->settled == &op) op.object->settled = nullptr;
}

bool take_given_back(Operation& op) noexcept {
  IoObject& object = *op.object;
  if (op.kind == OpKind::read && !object.given_back.empty()) {
    const std::size_t n = std::min(op.length, object.given_back.size());
    std::memcpy(op.buffer, object.given_back.data(), n);
    object.given_back.erase(0, n);
    op.result = static_cast<int>(n);
    return true;
  }
  if (op.kind == OpKind::accept && !object.given_back_fds.empty()) {
    op.result = object.given_back_fds.front();
    object.given_back_fds.erase(object.given_back_fds.begin());
    return true;
  }
  return false;
}

bool give_back_settled(Operation& op) noexcept {
  IoObject& object = *op.object;
  if (object.settled != &op) return false;
  object.settled = nullptr;
  if (op.kind == OpKind::read) {
    object.given_back.insert(0, static_cast<const char*>(op.buffer), static_cast<std::size_t>(op.result));
  } else if (op.kind == OpKind::accept) {
    object.given_back_fds.insert(object.given_back_fds.begin(), op.result);
  }  // anything else (a readable op) never settles: complete() lets go of its object
  op.result = -ECANCELED;  // the waiter is already scheduled; it will see this
  return true;
}

void forget_object(IoObject& object) noexcept {
  if (object.settled != nullptr) object.settled->object = nullptr;
  object.settled = nullptr;
  for (int fd : object.given_back_fds) ::close(fd);
  object.given_back_fds.clear();
}

}  // namespace weft::detail::backend
