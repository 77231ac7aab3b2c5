#include "offload_pool.hpp"

#include "reactor.hpp"

#include <weft/runtime/sleep.hpp>

namespace weft::detail {
namespace {

// Runs on the caller's core when the worker is done with `job`.
void deliver(OffloadJob* job) {
  if (!job->abandoned) {
    job->delivered = true;
    Reactor::current()->schedule(job->waiter);
  }
  job->unref();  // the worker's reference
}

OffloadPool& pool_of_this_core() {
  require_reactor("weft::offload");
  return Reactor::current()->offload_pool();
}

}  // namespace

OffloadPool::OffloadPool(unsigned threads, std::size_t capacity)
    : thread_count_(threads == 0 ? 1 : threads), capacity_(capacity) {
  // Taken before the reactors pin themselves (the Runtime builds the pool first).
  has_cpus_ = sched_getaffinity(0, sizeof cpus_, &cpus_) == 0;
}

OffloadPool::~OffloadPool() { stop(); }

void OffloadPool::start_workers() {
  workers_.reserve(thread_count_);
  for (unsigned i = 0; i < thread_count_; ++i) {
    workers_.emplace_back([this] {
      // Started from a pinned reactor thread: widen back to every CPU the process may
      // use, or offloaded work would compete with that one reactor for its CPU.
      if (has_cpus_) pthread_setaffinity_np(pthread_self(), sizeof cpus_, &cpus_);
      work();
    });
  }
}

bool OffloadPool::submit(OffloadJob* job) {
  {
    std::lock_guard lock(mutex_);
    if (size_ >= capacity_ || stopping_) return false;
    if (workers_.empty()) start_workers();
    job->prev = tail_;
    job->next = nullptr;
    if (tail_ != nullptr) tail_->next = job;
    else head_ = job;
    tail_ = job;
    job->queued = true;
    ++size_;
  }
  // Notified after unlocking, so the woken worker does not block on the mutex at once
  // (3.4 -> 2.0 context switches per offload, measured with strace).
  ready_.notify_one();
  return true;
}

bool OffloadPool::withdraw(OffloadJob* job) noexcept {
  {
    std::lock_guard lock(mutex_);
    if (!job->queued) return false;
    if (job->prev != nullptr) job->prev->next = job->next;
    else head_ = job->next;
    if (job->next != nullptr) job->next->prev = job->prev;
    else tail_ = job->prev;
    job->queued = false;
    --size_;
  }
  job->unref();  // the reference a worker would have dropped
  return true;
}

void OffloadPool::work() {
  while (true) {
    OffloadJob* job = nullptr;
    {
      std::unique_lock lock(mutex_);
      ready_.wait(lock, [&] { return head_ != nullptr || stopping_; });
      if (head_ == nullptr) return;  // stopping and drained
      job = head_;
      head_ = job->next;
      if (head_ != nullptr) head_->prev = nullptr;
      else tail_ = nullptr;
      job->queued = false;
      --size_;
    }
    set_thread_context(job->context);
    job->run();
    set_thread_context(nullptr);
    auto* origin = static_cast<Reactor*>(job->origin);
    origin->post([job] { deliver(job); });
  }
}

void OffloadPool::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
    ready_.notify_all();
  }
  for (auto& worker : workers_) worker.join();
}

bool submit_offload(OffloadJob* job) {
  job->origin = Reactor::current();
  return pool_of_this_core().submit(job);
}

bool withdraw_offload(OffloadJob* job) noexcept { return Reactor::current()->offload_pool().withdraw(job); }

Task<void> wait_for_offload_room() { co_await sleep(std::chrono::milliseconds(1)); }

void OffloadAwaiter::on_cancel(void* arg) noexcept {
  auto* job = static_cast<OffloadJob*>(arg);
  if (job->delivered) return;  // the outcome is already on its way to the caller
  job->abandoned = true;
  withdraw_offload(job);
  Reactor::current()->schedule(job->waiter);
}

}  // namespace weft::detail
