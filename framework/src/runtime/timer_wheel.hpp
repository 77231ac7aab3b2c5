// A hierarchical timer wheel: O(1) arm and cancel, O(levels) to find the next
// deadline. Ticks are milliseconds since the reactor started. Level l holds timers
// whose deadline first differs from "now" in the l-th 6-bit digit; when time reaches
// a slot's start the slot is cascaded one level down. Deadlines past the top level
// wait on an overflow list that is re-sorted once per top-level rotation (~4.6 h).
#pragma once

#include <weft/runtime/detail/timer.hpp>

#include <array>
#include <cstdint>
#include <optional>

namespace weft::detail {

class TimerWheel {
 public:
  static constexpr unsigned kBits = 6;
  static constexpr unsigned kSlots = 1u << kBits;
  static constexpr unsigned kLevels = 4;

  explicit TimerWheel(std::uint64_t now = 0) noexcept;
  TimerWheel(const TimerWheel&) = delete;
  TimerWheel& operator=(const TimerWheel&) = delete;

  std::uint64_t now() const noexcept { return now_; }
  std::size_t size() const noexcept { return size_; }

  /// Arms `timer` to fire at tick `deadline`; a past deadline fires at the next advance.
  void arm(Timer& timer, std::uint64_t deadline) noexcept;

  /// Disarms `timer` if armed.
  void cancel(Timer& timer) noexcept;

  /// The earliest tick at which advance() may fire something; nullopt when empty.
  std::optional<std::uint64_t> next_deadline() const noexcept;

  /// Moves time to `target` (never backwards), firing every timer due by then in
  /// tick order. A fired timer is disarmed before its callback runs; the callback
  /// may arm or cancel timers.
  void advance(std::uint64_t target) noexcept;

 private:
  static constexpr std::uint8_t kOverflow = kLevels;
  static constexpr std::uint8_t kExpired = kLevels + 1;

  Timer& list(std::uint8_t level, std::uint8_t index) noexcept;
  void place(Timer& timer) noexcept;
  void unlink(Timer& timer) noexcept;
  void cascade(std::uint64_t tick) noexcept;
  void fire_all(Timer& head) noexcept;
  void rehome_all(Timer& head) noexcept;
  static unsigned digit(std::uint64_t tick, unsigned level) noexcept {
    return static_cast<unsigned>(tick >> (kBits * level)) & (kSlots - 1);
  }

  std::uint64_t now_;
  std::size_t size_ = 0;
  std::array<std::array<Timer, kSlots>, kLevels> slots_{};  // sentinel heads
  std::array<std::uint64_t, kLevels> occupied_{};           // bit i: slot i non-empty
  Timer overflow_;
  Timer expired_;
};

}  // namespace weft::detail
