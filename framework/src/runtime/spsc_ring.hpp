// A bounded single-producer/single-consumer ring: the link from one core to another.
// Each side keeps a cached copy of the other's index, so a push or pop touches the
// other side's cache line only when its cached view says full or empty.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>

namespace weft::detail {

template <class T, std::size_t Capacity>
class SpscRing {
  static_assert((Capacity & (Capacity - 1)) == 0, "Capacity must be a power of two");

 public:
  /// Producer thread only. False when full.
  bool push(const T& value) noexcept {
    const std::size_t tail = tail_.load(std::memory_order_relaxed);
    if (tail - producer_cached_head_ == Capacity) {
      // Acquire pairs with the consumer's release of head_: the slot is free again.
      producer_cached_head_ = head_.load(std::memory_order_acquire);
      if (tail - producer_cached_head_ == Capacity) return false;
    }
    slots_[tail & (Capacity - 1)] = value;
    // seq_cst (not just release, which would publish the slot): the store also takes
    // part in the sleep handshake in Reactor (see Reactor::wake_if_sleeping).
    tail_.store(tail + 1, std::memory_order_seq_cst);
    return true;
  }

  /// Consumer thread only. False when empty.
  bool pop(T& out) noexcept {
    const std::size_t head = head_.load(std::memory_order_relaxed);
    if (head == consumer_cached_tail_) {
      // Acquire pairs with the producer's release of tail_: the slot is filled.
      consumer_cached_tail_ = tail_.load(std::memory_order_acquire);
      if (head == consumer_cached_tail_) return false;
    }
    out = slots_[head & (Capacity - 1)];
    // Release hands the slot back to the producer only after it has been read.
    head_.store(head + 1, std::memory_order_release);
    return true;
  }

  /// Consumer thread: whether anything may be waiting (seq_cst: part of the sleep
  /// handshake in Reactor, paired with push()'s seq_cst store).
  bool maybe_nonempty() const noexcept {
    return tail_.load(std::memory_order_seq_cst) != head_.load(std::memory_order_relaxed);
  }

 private:
  alignas(64) std::atomic<std::size_t> head_{0};  // consumer's
  std::size_t consumer_cached_tail_ = 0;
  alignas(64) std::atomic<std::size_t> tail_{0};  // producer's
  std::size_t producer_cached_head_ = 0;
  alignas(64) std::array<T, Capacity> slots_{};
};

}  // namespace weft::detail
