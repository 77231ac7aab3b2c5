// IdleTimer: the deadline of one owner's successive waits for input — a keep-alive
// connection waiting for its next request, again and again. with_deadline arms and
// disarms a wheel timer for every wait; this one stays armed between waits and moves
// only when it fires: if a later wait pushed the deadline back, it re-arms for that.
// So a wait that ends before its deadline, as most keep-alive waits do, costs no
// timer work, and a busy connection costs one firing per deadline's length instead of
// two wheel operations per request.
#pragma once

#include <weft/runtime/clock.hpp>
#include <weft/runtime/detail/timer.hpp>

namespace weft {

namespace detail {
class ReadableWait;
namespace backend {
struct Operation;
}
}  // namespace detail

/// Bounds IoHandle::wait_readable(deadline, timer) (and Stream's): give each wait
/// of one owner the same IdleTimer. One wait at a time. It must stay in place (embed
/// it in its owner) and be used and destroyed on the core that uses it.
class IdleTimer : private detail::Timer {
 public:
  IdleTimer() noexcept;
  ~IdleTimer();
  IdleTimer(const IdleTimer&) = delete;
  IdleTimer& operator=(const IdleTimer&) = delete;

 private:
  friend class detail::ReadableWait;

  // A wait parks `op` until `due`: arms the timer unless it is armed for no later.
  void watch(detail::backend::Operation& op, Instant due) noexcept;
  // The wait ended; true when its deadline ended it. The timer stays armed.
  bool unwatch() noexcept;
  static void on_fire(detail::Timer* timer) noexcept;

  Instant due_{};
  detail::backend::Operation* waiting_ = nullptr;
  bool expired_ = false;
};

}  // namespace weft
