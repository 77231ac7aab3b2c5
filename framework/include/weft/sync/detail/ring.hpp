// A FIFO ring of at most `limit` values for Channel's buffer. Its storage grows by
// doubling up to the limit and is then reused, so a channel in steady state does not
// allocate per message (std::deque would, once per block).
#pragma once

#include <cstddef>
#include <memory>
#include <new>
#include <utility>

namespace weft::detail {

template <class T>
class Ring {
 public:
  explicit Ring(std::size_t limit) noexcept : limit_(limit) {}
  Ring(const Ring&) = delete;
  Ring& operator=(const Ring&) = delete;
  ~Ring() {
    for (std::size_t i = 0; i < size_; ++i) std::destroy_at(&slot(i));
    if (data_ != nullptr) std::allocator<T>{}.deallocate(data_, capacity_);
  }

  bool empty() const noexcept { return size_ == 0; }
  bool full() const noexcept { return size_ == limit_; }
  std::size_t size() const noexcept { return size_; }
  std::size_t limit() const noexcept { return limit_; }

  /// Precondition: !full().
  void push_back(T&& value) {
    if (size_ == capacity_) grow();
    std::construct_at(&slot(size_), std::move(value));
    ++size_;
  }

  /// Precondition: !empty().
  T pop_front() {
    T& front = slot(0);
    T value(std::move(front));
    std::destroy_at(&front);
    head_ = next(head_);
    --size_;
    return value;
  }

 private:
  T& slot(std::size_t index) noexcept {
    std::size_t at = head_ + index;
    if (at >= capacity_) at -= capacity_;
    return data_[at];
  }
  std::size_t next(std::size_t at) const noexcept { return at + 1 == capacity_ ? 0 : at + 1; }

  void grow() {
    const std::size_t doubled = capacity_ == 0 ? 4 : capacity_ * 2;
    const std::size_t capacity = doubled < limit_ ? doubled : limit_;
    T* data = std::allocator<T>{}.allocate(capacity);
    std::size_t moved = 0;
    try {
      for (; moved < size_; ++moved) std::construct_at(data + moved, std::move_if_noexcept(slot(moved)));
    } catch (...) {
      std::destroy(data, data + moved);
      std::allocator<T>{}.deallocate(data, capacity);
      throw;
    }
    for (std::size_t i = 0; i < size_; ++i) std::destroy_at(&slot(i));
    if (data_ != nullptr) std::allocator<T>{}.deallocate(data_, capacity_);
    data_ = data;
    capacity_ = capacity;
    head_ = 0;
  }

  T* data_ = nullptr;
  std::size_t capacity_ = 0;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
  std::size_t limit_;
};

}  // namespace weft::detail
