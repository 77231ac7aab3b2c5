// The reactor entry points public templates use (detail/scheduling.hpp), the
// JoinHandle state's bookkeeping, and this_core()/now().
#include "reactor.hpp"

#include <weft/core/log.hpp>
#include <weft/core/result.hpp>
#include <weft/runtime/clock.hpp>
#include <weft/runtime/detail/scheduling.hpp>
#include <weft/runtime/spawn.hpp>
#include <weft/runtime/this_core.hpp>

#include <stdexcept>
#include <string>

namespace weft {
namespace detail {

void require_reactor(const char* what) {
  if (Reactor::current() == nullptr) {
    throw std::logic_error(std::string(what) + " called outside a weft reactor thread");
  }
}

void schedule(std::coroutine_handle<> handle) { Reactor::current()->schedule(handle); }

void schedule_call(void (*fn)(void*) noexcept, void* arg) { Reactor::current()->schedule_call(fn, arg); }

void arm_timer(Timer& timer, Instant deadline) noexcept {
  Reactor* reactor = Reactor::current();
  reactor->timers().arm(timer, reactor->tick_of(deadline));
}

void disarm_timer(Timer& timer) noexcept {
  if (timer.armed) Reactor::current()->timers().cancel(timer);
}

bool consume_budget() noexcept {
  Reactor* reactor = Reactor::current();
  return reactor == nullptr || reactor->consume_budget();
}

void start_root(RootTask* root, std::coroutine_handle<> first_step) {
  Reactor* reactor = Reactor::current();
  reactor->adopt(root);
  reactor->schedule(first_step);
}

void finish_root(RootTask* root) noexcept { Reactor::current()->retire(root); }

void begin_external_wait() noexcept { Reactor::current()->begin_external_wait(); }

void end_external_wait() noexcept { Reactor::current()->end_external_wait(); }

void RootTask::finish() noexcept {
  done_ = true;
  finish_root(this);
  if (joiner_) {
    schedule(joiner_);
  } else if (!handle_alive_ && !observed_) {
    log_unobserved_error();
  }
  unref();
}

void RootTask::release_handle() noexcept {
  handle_alive_ = false;
  // Finished, never awaited, and now never will be: say what it died of.
  if (done_ && !observed_) log_unobserved_error();
  unref();
}

void RootTask::log_unobserved_error() const noexcept {
  if (!error_) return;
  try {
    std::rethrow_exception(error_);
  } catch (const Cancelled&) {
    // Ended by cancellation: nothing to report.
  } catch (const std::exception& e) {
    log::error("task {} ended with an exception nobody awaited: {}", name_, e.what());
  } catch (...) {
    log::error("task {} ended with a non-standard exception nobody awaited", name_);
  }
}

}  // namespace detail

unsigned this_core() {
  detail::require_reactor("weft::this_core");
  return detail::Reactor::current()->core();
}

unsigned core_count() {
  detail::require_reactor("weft::core_count");
  return detail::Reactor::current()->cores();
}

Instant now() noexcept {
  const detail::Reactor* reactor = detail::Reactor::current();
  return reactor != nullptr ? reactor->now() : Clock::now();
}

}  // namespace weft
