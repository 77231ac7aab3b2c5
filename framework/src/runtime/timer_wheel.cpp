#include "timer_wheel.hpp"

#include <bit>

namespace weft::detail {
namespace {

void init_sentinel(Timer& head) noexcept { head.next = head.prev = &head; }
bool empty(const Timer& head) noexcept { return head.next == &head; }

// Detaches the whole list behind `head` and returns its first element (a null-ended
// chain), so callbacks that re-arm timers never see a half-walked list.
Timer* take_all(Timer& head) noexcept {
  if (empty(head)) return nullptr;
  Timer* first = head.next;
  head.prev->next = nullptr;
  init_sentinel(head);
  return first;
}

}  // namespace

TimerWheel::TimerWheel(std::uint64_t now) noexcept : now_(now) {
  for (auto& level : slots_) {
    for (auto& head : level) init_sentinel(head);
  }
  init_sentinel(overflow_);
  init_sentinel(expired_);
}

Timer& TimerWheel::list(std::uint8_t level, std::uint8_t index) noexcept {
  if (level == kOverflow) return overflow_;
  if (level == kExpired) return expired_;
  return slots_[level][index];
}

void TimerWheel::place(Timer& timer) noexcept {
  const std::uint64_t deadline = timer.deadline;
  timer.level = kOverflow;
  timer.index = 0;
  if (deadline <= now_) {
    timer.level = kExpired;
  } else {
    for (unsigned level = 0; level < kLevels; ++level) {
      const unsigned above = kBits * (level + 1);
      if ((deadline >> above) == (now_ >> above)) {
        timer.level = static_cast<std::uint8_t>(level);
        timer.index = static_cast<std::uint8_t>(digit(deadline, level));
        occupied_[level] |= 1ull << timer.index;
        break;
      }
    }
  }
  Timer& head = list(timer.level, timer.index);
  timer.next = &head;
  timer.prev = head.prev;
  head.prev->next = &timer;
  head.prev = &timer;
}

void TimerWheel::unlink(Timer& timer) noexcept {
  timer.prev->next = timer.next;
  timer.next->prev = timer.prev;
  timer.next = timer.prev = nullptr;
  if (timer.level < kLevels && empty(slots_[timer.level][timer.index])) {
    occupied_[timer.level] &= ~(1ull << timer.index);
  }
}

void TimerWheel::arm(Timer& timer, std::uint64_t deadline) noexcept {
  cancel(timer);
  timer.deadline = deadline;
  timer.armed = true;
  ++size_;
  place(timer);
}

void TimerWheel::cancel(Timer& timer) noexcept {
  if (!timer.armed) return;
  timer.armed = false;
  --size_;
  unlink(timer);
}

std::optional<std::uint64_t> TimerWheel::next_deadline() const noexcept {
  if (size_ == 0) return std::nullopt;
  if (!empty(expired_)) return now_;
  std::optional<std::uint64_t> best;
  for (unsigned level = 0; level < kLevels; ++level) {
    const unsigned current = digit(now_, level);
    // Level 0 slots at or before now's digit are empty (fired); higher levels' current
    // slot was cascaded when time entered it, so look strictly after the current digit.
    const std::uint64_t later = current + 1 >= kSlots ? 0 : occupied_[level] & (~0ull << (current + 1));
    if (later == 0) continue;
    const unsigned index = static_cast<unsigned>(std::countr_zero(later));
    const unsigned above = kBits * (level + 1);
    const std::uint64_t tick = ((now_ >> above) << above) | (std::uint64_t{index} << (kBits * level));
    if (!best || tick < *best) best = tick;
  }
  if (!best && !empty(overflow_)) {
    const unsigned top = kBits * kLevels;
    best = ((now_ >> top) + 1) << top;
  }
  return best;
}

void TimerWheel::rehome_all(Timer& head) noexcept {
  for (Timer* timer = take_all(head); timer != nullptr;) {
    Timer* next = timer->next;
    place(*timer);
    timer = next;
  }
}

void TimerWheel::cascade(std::uint64_t tick) noexcept {
  // Higher levels first, so their timers can land in the slots cascaded next.
  unsigned top = 1;
  while (top < kLevels && digit(tick, top - 1) == 0 && (tick & ((1ull << (kBits * top)) - 1)) == 0) ++top;
  if (top == kLevels && (tick & ((1ull << (kBits * kLevels)) - 1)) == 0) rehome_all(overflow_);
  for (unsigned level = top - 1; level >= 1; --level) {
    const unsigned index = digit(tick, level);
    occupied_[level] &= ~(1ull << index);
    rehome_all(slots_[level][index]);
  }
}

void TimerWheel::fire_all(Timer& head) noexcept {
  // Fire from the head of the list one at a time: a callback may cancel or re-arm
  // any timer, including ones later in this list, and the list stays consistent.
  // Timers armed during the loop go to other lists (deadline > now) or to expired_,
  // which the caller fires next.
  while (!empty(head)) {
    Timer* timer = head.next;
    unlink(*timer);
    timer->armed = false;
    --size_;
    timer->fire(timer);
  }
}

void TimerWheel::advance(std::uint64_t target) noexcept {
  fire_all(expired_);
  while (now_ < target) {
    if (size_ == 0) {
      now_ = target;
      break;
    }
    std::uint64_t tick = now_ + 1;
    if ((tick & (kSlots - 1)) != 0) {
      // Jump to the next occupied level-0 slot, or to the next cascade boundary.
      const std::uint64_t boundary = (tick | (kSlots - 1)) + 1;
      const std::uint64_t ahead = occupied_[0] & (~0ull << digit(tick, 0));
      const std::uint64_t next = ahead != 0 ? (tick & ~std::uint64_t{kSlots - 1}) + std::countr_zero(ahead) : boundary;
      if (next > target) {
        now_ = target;
        break;
      }
      if (next == boundary) {
        now_ = boundary - 1;
        continue;
      }
      tick = next;
    }
    now_ = tick;
    if ((tick & (kSlots - 1)) == 0) cascade(tick);
    const unsigned index = digit(tick, 0);
    occupied_[0] &= ~(1ull << index);
    fire_all(slots_[0][index]);
    fire_all(expired_);  // callbacks that armed "now" fire in this same advance
  }
}

}  // namespace weft::detail
