#include <weft/core/result.hpp>
#include <weft/runtime/detail/scheduling.hpp>
#include <weft/runtime/with_deadline.hpp>

namespace weft::detail {

CancelState* DeadlineScope::open(CancelState* parent) {
  require_reactor("weft::with_deadline");
  parent_ = parent;
  state_.emplace(parent);
  fire = &DeadlineScope::on_fire;
  return &*state_;
}

void DeadlineScope::arm() noexcept { arm_timer(*this, deadline_); }

bool DeadlineScope::close() noexcept {
  if (!state_) return expired_;
  disarm_timer(*this);
  state_.reset();
  return expired_;
}

void DeadlineScope::on_fire(Timer* timer) noexcept {
  auto* self = static_cast<DeadlineScope*>(timer);
  self->expired_ = true;
  self->state_->request();  // the task's pending wait completes with a cancellation
}

bool is_cancelled_exception(const std::exception_ptr& error) noexcept {
  try {
    std::rethrow_exception(error);
  } catch (const Cancelled&) {
    return true;
  } catch (...) {
    return false;
  }
}

}  // namespace weft::detail
