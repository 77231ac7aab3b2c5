// Per-core pools of connection buffers. A connection takes its read and write buffers
// when a request starts and gives them back when it goes idle, so an idle keep-alive
// connection holds none, and a busy core reuses the same few instead of allocating.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace weft::http::detail {

/// A fixed-size read buffer with the unparsed bytes in [begin, end).
class ReadBuffer {
 public:
  static constexpr std::size_t kSize = 16 * 1024;

  ReadBuffer() = default;
  ReadBuffer(ReadBuffer&&) noexcept = default;
  ReadBuffer& operator=(ReadBuffer&&) noexcept = default;
  ~ReadBuffer() { release(); }

  bool held() const noexcept { return data_ != nullptr; }
  /// Takes a buffer from this core's pool (or allocates one) if none is held.
  void acquire();
  /// Returns the buffer to the pool; the unparsed bytes must have been used.
  void release() noexcept;

  bool empty() const noexcept { return begin_ == end_; }
  std::size_t size() const noexcept { return end_ - begin_; }
  const char* data() const noexcept { return data_.get() + begin_; }
  /// Where the next read may put bytes (after the unparsed ones, moved to the front).
  char* space() noexcept;
  std::size_t space_size() const noexcept { return kSize - end_; }
  void produced(std::size_t n) noexcept { end_ += n; }
  void consume(std::size_t n) noexcept;

 private:
  std::unique_ptr<char[]> data_;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
};

/// A write buffer (a std::string whose capacity is reused) from this core's pool.
std::string take_write_buffer();
void give_write_buffer(std::string&& buffer) noexcept;

}  // namespace weft::http::detail
