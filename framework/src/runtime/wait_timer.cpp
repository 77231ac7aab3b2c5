#include <weft/runtime/wait_timer.hpp>

#include "backend/backend.hpp"
#include "reactor.hpp"

#include <cassert>
#include <utility>

namespace weft {

WaitTimer::WaitTimer() noexcept { fire = &WaitTimer::on_fire; }

WaitTimer::~WaitTimer() {
  // Armed between waits too, so it may outlive the reactor's run in a frame freed at
  // shutdown; the wheel then went with the reactor.
  detail::Reactor* reactor = detail::Reactor::current();
  if (armed && reactor != nullptr) reactor->timers().cancel(*this);
}

void WaitTimer::watch(detail::backend::Operation& op, Instant due) noexcept {
  assert(waiting_ == nullptr && "a WaitTimer bounds one wait at a time");
  waiting_ = &op;
  due_ = due;
  expired_ = false;
  detail::Reactor* reactor = detail::Reactor::current();
  const std::uint64_t tick = reactor->tick_of(due);
  // Armed for later (this wait is shorter than the last): brought forward. Armed for
  // no later: left as it is, it re-arms when it fires.
  if (!armed || tick < deadline) reactor->timers().arm(*this, tick);
}

bool WaitTimer::unwatch() noexcept {
  waiting_ = nullptr;
  return std::exchange(expired_, false);
}

void WaitTimer::on_fire(detail::Timer* timer) noexcept {
  auto* self = static_cast<WaitTimer*>(timer);
  if (self->waiting_ == nullptr) return;  // between waits: the next wait arms it
  detail::Reactor* reactor = detail::Reactor::current();
  // Compared in ticks, the unit it fired in: ticks round deadlines up, so a deadline
  // whose tick has come has passed.
  const std::uint64_t tick = reactor->tick_of(self->due_);
  if (tick > self->deadline) {
    reactor->timers().arm(*self, tick);  // pushed back since it was armed
    return;
  }
  self->expired_ = true;
  reactor->io().cancel(*self->waiting_);  // the wait completes with -ECANCELED
}

}  // namespace weft
