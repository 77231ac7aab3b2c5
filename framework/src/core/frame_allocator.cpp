#include <weft/core/frame_allocator.hpp>

#include <array>
#include <new>

namespace weft {
namespace {

constexpr std::size_t kGranule = 64;
constexpr std::size_t kClasses = 32;          // frames up to 2 KiB are pooled
// Enough for the frames of a few hundred busy tasks per class; past it frames go back
// to the heap, so a burst (10,000 connections opening at once) does not keep its peak
// in the lists for ever.
constexpr std::size_t kMaxCachedPerClass = 512;

struct FreeBlock {
  FreeBlock* next;
};

class FramePool {
 public:
  ~FramePool() {
    destroyed_ = true;
    for (auto& head : heads_) {
      while (head != nullptr) {
        FreeBlock* next = head->next;
        ::operator delete(head);
        head = next;
      }
    }
  }

  void* allocate(std::size_t size) {
    ++stats_.live;
    const std::size_t cls = class_of(size);
    if (cls < kClasses && heads_[cls] != nullptr) {
      FreeBlock* block = heads_[cls];
      heads_[cls] = block->next;
      --counts_[cls];
      ++stats_.from_pool;
      return block;
    }
    ++stats_.from_heap;
    return ::operator new(cls < kClasses ? (cls + 1) * kGranule : size);
  }

  void deallocate(void* frame, std::size_t size) noexcept {
    --stats_.live;
    const std::size_t cls = class_of(size);
    if (destroyed_ || cls >= kClasses || counts_[cls] >= kMaxCachedPerClass) {
      ::operator delete(frame);
      return;
    }
    heads_[cls] = new (frame) FreeBlock{heads_[cls]};
    ++counts_[cls];
  }

  FrameStats stats() const noexcept { return stats_; }

 private:
  static std::size_t class_of(std::size_t size) noexcept { return (size + kGranule - 1) / kGranule - 1; }

  std::array<FreeBlock*, kClasses> heads_{};
  std::array<std::size_t, kClasses> counts_{};
  FrameStats stats_{};
  bool destroyed_ = false;
};

thread_local FramePool t_pool;

}  // namespace

FrameStats frame_stats() noexcept { return t_pool.stats(); }

namespace detail {
void* allocate_frame(std::size_t size) { return t_pool.allocate(size); }
void deallocate_frame(void* frame, std::size_t size) noexcept { t_pool.deallocate(frame, size); }
}  // namespace detail

}  // namespace weft
