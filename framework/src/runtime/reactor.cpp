#include "reactor.hpp"

#include <weft/core/log.hpp>
#include <weft/runtime/spawn.hpp>

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace weft::detail {
namespace {

// A loop iteration runs at most this many queued steps before it polls for I/O, so
// a flood of ready tasks cannot starve completions and timers.
constexpr std::size_t kMaxStepsPerIteration = 4096;

}  // namespace

Reactor::Reactor(unsigned core, unsigned cores, const RuntimeOptions& options)
    : core_(core), cores_(cores), options_(options), epoch_(Clock::now()), now_(epoch_) {
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
  incoming_.reserve(cores);
  for (unsigned source = 0; source < cores; ++source) {
    incoming_.push_back(std::make_unique<SpscRing<CoreMessage, kRingCapacity>>());
  }
}

Reactor::~Reactor() {
  backend_.reset();
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

constinit thread_local Reactor* Reactor::t_current_ = nullptr;

void Reactor::bind_to_this_thread(Backend kind) {
  t_current_ = this;
  backend_ = backend::make_backend(kind, *this, wake_fd_);
}

std::uint64_t Reactor::tick_of(Clock::time_point deadline) const noexcept {
  if (deadline <= now_) return timers_.now();  // due: fires at the next turn
  const auto since = std::chrono::ceil<std::chrono::milliseconds>(deadline - epoch_);
  return static_cast<std::uint64_t>(since.count());
}

void Reactor::refresh_clock() noexcept {
  if (options_.paused_clock) {
    timers_.advance(timers_.now());  // fire timers armed at or before "now"
    now_ = epoch_ + std::chrono::milliseconds(timers_.now());
    return;
  }
  now_ = Clock::now();
  const auto elapsed = std::chrono::floor<std::chrono::milliseconds>(now_ - epoch_);
  timers_.advance(static_cast<std::uint64_t>(elapsed.count()));
}

void Reactor::post(std::function<void()> work) {
  {
    std::lock_guard lock(inbox_mutex_);
    inbox_.push_back(std::move(work));
  }
  wake_if_sleeping();
}

void Reactor::send_from(unsigned source, CoreMessage message) {
  if (!incoming_[source]->push(message)) {
    post([message] { message.fn(message.arg); });  // ring full: take the slow road
    return;
  }
  wake_if_sleeping();
}

void Reactor::wake_if_sleeping() noexcept {
  // The sleep handshake: the producer publishes its message (a seq_cst ring store, or
  // the inbox mutex), then reads sleeping_ (seq_cst); the reactor sets sleeping_
  // (seq_cst), then looks at its rings (seq_cst loads) and inbox (the mutex). In the
  // single order of seq_cst operations one of the two comes first and is seen by the
  // other, so a message never waits out a sleep.
  if (!sleeping_.load(std::memory_order_seq_cst)) return;
  // acq_rel: pairs with drain_inbox()'s clear, so at most one write per wake-up.
  if (!wake_pending_.exchange(true, std::memory_order_acq_rel)) {
    const std::uint64_t one = 1;
    [[maybe_unused]] ssize_t written = ::write(wake_fd_, &one, sizeof one);
  }
}

bool Reactor::drain_rings() noexcept {
  bool any = false;
  CoreMessage message{};
  for (auto& ring : incoming_) {
    while (ring->pop(message)) {
      message.fn(message.arg);
      any = true;
    }
  }
  return any;
}

bool Reactor::rings_nonempty() const noexcept {
  for (const auto& ring : incoming_) {
    if (ring->maybe_nonempty()) return true;
  }
  return false;
}

bool Reactor::has_incoming() noexcept {
  if (rings_nonempty()) return true;
  std::lock_guard lock(inbox_mutex_);
  return !inbox_.empty();
}

void Reactor::spin_for_messages(std::chrono::nanoseconds limit) noexcept {
  const auto until = Clock::now() + limit;
  do {
    if (rings_nonempty()) return;
    __builtin_ia32_pause();
  } while (Clock::now() < until);
}

bool Reactor::drain_inbox() {
  // Release pairs with post()'s exchange (see there).
  wake_pending_.store(false, std::memory_order_release);
  {
    std::lock_guard lock(inbox_mutex_);
    if (inbox_.empty()) return false;
    inbox_work_.swap(inbox_);
  }
  for (auto& work : inbox_work_) work();
  inbox_work_.clear();
  return true;
}

void Reactor::run_ready() {
  std::size_t steps = 0;
  while (!ready_.empty() && steps++ < kMaxStepsPerIteration) {
    const Runnable next = ready_.front();
    ready_.pop_front();
    budget_ = kBudget;
    next.fn(next.arg);  // the resumed awaiter makes its task's state current
    // The step may have ended its task: never leave a pointer to a state that may be
    // gone for the work that runs between steps (messages, completions).
    set_current_cancel_state(nullptr);
  }
}

std::optional<std::chrono::nanoseconds> Reactor::poll_timeout(bool may_block) noexcept {
  using std::chrono::nanoseconds;
  if (!may_block || !ready_.empty()) return nanoseconds(0);
  const auto next = timers_.next_deadline();
  if (!next) return std::nullopt;
  if (options_.paused_clock) {
    // Paused: never wait for a timer; but while another core owes a reply, or the
    // kernel still has a close to finish, block for it instead of spinning.
    return external_waits_ > 0 || backend_->closing() ? std::nullopt : std::optional(nanoseconds(0));
  }
  const auto deadline = epoch_ + std::chrono::milliseconds(*next);
  return deadline <= now_ ? nanoseconds(0) : nanoseconds(deadline - now_);
}

void Reactor::run_once(bool may_block) {
  refresh_clock();
  drain_inbox();
  drain_rings();
  run_ready();
  if (stopping_) {
    // Published before a poll that may block, so the thread stopping the runtime can
    // see this core is done. Release pairs with quiescent()'s acquire load.
    idle_.store(live_roots_ == 0 && ready_.empty(), std::memory_order_release);
  }
  auto timeout = poll_timeout(may_block);
  if (options_.idle_spin.count() > 0 && (!timeout || timeout->count() > 0)) {
    spin_for_messages(timeout ? std::min<std::chrono::nanoseconds>(*timeout, options_.idle_spin)
                              : std::chrono::nanoseconds(options_.idle_spin));
    if (rings_nonempty()) timeout = std::chrono::nanoseconds(0);
  }
  if (!timeout || timeout->count() > 0) {
    // About to block: announce it, then look once more for messages (see
    // wake_if_sleeping); seq_cst pairs with the producers' fence.
    sleeping_.store(true, std::memory_order_seq_cst);
    if (has_incoming()) timeout = std::chrono::nanoseconds(0);
  }
  const bool progressed = backend_->poll(timeout);
  sleeping_.store(false, std::memory_order_relaxed);
  if (options_.paused_clock && !progressed && ready_.empty() && external_waits_ == 0 && !has_incoming() &&
      !backend_->closing()) {
    // Idle on a paused clock: nothing ready, no message to this core, and the last
    // poll found the kernel with nothing in hand (a completion it was about to post
    // would otherwise come "after" the jump). Jump straight to the next timer.
    if (const auto next = timers_.next_deadline()) timers_.advance(*next);
  }
}

void Reactor::run() {
  // Acquire pairs with the release stores in begin_drain()/exit().
  while (!exit_requested_.load(std::memory_order_acquire)) {
    if (!stopping_ && drain_requested_.load(std::memory_order_acquire)) {
      stopping_ = true;
      cancel_roots();
    }
    run_once(true);
  }
  backend_.reset();
  t_current_ = nullptr;
}

// The stop flags are not messages, so the sleep handshake does not cover them: wake
// the reactor unconditionally, and it re-reads them at the top of its loop.
void Reactor::begin_drain() noexcept {
  drain_requested_.store(true, std::memory_order_release);  // seen by run()'s acquire
  force_wake();
}

void Reactor::exit() noexcept {
  exit_requested_.store(true, std::memory_order_release);  // seen by run()'s acquire
  force_wake();
}

void Reactor::force_wake() noexcept {
  const std::uint64_t one = 1;
  [[maybe_unused]] ssize_t written = ::write(wake_fd_, &one, sizeof one);
}

bool Reactor::quiescent() noexcept {
  for (auto& ring : incoming_) {
    if (ring->maybe_nonempty()) return false;
  }
  std::lock_guard lock(inbox_mutex_);
  // Acquire pairs with run()'s release store of idle_.
  return idle_.load(std::memory_order_acquire) && inbox_.empty();
}

void Reactor::adopt(RootTask* root) noexcept {
  root->prev = nullptr;
  root->next = roots_;
  if (roots_ != nullptr) roots_->prev = root;
  roots_ = root;
  ++live_roots_;
  root->cancel.id = ++next_task_id_;
  if (stopping_) root->cancel.request();  // spawned during shutdown: stop at its first wait
}

void Reactor::retire(RootTask* root) noexcept {
  if (root->prev != nullptr) root->prev->next = root->next;
  else roots_ = root->next;
  if (root->next != nullptr) root->next->prev = root->prev;
  root->prev = root->next = nullptr;
  --live_roots_;
}

void Reactor::cancel_roots() noexcept {
  for (RootTask* root = roots_; root != nullptr; root = root->next) root->cancel.request();
}

}  // namespace weft::detail
