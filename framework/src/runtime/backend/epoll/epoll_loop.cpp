// The epoll backend's loop: registration, waiting, dispatch, close and cancel.
#include "epoll_backend.hpp"

#include "../errors.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <utility>

namespace weft::detail::backend {

std::unique_ptr<IoBackend> make_epoll_backend(Reactor& reactor, int wake_fd) {
  return std::make_unique<EpollBackend>(reactor, wake_fd);
}

EpollBackend::EpollBackend(Reactor& reactor, int wake_fd) : reactor_(reactor), wake_fd_(wake_fd) {
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) throw std::system_error(errno, std::generic_category(), "epoll_create1");
  epoll_event event{};
  event.events = EPOLLIN;  // level-triggered: drained on every wake
  event.data.ptr = nullptr;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &event) < 0) {
    ::close(epoll_fd_);
    throw std::system_error(errno, std::generic_category(), "epoll_ctl(wake fd)");
  }
}

EpollBackend::~EpollBackend() { ::close(epoll_fd_); }

IoObject* EpollBackend::attach(int fd) {
  auto* object = new EpollObject{};
  object->fd = fd;
  epoll_event event{};
  event.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
  event.data.ptr = object;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) < 0) {
    const int error = errno;
    delete object;
    throw std::system_error(error, std::generic_category(), "epoll_ctl(ADD)");
  }
  return object;
}

void EpollBackend::close(IoObject* object) noexcept {
  if (object->reader != nullptr) complete(reactor_, *std::exchange(object->reader, nullptr), -ECANCELED);
  if (object->writer != nullptr) complete(reactor_, *std::exchange(object->writer, nullptr), -ECANCELED);
  forget_object(*object);
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, object->fd, nullptr);
  ::close(object->fd);
  delete static_cast<EpollObject*>(object);
}

void EpollBackend::cancel(Operation& op) noexcept {
  IoObject* object = op.object;
  if (object == nullptr) return;  // completed, and its object may be gone
  for (Operation** parked : {&object->reader, &object->writer}) {
    if (*parked == &op) {
      *parked = nullptr;
      complete(reactor_, op, -ECANCELED);
      return;
    }
  }
  give_back_settled(op);
}

void EpollBackend::watch_output(IoObject& base) noexcept {
  auto& object = static_cast<EpollObject&>(base);
  if (object.watching_output) return;
  epoll_event event{};
  event.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  event.data.ptr = &object;
  // Modifying the registration re-reports current readiness (edge-triggered or not),
  // so an output edge that came just before this call is not missed.
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, object.fd, &event);
  object.watching_output = true;
}

void EpollBackend::retry(Operation*& parked) noexcept {
  if (parked == nullptr) return;
  Operation& op = *parked;
  if (attempt(op)) {
    parked = nullptr;
    note_read(op);
    complete(reactor_, op, op.result);
  }
}

void EpollBackend::on_ready(IoObject& object, std::uint32_t events) noexcept {
  if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) {
    auto& epoll_object = static_cast<EpollObject&>(object);
    epoll_object.maybe_readable = true;
    if ((events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) epoll_object.input_closed = true;
    retry(object.reader);
  }
  if ((events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) != 0) retry(object.writer);
}

bool EpollBackend::poll(std::optional<std::chrono::nanoseconds> timeout) {
  int wait_ms = -1;
  if (timeout) {
    // Round up so a timer is never polled for early, then spun on.
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(*timeout).count();
    wait_ms = ms > 1'000'000 ? 1'000'000 : static_cast<int>(ms);
  }
  const int count = ::epoll_wait(epoll_fd_, events_.data(), static_cast<int>(events_.size()), wait_ms);
  for (int i = 0; i < count; ++i) {
    const epoll_event& event = events_[i];
    if (event.data.ptr == nullptr) {
      std::uint64_t value = 0;
      [[maybe_unused]] ssize_t drained = ::read(wake_fd_, &value, sizeof value);
      continue;
    }
    on_ready(*static_cast<IoObject*>(event.data.ptr), event.events);
  }
  return count > 0;
}

}  // namespace weft::detail::backend
