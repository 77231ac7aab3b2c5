#include <weft/runtime/runtime.hpp>

#include "backend/backend.hpp"
#include "offload_pool.hpp"
#include "reactor.hpp"

#include <weft/core/log.hpp>
#include <weft/runtime/signals.hpp>
#include <weft/runtime/spawn.hpp>
#include <weft/runtime/task_dump.hpp>

#include <pthread.h>
#include <sched.h>
#include <signal.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace weft {
namespace {

std::vector<int> allowed_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<int> cpus;
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
      if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
    }
  }
  return cpus;
}

void pin_current_thread(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  // Best effort: a container may forbid it, and running unpinned is still correct.
  pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

// A small one-shot rendezvous between a reactor thread and the thread waiting on it.
class Latch {
 public:
  void open(std::exception_ptr error = nullptr) {
    std::lock_guard lock(mutex_);
    open_ = true;
    error_ = std::move(error);
    cv_.notify_all();
  }
  void wait() {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return open_; });
    if (error_) std::rethrow_exception(error_);
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool open_ = false;
  std::exception_ptr error_;
};

// Core 0 logs a dump of every core's tasks each time `signal` arrives.
Task<void> dump_on_signal(int signal) {
  Signals signals({signal});
  while (true) {
    auto caught = co_await signals.next();
    if (!caught) co_return;  // cancelled: the runtime is stopping
    log::info("weft: task dump on signal {}\n{}", *caught, co_await dump_all_tasks());
  }
}

Task<void> run_and_report(Task<void> task, std::exception_ptr& error, Latch& done) {
  {
    // Awaited from a local, so every frame of the task (and the values it holds) is
    // destroyed before the caller of block_on is released.
    Task<void> local = std::move(task);
    try {
      co_await std::move(local);
    } catch (...) {
      error = std::current_exception();
    }
  }
  done.open();
}

}  // namespace

struct Runtime::Impl {
  RuntimeOptions options;
  Backend backend = Backend::epoll;
  std::unique_ptr<detail::OffloadPool> offload_pool;
  std::vector<std::unique_ptr<detail::Reactor>> reactors;
  std::vector<std::thread> threads;
  std::size_t running = 0;  // reactors whose thread started its loop

  void start_thread(unsigned core, int cpu, Latch& started) {
    detail::Reactor* reactor = reactors[core].get();
    threads.emplace_back([this, reactor, cpu, &started] {
      if (cpu >= 0) pin_current_thread(cpu);
      try {
        reactor->bind_to_this_thread(backend);
      } catch (...) {
        started.open(std::current_exception());
        return;
      }
      started.open();
      reactor->run();
    });
  }

  // Waits until no core has a task left or work in flight between cores (seen twice
  // in a row, so a message posted between two looks cannot slip by).
  void wait_until_quiet() {
    int quiet_rounds = 0;
    while (quiet_rounds < 2) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      bool all_quiet = true;
      for (std::size_t core = 0; core < running; ++core) all_quiet = all_quiet && reactors[core]->quiescent();
      quiet_rounds = all_quiet ? quiet_rounds + 1 : 0;
    }
  }

  // Shutdown: every reactor cancels its tasks and runs until all have finished; the
  // offload pool then finishes what runs on it (its results go back to the still
  // running reactors, which drop them); then the reactors exit.
  void stop_all() {
    for (auto& reactor : reactors) reactor->begin_drain();
    wait_until_quiet();
    if (offload_pool) {
      offload_pool->stop();
      wait_until_quiet();
    }
    for (auto& reactor : reactors) reactor->exit();
    for (auto& thread : threads) {
      if (thread.joinable()) thread.join();
    }
  }
};

Runtime::Runtime(RuntimeOptions options) : impl_(std::make_unique<Impl>()) {
  // A peer that closes early must surface as EPIPE on its stream, not kill the process.
  ::signal(SIGPIPE, SIG_IGN);
  const std::vector<int> cpus = allowed_cpus();
  const unsigned online = cpus.empty() ? std::max(1u, std::thread::hardware_concurrency())
                                       : static_cast<unsigned>(cpus.size());
  const unsigned cores = options.cores == 0 ? online : options.cores;
  impl_->options = options;
  impl_->backend = detail::backend::resolve_backend(options.backend);
  for (unsigned core = 0; core < cores; ++core) {
    impl_->reactors.push_back(std::make_unique<detail::Reactor>(core, cores, options));
  }
  const unsigned offload_threads = options.offload_threads == 0 ? cores : options.offload_threads;
  impl_->offload_pool = std::make_unique<detail::OffloadPool>(offload_threads, 256 * std::size_t{offload_threads});
  std::vector<detail::Reactor*> peers;
  for (auto& reactor : impl_->reactors) peers.push_back(reactor.get());
  for (auto& reactor : impl_->reactors) {
    reactor->set_peers(peers);
    reactor->set_offload_pool(impl_->offload_pool.get());
  }
  // Start each reactor and wait until its backend is up, so a backend that cannot
  // start fails the constructor instead of a later call.
  try {
    for (unsigned core = 0; core < cores; ++core) {
      const bool pin = options.pin_threads && !cpus.empty() && cores <= cpus.size();
      Latch started;
      impl_->start_thread(core, pin ? cpus[core] : -1, started);
      started.wait();
      ++impl_->running;
    }
  } catch (...) {
    impl_->stop_all();
    throw;
  }
  if (options.dump_signal != 0) {
    const int signal = options.dump_signal;
    impl_->reactors[0]->post([signal] { spawn(dump_on_signal(signal)).detach(); });
  }
}

Runtime::~Runtime() { impl_->stop_all(); }

Backend Runtime::backend() const noexcept { return impl_->backend; }

unsigned Runtime::cores() const noexcept { return static_cast<unsigned>(impl_->reactors.size()); }

void Runtime::run_blocking(Task<void> task) {
  if (detail::Reactor::current() != nullptr) {
    throw std::logic_error("weft::Runtime::block_on called from a reactor thread");
  }
  Latch done;
  std::exception_ptr error;
  impl_->reactors[0]->post([&] { spawn(run_and_report(std::move(task), error, done)).detach(); });
  done.wait();
  if (error) std::rethrow_exception(error);
}

}  // namespace weft
