// Signals: wait for POSIX signals (SIGINT, SIGTERM, SIGUSR1...) as a task.
//
// While a Signals object lives, its signals no longer take their default action:
// each delivery wakes `next()`. Deliveries of the same signal that arrive before
// next() is called are kept (one byte each, up to the socket buffer). One Signals
// object per signal at a time in a process (the latest wins); destroying it restores
// the disposition that was there before it.
#pragma once

#include <weft/core/result.hpp>
#include <weft/core/task.hpp>
#include <weft/runtime/io_handle.hpp>

#include <initializer_list>
#include <vector>

struct sigaction;

namespace weft {

class Signals {
 public:
  /// Starts catching `signals` on behalf of this core. Throws std::system_error if
  /// a handler cannot be installed, std::logic_error outside a reactor.
  explicit Signals(std::initializer_list<int> signals);
  ~Signals();
  Signals(const Signals&) = delete;
  Signals& operator=(const Signals&) = delete;

  /// Waits for the next caught signal and returns its number.
  /// Cancellation: total — a signal that arrives later waits for the next call.
  /// Completes inline: may (a signal already caught).
  Task<Result<int>> next();

 private:
  void restore() noexcept;

  std::vector<int> signals_;
  std::vector<struct sigaction> previous_;
  IoHandle reader_;
  int writer_ = -1;
};

}  // namespace weft
