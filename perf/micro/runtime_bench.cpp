// Cost of weft's coroutine primitives on one core. Each benchmark's loop runs inside a
// task on the reactor (block_on), so it measures wall time (UseRealTime).
//
// Run: build-release/perf/micro/weft_micro [--benchmark_filter=...]
#include <weft/weft.hpp>

#include <benchmark/benchmark.h>

#include <chrono>

namespace {

using namespace std::chrono_literals;
using weft::Task;

Task<int> value(int x) { co_return x; }

// Runs `body(state)` on a one-core runtime of the given backend.
template <class Body>
void on_reactor(benchmark::State& state, Body body) {
  weft::Runtime runtime(weft::RuntimeOptions{.cores = 1, .backend = weft::Backend::epoll});
  runtime.block_on(body(state));
}

void BM_TaskCreateAndAwait(benchmark::State& state) {
  on_reactor(state, [](benchmark::State& s) -> Task<void> {
    int sum = 0;
    for (auto _ : s) sum += co_await value(1);
    benchmark::DoNotOptimize(sum);
  });
}

void BM_SpawnAndJoin(benchmark::State& state) {
  on_reactor(state, [](benchmark::State& s) -> Task<void> {
    int sum = 0;
    for (auto _ : s) sum += co_await weft::spawn(value(1));
    benchmark::DoNotOptimize(sum);
  });
}

void BM_SleepZeroRoundTrip(benchmark::State& state) {
  on_reactor(state, [](benchmark::State& s) -> Task<void> {
    for (auto _ : s) co_await weft::sleep(0ms);
  });
}

void BM_YieldRoundTrip(benchmark::State& state) {
  on_reactor(state, [](benchmark::State& s) -> Task<void> {
    for (auto _ : s) co_await weft::yield_now();
  });
}

void BM_SelectReadyTaskAgainstTimer(benchmark::State& state) {
  on_reactor(state, [](benchmark::State& s) -> Task<void> {
    std::size_t wins = 0;
    for (auto _ : s) wins += (co_await weft::select(value(1), weft::sleep(1s))).index() == 0;
    benchmark::DoNotOptimize(wins);
  });
}

void BM_SelectYieldingTaskAgainstTimer(benchmark::State& state) {
  // The task suspends once, so the timer is armed and then cancelled every time.
  on_reactor(state, [](benchmark::State& s) -> Task<void> {
    auto yielding = []() -> Task<int> {
      co_await weft::yield_now();
      co_return 1;
    };
    std::size_t wins = 0;
    for (auto _ : s) wins += (co_await weft::select(yielding(), weft::sleep(1s))).index() == 0;
    benchmark::DoNotOptimize(wins);
  });
}

void BM_JoinOfTwoReadyTasks(benchmark::State& state) {
  on_reactor(state, [](benchmark::State& s) -> Task<void> {
    int sum = 0;
    for (auto _ : s) {
      auto [a, b] = co_await weft::join(value(1), value(2));
      sum += a + b;
    }
    benchmark::DoNotOptimize(sum);
  });
}

BENCHMARK(BM_TaskCreateAndAwait)->UseRealTime();
BENCHMARK(BM_SpawnAndJoin)->UseRealTime();
BENCHMARK(BM_SleepZeroRoundTrip)->UseRealTime();
BENCHMARK(BM_YieldRoundTrip)->UseRealTime();
BENCHMARK(BM_SelectReadyTaskAgainstTimer)->UseRealTime();
BENCHMARK(BM_SelectYieldingTaskAgainstTimer)->UseRealTime();
BENCHMARK(BM_JoinOfTwoReadyTasks)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
