#include "buffer_pool.hpp"

#include <cstring>

namespace weft::http::detail {
namespace {

// Bounded, so a burst of connections does not pin its peak memory for ever.
constexpr std::size_t kMaxPooled = 256;
constexpr std::size_t kMaxPooledWriteCapacity = 256 * 1024;

thread_local std::vector<std::unique_ptr<char[]>> t_read_pool;
thread_local std::vector<std::string> t_write_pool;

}  // namespace

void ReadBuffer::acquire() {
  if (data_ != nullptr) return;
  if (!t_read_pool.empty()) {
    data_ = std::move(t_read_pool.back());
    t_read_pool.pop_back();
  } else {
    data_ = std::make_unique_for_overwrite<char[]>(kSize);
  }
  begin_ = end_ = 0;
}

void ReadBuffer::release() noexcept {
  if (data_ == nullptr) return;
  if (t_read_pool.size() < kMaxPooled) {
    try {
      t_read_pool.push_back(std::move(data_));
    } catch (...) {  // the pool could not grow: free the buffer instead
    }
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
  if (buffer.capacity() == 0 || buffer.capacity() > kMaxPooledWriteCapacity || t_write_pool.size() >= kMaxPooled) {
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
