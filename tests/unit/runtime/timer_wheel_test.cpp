#include "runtime/timer_wheel.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

namespace {

using weft::detail::Timer;
using weft::detail::TimerWheel;

struct Recorded : Timer {
  std::vector<std::uint64_t>* log = nullptr;
  TimerWheel* wheel = nullptr;
};

void record(Timer* timer) noexcept {
  auto* self = static_cast<Recorded*>(timer);
  self->log->push_back(self->wheel->now());
}

TEST(TimerWheel, FiresEachTimerAtItsDeadlineTickAcrossEveryLevel) {
  TimerWheel wheel(5);
  std::vector<std::uint64_t> fired;
  const std::vector<std::uint64_t> deadlines = {6, 63, 64, 65, 200, 4095, 4096, 5000, 262'144, 300'000, 16'777'300,
                                                20'000'000};
  std::vector<Recorded> timers(deadlines.size());
  for (std::size_t i = 0; i < deadlines.size(); ++i) {
    timers[i].fire = &record;
    timers[i].log = &fired;
    timers[i].wheel = &wheel;
    wheel.arm(timers[i], deadlines[i]);
  }
  EXPECT_EQ(wheel.size(), deadlines.size());
  // Step through time the way a reactor does: jump to each next deadline.
  while (auto next = wheel.next_deadline()) wheel.advance(*next);
  EXPECT_EQ(fired, deadlines);
  EXPECT_EQ(wheel.size(), 0u);
}

TEST(TimerWheel, NextDeadlineNeverSkipsAnArmedTimer) {
  std::mt19937_64 random(7);
  TimerWheel wheel(0);
  std::vector<std::uint64_t> fired;
  std::vector<Recorded> timers(2000);
  std::vector<std::uint64_t> expected;
  for (auto& timer : timers) {
    timer.fire = &record;
    timer.log = &fired;
    timer.wheel = &wheel;
    const std::uint64_t deadline = 1 + random() % 10'000'000;
    expected.push_back(deadline);
    wheel.arm(timer, deadline);
  }
  while (auto next = wheel.next_deadline()) wheel.advance(*next);
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(fired, expected);
}

TEST(TimerWheel, CancelledTimersNeverFire) {
  TimerWheel wheel(0);
  std::vector<std::uint64_t> fired;
  Recorded kept;
  Recorded cancelled;
  for (Recorded* timer : {&kept, &cancelled}) {
    timer->fire = &record;
    timer->log = &fired;
    timer->wheel = &wheel;
  }
  wheel.arm(kept, 100);
  wheel.arm(cancelled, 100);
  wheel.cancel(cancelled);
  wheel.cancel(cancelled);  // idempotent
  wheel.advance(1000);
  EXPECT_EQ(fired, std::vector<std::uint64_t>{100});
  EXPECT_FALSE(cancelled.armed);
}

TEST(TimerWheel, APastDeadlineFiresAtTheNextAdvance) {
  TimerWheel wheel(50);
  std::vector<std::uint64_t> fired;
  Recorded timer;
  timer.fire = &record;
  timer.log = &fired;
  timer.wheel = &wheel;
  wheel.arm(timer, 10);
  EXPECT_EQ(wheel.next_deadline(), 50u);
  wheel.advance(50);
  EXPECT_EQ(fired, std::vector<std::uint64_t>{50});
}

TEST(TimerWheel, AdvancingALongWayWithoutTimersIsImmediate) {
  TimerWheel wheel(0);
  wheel.advance(1ull << 40);
  EXPECT_EQ(wheel.now(), 1ull << 40);
  EXPECT_FALSE(wheel.next_deadline().has_value());
}

}  // namespace
