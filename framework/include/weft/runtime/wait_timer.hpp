// WaitTimer: the deadlines of one owner's successive waits — a keep-alive connection
// writing a response, waiting for the next request, writing again. with_deadline
// arms and disarms a wheel timer for every wait; this one stays armed between waits
// and moves only when it fires: if a later wait pushed the deadline back, it re-arms
// for that one (a wait with an earlier deadline brings it forward at once). So a wait
// that ends before its deadline, as nearly all do, costs no timer work, and a busy
// connection costs one firing per deadline's length instead of two wheel operations
// per wait.
#pragma once

#include <weft/runtime/clock.hpp>
#include <weft/runtime/detail/timer.hpp>

namespace weft {

namespace detail {
class TimedWait;
namespace backend {
struct Operation;
}
}  // namespace detail

/// Bounds IoHandle's (and Stream's) wait_readable(deadline, timer) and
/// write_some(buffers, deadline, timer): give the waits of one owner the same
/// WaitTimer, one wait at a time. It must stay in place (embed it in its owner) and
/// be used and destroyed on its core.
class WaitTimer : private detail::Timer {
 public:
  WaitTimer() noexcept;
  ~WaitTimer();
  WaitTimer(const WaitTimer&) = delete;
  WaitTimer& operator=(const WaitTimer&) = delete;

 private:
  friend class detail::TimedWait;

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
