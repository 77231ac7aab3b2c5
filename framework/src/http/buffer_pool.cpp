#include "buffer_pool.hpp"

#include <cstring>
#include <new>
#include <utility>
#include <vector>

namespace weft::http::detail {
namespace {

// Bounded, so a burst of connections does not pin its peak memory for ever.
constexpr std::size_t kMaxPooled = 256;
constexpr std::size_t kMaxPooledWriteCapacity = 256 * 1024;

struct FreeBuffer {
  FreeBuffer* next;
};

// The free read buffers, a stack linked through the buffers themselves. Trivially
// destructible, so using the thread_local needs no init guard (a vector here cost a
// guard and a unique_ptr move each way); a ReadPoolReaper, armed with the first
// buffer given back, frees the buffers at thread exit.
struct ReadPool {
  FreeBuffer* top = nullptr;
  std::size_t count = 0;
  bool reaper_armed = false;
  bool reaped = false;

  void reap() noexcept {
    reaped = true;
    reaper_armed = false;
    while (top != nullptr) {
      delete[] reinterpret_cast<char*>(std::exchange(top, top->next));
    }
    count = 0;
  }
};
constinit thread_local ReadPool t_read_pool;

struct ReadPoolReaper {
  ~ReadPoolReaper() { t_read_pool.reap(); }
};
thread_local ReadPoolReaper t_read_pool_reaper;

thread_local std::vector<std::string> t_write_pool;

}  // namespace

void ReadBuffer::acquire() {
  if (data_ != nullptr) return;
  ReadPool& pool = t_read_pool;
  if (pool.top != nullptr) {
    FreeBuffer* buffer = std::exchange(pool.top, pool.top->next);
    --pool.count;
    buffer->~FreeBuffer();
    data_.reset(reinterpret_cast<char*>(buffer));
  } else {
    data_ = std::make_unique_for_overwrite<char[]>(kSize);
  }
  begin_ = end_ = 0;
}

void ReadBuffer::release() noexcept {
  if (data_ == nullptr) return;
  ReadPool& pool = t_read_pool;
  if (!pool.reaper_armed && !pool.reaped) {
    static_cast<void>(&t_read_pool_reaper);  // odr-use: registers its destructor for this thread
    pool.reaper_armed = true;
  }
  if (pool.reaper_armed && pool.count < kMaxPooled) {
    pool.top = new (data_.release()) FreeBuffer{pool.top};
    ++pool.count;
  }
  data_.reset();
  begin_ = end_ = 0;
}

char* ReadBuffer::space() noexcept {
  if (begin_ > 0) {
    std::memmove(data_.get(), data_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  return data_.get() + end_;
}

void ReadBuffer::consume(std::size_t n) noexcept {
  begin_ += n;
  if (begin_ == end_) begin_ = end_ = 0;
}

std::string take_write_buffer() {
  if (t_write_pool.empty()) return {};
  std::string buffer = std::move(t_write_pool.back());
  t_write_pool.pop_back();
  return buffer;
}

void give_write_buffer(std::string&& buffer) noexcept {
  buffer.clear();
  // An unallocated string (its capacity the inline one) is no buffer worth keeping.
  const bool allocated = buffer.capacity() > std::string().capacity();
  if (!allocated || buffer.capacity() > kMaxPooledWriteCapacity || t_write_pool.size() >= kMaxPooled) {
    std::string().swap(buffer);
    return;
  }
  try {
    t_write_pool.push_back(std::move(buffer));
  } catch (...) {
    std::string().swap(buffer);
  }
}

}  // namespace weft::http::detail
