// weft's coroutine primitives against their Boost.Asio 1.81 equivalents, in the same
// run (DESIGN.md "Memory and speed": speed is shown as a ratio against a peer).
//
// Every benchmark is named <operation>/<library>[_<variant>]; perf/micro/compare.sh
// pairs <operation>/weft with <operation>/asio and prints asio_time / weft_time.
//
//   operation            weft                                      Asio (1.81)
//   spawn_join           co_await spawn(task)                      co_await co_spawn(ex, awaitable, use_awaitable)
//   select_ready_timer   select(ready(), sleep(1s))                ready() || timer.async_wait(use_awaitable)
//   channel_pingpong     2 x Channel<int>(1), a spawned echo task  2 x experimental::channel<void(error_code, int)>(1)
//   offload_rtt          offload([]{ return 1; })                  co_spawn(pool.get_executor(), awaitable, use_awaitable)
//   submit_to_rtt        submit_to(1, []{ return 1; })             co_spawn(ioc1, awaitable, use_awaitable) from ioc0
//
// weft's select starts its branches in order and a branch that finishes while they
// are being started wins before the later ones start: with a ready first branch the
// sleep is never armed. Asio's || co_spawns both and then cancels the timer wait,
// which (with use_awaitable) completes by throwing operation_aborted. That is each
// library's cost for the same user code; the variants below separate the parts.
//
// Variants that show where the time goes (no target attached):
//   select_yield_timer   the task suspends once, so both libraries arm and cancel the timer
//   select_ready_timer/asio_as_tuple   timer.async_wait(as_tuple(use_awaitable)): the
//                        losing timer completes with an error_code instead of throwing
//   offload_rtt/asio_post              the leanest Asio offload: async_initiate, post the
//                        function to the pool, dispatch the handler back (no coroutine on the pool)
//   offload_rtt/asio_condvar, submit_to_rtt/asio_condvar   io_contexts without their
//                        epoll reactor (see Waiting below)
//   offload_rtt/asio_unpinned_pool     the pool thread free to run on the other CPU
//   wake_floor_rtt/os    no library: two pinned threads hand a turn back and forth
//                        through raw futexes — the machine's cost of two wake-ups, the
//                        floor for any round trip whose threads sleep when idle
//
// Same shape on both sides: the benchmark loop runs inside a coroutine on a reactor
// thread (weft: Runtime::block_on; Asio: io_context::run on a std::thread), the
// calling thread only waits, so times are wall times (UseRealTime). Threads are pinned
// the same way: weft pins reactor i to the i-th allowed CPU, and so do these Asio
// threads. Each side has one offload worker thread, placed alike (PoolPlacement
// below: today weft's shares the caller's CPU, so Asio's does too). Asio's io_contexts
// are built with concurrency hint 1 (one thread runs each) and, unless a variant says
// otherwise, with their epoll reactor started, as in any server. weft's backend is
// Backend::automatic (WEFT_BACKEND=epoll|io_uring overrides it); each weft benchmark's
// label names the backend it ran on.
//
// Round trips (offload, submit_to, channel) also time every iteration and report
// p50_ns / p99_ns counters, and ctxsw_per_op: context switches of the whole process
// (all its threads, from getrusage) per operation.
//
// Run: perf/micro/compare.sh [BUILD_DIR], or build-*/perf/micro/weft_vs_asio [--benchmark_filter=...]
#include <weft/weft.hpp>
// Set by CMake to 1 once the sync area (weft_sync) exists; the channel pair needs it.
#ifndef WEFT_BENCH_CHANNEL
#define WEFT_BENCH_CHANNEL 0
#endif
#if WEFT_BENCH_CHANNEL
#include <weft/sync/channel.hpp>
#endif

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/channel.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/version.hpp>

#include <benchmark/benchmark.h>

#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using weft::Task;

// ---------------------------------------------------------------------------------
// Shared helpers

// The CPUs this process may run on, in order (weft pins reactor i to the i-th).
std::vector<int> allowed_cpus() {
  std::vector<int> cpus;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
      if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
    }
  }
  return cpus;
}

// Pins the calling thread to the index-th allowed CPU when `threads` pinned threads
// fit on the allowed CPUs (weft's rule: cores <= allowed CPUs).
void pin_like_weft(unsigned index, unsigned threads) {
  static const std::vector<int> cpus = allowed_cpus();
  if (cpus.empty() || threads > cpus.size()) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpus[index], &set);
  pthread_setaffinity_np(pthread_self(), sizeof set, &set);  // best effort, as weft
}

// Per-iteration latencies of a round-trip benchmark, reported as p50/p99 counters.
class Latencies {
 public:
  explicit Latencies(const benchmark::State& state) {
    // Reserved up front so that timing an iteration never reallocates (capped: a fast
    // benchmark may be given many iterations; beyond the cap the vector grows).
    samples_.reserve(static_cast<std::size_t>(std::min<benchmark::IterationCount>(state.max_iterations, 1 << 24)));
  }
  void start() noexcept {
    switches_ = context_switches();
    last_ = Clock::now();
  }
  // Call at the end of each iteration: the sample is the time since the previous call.
  void lap() {
    const auto now = Clock::now();
    samples_.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(now - last_).count());
    last_ = now;
  }
  void report(benchmark::State& state) {
    if (samples_.empty()) return;
    state.counters["p50_ns"] = percentile(0.50);
    state.counters["p99_ns"] = percentile(0.99);
    // Context switches of the whole process (every thread) per operation.
    state.counters["ctxsw_per_op"] =
        static_cast<double>(context_switches() - switches_) / static_cast<double>(samples_.size());
  }

 private:
  using Clock = std::chrono::steady_clock;
  double percentile(double q) {
    const auto rank = static_cast<std::size_t>(q * static_cast<double>(samples_.size() - 1));
    std::nth_element(samples_.begin(), samples_.begin() + static_cast<std::ptrdiff_t>(rank), samples_.end());
    return static_cast<double>(samples_[rank]);
  }
  static long context_switches() noexcept {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_nvcsw + usage.ru_nivcsw;
  }
  std::vector<std::int64_t> samples_;
  Clock::time_point last_;
  long switches_ = 0;
};

// ---------------------------------------------------------------------------------
// weft side

Task<int> weft_value(int x) { co_return x; }

Task<int> weft_yielding_value(int x) {
  co_await weft::yield_now();
  co_return x;
}

// Runs `body(state)` on core 0 of a runtime with `cores` reactors.
template <class Body>
void on_weft(benchmark::State& state, Body body, unsigned cores = 1,
             std::chrono::microseconds idle_spin = std::chrono::microseconds(0)) {
  weft::Runtime runtime(weft::RuntimeOptions{
      .cores = cores, .backend = weft::Backend::automatic, .offload_threads = 1, .idle_spin = idle_spin});
  state.SetLabel(std::string(weft::to_string(runtime.backend())));
  runtime.block_on(body(state));
}

void spawn_join_weft(benchmark::State& state) {
  on_weft(state, [](benchmark::State& s) -> Task<void> {
    int sum = 0;
    for (auto _ : s) sum += co_await weft::spawn(weft_value(1));
    benchmark::DoNotOptimize(sum);
  });
}

void select_ready_timer_weft(benchmark::State& state) {
  on_weft(state, [](benchmark::State& s) -> Task<void> {
    std::size_t wins = 0;
    for (auto _ : s) wins += (co_await weft::select(weft_value(1), weft::sleep(1s))).index() == 0;
    if (wins != static_cast<std::size_t>(s.iterations())) s.SkipWithError("the timer won a select");
  });
}

void select_yield_timer_weft(benchmark::State& state) {
  on_weft(state, [](benchmark::State& s) -> Task<void> {
    std::size_t wins = 0;
    for (auto _ : s) wins += (co_await weft::select(weft_yielding_value(1), weft::sleep(1s))).index() == 0;
    if (wins != static_cast<std::size_t>(s.iterations())) s.SkipWithError("the timer won a select");
  });
}

#if WEFT_BENCH_CHANNEL
Task<void> weft_echo(weft::Channel<int>& in, weft::Channel<int>& out) {
  while (true) {
    auto message = co_await in.recv();
    if (!message) co_return;  // closed
    if (!co_await out.send(*message)) co_return;
  }
}

void channel_pingpong_weft(benchmark::State& state) {
  on_weft(state, [](benchmark::State& s) -> Task<void> {
    weft::Channel<int> ping(1);
    weft::Channel<int> pong(1);
    auto echo = weft::spawn(weft_echo(ping, pong));
    Latencies latencies(s);
    long sum = 0;
    latencies.start();
    for (auto _ : s) {
      if (!co_await ping.send(1)) throw std::runtime_error("weft ping.send failed");
      auto reply = co_await pong.recv();
      if (!reply) throw std::runtime_error("weft pong.recv failed");
      sum += *reply;
      latencies.lap();
    }
    ping.close();
    co_await echo;
    benchmark::DoNotOptimize(sum);
    latencies.report(s);
  });
}
#endif

void offload_rtt_weft(benchmark::State& state) {
  on_weft(state, [](benchmark::State& s) -> Task<void> {
    Latencies latencies(s);
    int sum = 0;
    latencies.start();
    for (auto _ : s) {
      sum += co_await weft::offload([] { return 1; });
      latencies.lap();
    }
    benchmark::DoNotOptimize(sum);
    latencies.report(s);
  });
}

void submit_to_rtt_weft_with(benchmark::State& state, std::chrono::microseconds idle_spin) {
  on_weft(
      state,
      [](benchmark::State& s) -> Task<void> {
        Latencies latencies(s);
        int sum = 0;
        latencies.start();
        for (auto _ : s) {
          sum += co_await weft::submit_to(1, [] { return 1; });
          latencies.lap();
        }
        benchmark::DoNotOptimize(sum);
        latencies.report(s);
      },
      2, idle_spin);
}

void submit_to_rtt_weft(benchmark::State& state) { submit_to_rtt_weft_with(state, std::chrono::microseconds(0)); }

// Both reactors poll their rings for up to 200 µs before sleeping (RuntimeOptions::idle_spin).
void submit_to_rtt_weft_spin(benchmark::State& state) {
  submit_to_rtt_weft_with(state, std::chrono::microseconds(200));
}

// ---------------------------------------------------------------------------------
// Asio side

awaitable<int> asio_value(int x) { co_return x; }

awaitable<int> asio_yielding_value(int x) {
  co_await asio::post(co_await asio::this_coro::executor, use_awaitable);
  co_return x;
}

// How an idle io_context thread waits for work posted from another thread. Asio
// starts an io_context's epoll reactor lazily, with its first I/O object (socket,
// timer); until then an idle run() sleeps on a condition variable and a post from
// another thread is one futex wake. Any server's io_context has a socket, so its
// idle thread sleeps in epoll_wait and a cross-thread post writes an eventfd —
// which is also how every weft reactor waits. `reactor` (the default) makes the
// io_context start its reactor (an unused steady_timer) so both sides wait the same
// way; `condvar` keeps the lazy, reactor-less io_context (a variant row).
enum class Waiting { reactor, condvar };

void start_reactor(asio::io_context& ioc, Waiting waiting) {
  // The timer service starts the reactor task; it stays for the io_context's life.
  if (waiting == Waiting::reactor) asio::steady_timer unused(ioc);
}

// Runs `body(state, ioc)` on an io_context driven by one pinned thread; the calling
// thread waits (as weft's block_on does). Rethrows what the body threw.
template <class Body>
void on_asio(benchmark::State& state, Body body, Waiting waiting = Waiting::reactor) {
  asio::io_context ioc(1);
  start_reactor(ioc, waiting);
  std::exception_ptr error;
  asio::co_spawn(ioc, body(state, ioc), [&error](std::exception_ptr e) { error = std::move(e); });
  std::thread thread([&ioc] {
    pin_like_weft(0, 1);
    ioc.run();
  });
  thread.join();
  if (error) std::rethrow_exception(error);
}

void spawn_join_asio(benchmark::State& state) {
  on_asio(state, [](benchmark::State& s, asio::io_context& ioc) -> awaitable<void> {
    auto ex = ioc.get_executor();
    int sum = 0;
    for (auto _ : s) sum += co_await asio::co_spawn(ex, asio_value(1), use_awaitable);
    benchmark::DoNotOptimize(sum);
  });
}

void select_ready_timer_asio(benchmark::State& state) {
  on_asio(state, [](benchmark::State& s, asio::io_context& ioc) -> awaitable<void> {
    using namespace asio::experimental::awaitable_operators;
    asio::steady_timer timer(ioc);  // built once; re-armed each iteration
    std::size_t wins = 0;
    for (auto _ : s) {
      timer.expires_after(1s);
      wins += (co_await (asio_value(1) || timer.async_wait(use_awaitable))).index() == 0;
    }
    if (wins != static_cast<std::size_t>(s.iterations())) s.SkipWithError("the timer won a select");
  });
}

void select_ready_timer_asio_as_tuple(benchmark::State& state) {
  on_asio(state, [](benchmark::State& s, asio::io_context& ioc) -> awaitable<void> {
    using namespace asio::experimental::awaitable_operators;
    asio::steady_timer timer(ioc);
    std::size_t wins = 0;
    for (auto _ : s) {
      timer.expires_after(1s);
      wins += (co_await (asio_value(1) || timer.async_wait(asio::as_tuple(use_awaitable)))).index() == 0;
    }
    if (wins != static_cast<std::size_t>(s.iterations())) s.SkipWithError("the timer won a select");
  });
}

void select_yield_timer_asio(benchmark::State& state) {
  on_asio(state, [](benchmark::State& s, asio::io_context& ioc) -> awaitable<void> {
    using namespace asio::experimental::awaitable_operators;
    asio::steady_timer timer(ioc);
    std::size_t wins = 0;
    for (auto _ : s) {
      timer.expires_after(1s);
      wins += (co_await (asio_yielding_value(1) || timer.async_wait(use_awaitable))).index() == 0;
    }
    if (wins != static_cast<std::size_t>(s.iterations())) s.SkipWithError("the timer won a select");
  });
}

using AsioChannel = asio::experimental::channel<void(boost::system::error_code, int)>;

awaitable<void> asio_echo(AsioChannel& in, AsioChannel& out) {
  while (true) {
    auto [error, message] = co_await in.async_receive(asio::as_tuple(use_awaitable));
    if (error) co_return;  // closed
    auto [send_error] = co_await out.async_send(boost::system::error_code{}, message, asio::as_tuple(use_awaitable));
    if (send_error) co_return;
  }
}

awaitable<void> asio_pinger(benchmark::State& s, AsioChannel& ping, AsioChannel& pong) {
  Latencies latencies(s);
  long sum = 0;
  latencies.start();
  for (auto _ : s) {
    co_await ping.async_send(boost::system::error_code{}, 1, use_awaitable);
    sum += co_await pong.async_receive(use_awaitable);
    latencies.lap();
  }
  ping.close();  // ends the echo coroutine
  benchmark::DoNotOptimize(sum);
  latencies.report(s);
}

void channel_pingpong_asio(benchmark::State& state) {
  on_asio(state, [](benchmark::State& s, asio::io_context& ioc) -> awaitable<void> {
    using namespace asio::experimental::awaitable_operators;
    AsioChannel ping(ioc, 1);
    AsioChannel pong(ioc, 1);
    // Both run concurrently and both are awaited (as weft's spawned echo is joined).
    co_await (asio_pinger(s, ping, pong) && asio_echo(ping, pong));
  });
}

// Where the Asio pool's thread may run. weft starts its offload workers lazily from
// the reactor thread of the first offload, so they inherit that thread's pinning: today
// weft's worker shares the caller's CPU. `like_weft` does the same for Asio (the pool
// is built on the pinned io_context thread); `unpinned` builds it on the unpinned main
// thread, so the scheduler may put it on the other CPU (a variant row).
enum class PoolPlacement { like_weft, unpinned };

// Runs `body(state, pool)` on an io_context (as on_asio) with a one-thread pool.
template <class Body>
void on_asio_with_pool(benchmark::State& state, Waiting waiting, PoolPlacement placement, Body body) {
  std::optional<asio::thread_pool> outside;
  if (placement == PoolPlacement::unpinned) outside.emplace(1);
  on_asio(
      state,
      [&outside, &body](benchmark::State& s, asio::io_context&) -> awaitable<void> {
        std::optional<asio::thread_pool> inside;  // built here, on the pinned thread
        asio::thread_pool& pool = outside ? *outside : inside.emplace(1);
        co_await body(s, pool);
      },
      waiting);
}

awaitable<void> offload_loop_co_spawn(benchmark::State& s, asio::thread_pool& pool) {
  auto pool_ex = pool.get_executor();
  Latencies latencies(s);
  int sum = 0;
  latencies.start();
  for (auto _ : s) {
    sum += co_await asio::co_spawn(pool_ex, []() -> awaitable<int> { co_return 1; }, use_awaitable);
    latencies.lap();
  }
  benchmark::DoNotOptimize(sum);
  latencies.report(s);
}

void offload_rtt_asio(benchmark::State& state) {
  on_asio_with_pool(state, Waiting::reactor, PoolPlacement::like_weft, offload_loop_co_spawn);
}
void offload_rtt_asio_condvar(benchmark::State& state) {
  on_asio_with_pool(state, Waiting::condvar, PoolPlacement::like_weft, offload_loop_co_spawn);
}
void offload_rtt_asio_unpinned_pool(benchmark::State& state) {
  on_asio_with_pool(state, Waiting::reactor, PoolPlacement::unpinned, offload_loop_co_spawn);
}

// The leanest Asio offload: no coroutine on the pool, just the function posted there
// and its result dispatched back to the caller's executor.
template <class F>
awaitable<int> asio_offload(asio::thread_pool& pool, F fn) {
  return asio::async_initiate<decltype(use_awaitable), void(int)>(
      [&pool](auto handler, F f) {
        auto work = asio::make_work_guard(handler);  // keeps the caller's io_context running
        asio::post(pool, [f = std::move(f), handler = std::move(handler), work = std::move(work)]() mutable {
          const int result = f();
          auto caller = work.get_executor();
          asio::dispatch(caller, [handler = std::move(handler), result]() mutable { std::move(handler)(result); });
        });
      },
      use_awaitable, std::move(fn));
}

awaitable<void> offload_loop_post(benchmark::State& s, asio::thread_pool& pool) {
  Latencies latencies(s);
  int sum = 0;
  latencies.start();
  for (auto _ : s) {
    sum += co_await asio_offload(pool, [] { return 1; });
    latencies.lap();
  }
  benchmark::DoNotOptimize(sum);
  latencies.report(s);
}

void offload_rtt_asio_post(benchmark::State& state) {
  on_asio_with_pool(state, Waiting::reactor, PoolPlacement::like_weft, offload_loop_post);
}

void submit_to_rtt_asio_waiting(benchmark::State& state, Waiting waiting) {
  // Two io_contexts, each run by one thread pinned like weft's two reactors; the
  // loop runs on ioc0 and each iteration runs a coroutine on ioc1 and resumes on ioc0.
  asio::io_context ioc1(1);
  start_reactor(ioc1, waiting);
  auto keep_alive = asio::make_work_guard(ioc1);
  std::thread other([&ioc1] {
    pin_like_weft(1, 2);
    ioc1.run();
  });
  asio::io_context ioc0(1);
  start_reactor(ioc0, waiting);
  std::exception_ptr error;
  auto body = [](benchmark::State& s, asio::io_context& remote) -> awaitable<void> {
    Latencies latencies(s);
    int sum = 0;
    latencies.start();
    for (auto _ : s) {
      sum += co_await asio::co_spawn(remote, []() -> awaitable<int> { co_return 1; }, use_awaitable);
      latencies.lap();
    }
    benchmark::DoNotOptimize(sum);
    latencies.report(s);
  };
  asio::co_spawn(ioc0, body(state, ioc1), [&error](std::exception_ptr e) { error = std::move(e); });
  std::thread self([&ioc0] {
    pin_like_weft(0, 2);
    ioc0.run();
  });
  self.join();
  keep_alive.reset();
  other.join();
  if (error) std::rethrow_exception(error);
}

void submit_to_rtt_asio(benchmark::State& state) { submit_to_rtt_asio_waiting(state, Waiting::reactor); }
void submit_to_rtt_asio_condvar(benchmark::State& state) { submit_to_rtt_asio_waiting(state, Waiting::condvar); }

// ---------------------------------------------------------------------------------
// The floor: what two wake-ups cost on this machine, without any library. Two threads
// pinned like the submit_to ones hand a turn back and forth through raw futexes (no
// spinning). Every round trip above that sleeps when idle pays at least this.

class Turn {
 public:
  void give() noexcept {
    flag_.store(1, std::memory_order_release);
    syscall(SYS_futex, &flag_, FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
  }
  void take() noexcept {
    while (flag_.load(std::memory_order_acquire) == 0) {
      syscall(SYS_futex, &flag_, FUTEX_WAIT_PRIVATE, 0, nullptr, nullptr, 0);
    }
    flag_.store(0, std::memory_order_relaxed);
  }

 private:
  std::atomic<std::uint32_t> flag_{0};
};

void wake_floor_rtt(benchmark::State& state) {
  Turn to_other;
  Turn to_self;
  std::atomic<bool> stop{false};
  std::thread other([&] {
    pin_like_weft(1, 2);
    while (true) {
      to_other.take();
      if (stop.load(std::memory_order_acquire)) return;
      to_self.give();
    }
  });
  std::thread self([&] {
    pin_like_weft(0, 2);
    Latencies latencies(state);
    latencies.start();
    for (auto _ : state) {
      to_other.give();
      to_self.take();
      latencies.lap();
    }
    latencies.report(state);
    stop.store(true, std::memory_order_release);
    to_other.give();
  });
  self.join();
  other.join();
}

// ---------------------------------------------------------------------------------

BENCHMARK(spawn_join_weft)->Name("spawn_join/weft")->UseRealTime();
BENCHMARK(spawn_join_asio)->Name("spawn_join/asio")->UseRealTime();
BENCHMARK(select_ready_timer_weft)->Name("select_ready_timer/weft")->UseRealTime();
BENCHMARK(select_ready_timer_asio)->Name("select_ready_timer/asio")->UseRealTime();
BENCHMARK(select_ready_timer_asio_as_tuple)->Name("select_ready_timer/asio_as_tuple")->UseRealTime();
BENCHMARK(select_yield_timer_weft)->Name("select_yield_timer/weft")->UseRealTime();
BENCHMARK(select_yield_timer_asio)->Name("select_yield_timer/asio")->UseRealTime();
#if WEFT_BENCH_CHANNEL
BENCHMARK(channel_pingpong_weft)->Name("channel_pingpong/weft")->UseRealTime();
#endif
BENCHMARK(channel_pingpong_asio)->Name("channel_pingpong/asio")->UseRealTime();
BENCHMARK(offload_rtt_weft)->Name("offload_rtt/weft")->UseRealTime();
BENCHMARK(offload_rtt_asio)->Name("offload_rtt/asio")->UseRealTime();
BENCHMARK(offload_rtt_asio_post)->Name("offload_rtt/asio_post")->UseRealTime();
BENCHMARK(offload_rtt_asio_condvar)->Name("offload_rtt/asio_condvar")->UseRealTime();
BENCHMARK(offload_rtt_asio_unpinned_pool)->Name("offload_rtt/asio_unpinned_pool")->UseRealTime();
BENCHMARK(submit_to_rtt_weft)->Name("submit_to_rtt/weft")->UseRealTime();
BENCHMARK(submit_to_rtt_weft_spin)->Name("submit_to_rtt/weft_idle_spin_200us")->UseRealTime();
BENCHMARK(submit_to_rtt_asio)->Name("submit_to_rtt/asio")->UseRealTime();
BENCHMARK(submit_to_rtt_asio_condvar)->Name("submit_to_rtt/asio_condvar")->UseRealTime();
BENCHMARK(wake_floor_rtt)->Name("wake_floor_rtt/os")->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("boost_version", BOOST_LIB_VERSION);
  benchmark::AddCustomContext("weft_channel", WEFT_BENCH_CHANNEL ? "built" : "not built (no weft_sync yet)");
  std::string cpus;
  for (int cpu : allowed_cpus()) cpus += (cpus.empty() ? "" : ",") + std::to_string(cpu);
  benchmark::AddCustomContext("allowed_cpus", cpus);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
