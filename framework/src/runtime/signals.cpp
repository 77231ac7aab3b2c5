// Signals via the self-pipe trick: the handler writes the signal number into a
// socketpair (async-signal-safe), and next() reads the other end through the backend
// like any socket, so it works on both backends and in any thread the kernel picks.
#include <weft/runtime/signals.hpp>

#include <csignal>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <system_error>

namespace weft {
namespace {

constexpr int kMaxSignal = 65;
// The write end per signal, stored as fd + 1 so that zero (the initial value) means
// none. Relaxed is enough: the handler only needs some recent fd, and the fd is
// published before sigaction installs the handler (a syscall, which orders it).
std::array<std::atomic<int>, kMaxSignal> g_writers{};

void on_signal(int signal) {
  const int saved = errno;
  const int fd = g_writers[static_cast<std::size_t>(signal)].load(std::memory_order_relaxed) - 1;
  if (fd >= 0) {
    const auto byte = static_cast<unsigned char>(signal);
    [[maybe_unused]] ssize_t sent = ::send(fd, &byte, 1, MSG_DONTWAIT | MSG_NOSIGNAL);
  }
  errno = saved;
}

}  // namespace

Signals::Signals(std::initializer_list<int> signals) : signals_(signals) {
  for (int signal : signals_) {
    if (signal <= 0 || signal >= kMaxSignal) throw std::system_error(EINVAL, std::generic_category(), "signal number");
  }
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, pair) < 0) {
    throw std::system_error(errno, std::generic_category(), "socketpair for signals");
  }
  writer_ = pair[1];
  try {
    reader_ = IoHandle(pair[0]);
  } catch (...) {
    ::close(pair[0]);
    ::close(pair[1]);
    throw;
  }
  previous_.resize(signals_.size());
  for (std::size_t i = 0; i < signals_.size(); ++i) {
    const int signal = signals_[i];
    g_writers[static_cast<std::size_t>(signal)].store(writer_ + 1, std::memory_order_relaxed);
    struct sigaction action {};
    action.sa_handler = &on_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    if (::sigaction(signal, &action, &previous_[i]) < 0) {
      const int error = errno;
      signals_.resize(i);  // restore only what was installed
      restore();
      throw std::system_error(error, std::generic_category(), "sigaction");
    }
  }
}

Signals::~Signals() { restore(); }

void Signals::restore() noexcept {
  // Put back whatever was there before (SIG_DFL, a user handler, another Signals).
  for (std::size_t i = 0; i < signals_.size(); ++i) {
    g_writers[static_cast<std::size_t>(signals_[i])].store(0, std::memory_order_relaxed);
    ::sigaction(signals_[i], &previous_[i], nullptr);
  }
  signals_.clear();
  reader_.close();
  if (writer_ >= 0) ::close(writer_);
  writer_ = -1;
}

Task<Result<int>> Signals::next() {
  std::array<std::byte, 1> byte{};
  auto read = co_await reader_.read(byte);
  if (!read) co_return fail(read.error());
  if (*read == 0) co_return fail(errc::closed);
  co_return static_cast<int>(byte[0]);
}

}  // namespace weft
