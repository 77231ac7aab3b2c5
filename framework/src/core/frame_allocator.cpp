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

// Trivially destructible, so that using the thread_local below needs no guard: a
// FramePool with a destructor costs a TLS-init check on every allocation and frees.
// Its lists are freed at thread exit by a PoolReaper, armed the first time a block
// enters a list (a branch on a flag, in the paths that push to a list only).
class FramePool {
 public:
  void* allocate(std::size_t size) {
    ++stats_.live;
    const std::size_t cls = class_of(size);
    if (cls < kClasses && heads_[cls] != nullptr) [[likely]] {
      FreeBlock* block = heads_[cls];
      heads_[cls] = block->next;
      --counts_[cls];
      ++stats_.from_pool;
      return block;
    }
    return allocate_from_heap(size);
  }

  void deallocate(void* frame, std::size_t size) noexcept {
    --stats_.live;
    const std::size_t cls = class_of(size);
    if (reaper_armed_ && cls < kClasses && counts_[cls] < kMaxCachedPerClass) [[likely]] {
      heads_[cls] = new (frame) FreeBlock{heads_[cls]};
      ++counts_[cls];
      return;
    }
    deallocate_slowly(frame, size);
  }

  /// At thread exit: frees the lists; frames freed after this go to the heap.
  void reap() noexcept {
    destroyed_ = true;
    reaper_armed_ = false;
    for (auto& head : heads_) {
      while (head != nullptr) {
        FreeBlock* next = head->next;
        ::operator delete(head);
        head = next;
      }
    }
  }

  FrameStats stats() const noexcept { return stats_; }

 private:
  static std::size_t class_of(std::size_t size) noexcept { return (size + kGranule - 1) / kGranule - 1; }

  // Out of line, so the fast paths above stay small enough to need no stack frame work
  // beyond a register or two.
  [[gnu::noinline]] void* allocate_from_heap(std::size_t size) {
    ++stats_.from_heap;
    const std::size_t cls = class_of(size);
    return ::operator new(cls < kClasses ? (cls + 1) * kGranule : size);
  }
  [[gnu::noinline]] void deallocate_slowly(void* frame, std::size_t size) noexcept;

  std::array<FreeBlock*, kClasses> heads_{};
  std::array<std::size_t, kClasses> counts_{};
  FrameStats stats_{};
  bool reaper_armed_ = false;
  bool destroyed_ = false;
};

constinit thread_local FramePool t_pool;

struct PoolReaper {
  ~PoolReaper() { t_pool.reap(); }
};
thread_local PoolReaper t_reaper;

// A block the fast path could not list: the first one (arms the reaper, which the
// thread_local's first use registers), one past the class's cap or a size past the
// largest class (to the heap), or one after the thread's reaper ran (to the heap).
void FramePool::deallocate_slowly(void* frame, std::size_t size) noexcept {
  const std::size_t cls = class_of(size);
  if (!destroyed_ && !reaper_armed_) {
    static_cast<void>(&t_reaper);  // odr-use: registers its destructor for this thread
    reaper_armed_ = true;
    if (cls < kClasses && counts_[cls] < kMaxCachedPerClass) {
      heads_[cls] = new (frame) FreeBlock{heads_[cls]};
      ++counts_[cls];
      return;
    }
  }
  ::operator delete(frame);
}

}  // namespace

FrameStats frame_stats() noexcept { return t_pool.stats(); }

namespace detail {
void* allocate_frame(std::size_t size) { return t_pool.allocate(size); }
void deallocate_frame(void* frame, std::size_t size) noexcept { t_pool.deallocate(frame, size); }
}  // namespace detail

}  // namespace weft
