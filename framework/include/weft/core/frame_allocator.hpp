// Coroutine frames come from per-thread size-class free lists: each reactor thread
// recycles its own frames without locks, and sizes above the largest class go to the
// heap. A frame freed on another thread joins that thread's lists, which is safe
// (blocks are plain memory) and rare (tasks never migrate between cores).
#pragma once

#include <cstddef>
#include <cstdint>

namespace weft {

/// Frame counters of the calling thread.
struct FrameStats {
  std::int64_t live = 0;         ///< allocated minus freed on this thread
  std::uint64_t from_pool = 0;   ///< allocations served from a free list
  std::uint64_t from_heap = 0;   ///< allocations that went to operator new
};

FrameStats frame_stats() noexcept;

namespace detail {
void* allocate_frame(std::size_t size);
void deallocate_frame(void* frame, std::size_t size) noexcept;
}  // namespace detail

}  // namespace weft
