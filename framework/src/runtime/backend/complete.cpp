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
  if (op.kind == OpKind::read && object.holds_bytes()) {
    std::string& bytes = object.held->bytes;
    const std::size_t n = std::min(op.args.read.length, bytes.size());
    std::memcpy(op.args.read.buffer, bytes.data(), n);
    bytes.erase(0, n);
    op.result = static_cast<int>(n);
    return true;
  }
  if (op.kind == OpKind::accept && object.holds_fds()) {
    std::vector<int>& fds = object.held->fds;
    op.result = fds.front();
    fds.erase(fds.begin());
    return true;
  }
  return false;
}

bool give_back_settled(Operation& op) noexcept {
  IoObject& object = *op.object;
  if (object.settled != &op) return false;
  object.settled = nullptr;
  if (op.kind == OpKind::read) {
    object.hold().bytes.insert(0, static_cast<const char*>(op.args.read.buffer), static_cast<std::size_t>(op.result));
  } else if (op.kind == OpKind::accept) {
    auto& fds = object.hold().fds;
    fds.insert(fds.begin(), op.result);
  }  // anything else (a readable op) never settles: complete() lets go of its object
  op.result = -ECANCELED;  // the waiter is already scheduled; it will see this
  return true;
}

void forget_object(IoObject& object) noexcept {
  if (object.settled != nullptr) object.settled->object = nullptr;
  object.settled = nullptr;
  if (object.held == nullptr) return;
  for (int fd : object.held->fds) ::close(fd);
  object.held->fds.clear();
}

}  // namespace weft::detail::backend
