// The per-thread pools of connection buffers (framework/src/http/buffer_pool.hpp).
// Each case runs in a thread of its own, so it starts from empty pools whatever ran
// before on the test's thread, and its pools are freed when it ends (the ASan build's
// leak check sees a buffer the thread's exit did not free).
#include "http/buffer_pool.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

using weft::http::detail::give_write_buffer;
using weft::http::detail::ReadBuffer;
using weft::http::detail::take_write_buffer;

template <class F>
void in_fresh_thread(F body) {
  std::thread thread(body);
  thread.join();
}

TEST(BufferPool, ReleasedReadBuffersComeBackLastInFirstOut) {
  in_fresh_thread([] {
    std::vector<const char*> released;
    {
      std::vector<ReadBuffer> buffers(3);
      for (ReadBuffer& buffer : buffers) buffer.acquire();
      for (ReadBuffer& buffer : buffers) {
        released.push_back(buffer.data());
        buffer.release();
        EXPECT_FALSE(buffer.held());
      }
    }
    std::vector<ReadBuffer> again(3);
    for (std::size_t i = 0; i < again.size(); ++i) {
      again[i].acquire();
      EXPECT_EQ(again[i].data(), released[released.size() - 1 - i]) << "buffer " << i;
    }
  });
}

TEST(BufferPool, AReusedReadBufferStartsEmptyAndHoldsAWholeBuffer) {
  in_fresh_thread([] {
    ReadBuffer buffer;
    buffer.acquire();
    std::memcpy(buffer.space(), "leftover", 8);
    buffer.produced(8);
    buffer.consume(8);
    buffer.release();
    buffer.acquire();
    EXPECT_TRUE(buffer.empty());
    EXPECT_EQ(buffer.space_size(), ReadBuffer::kSize);
    std::memset(buffer.space(), 'x', buffer.space_size());  // the whole buffer is writable (ASan)
  });
}

TEST(BufferPool, AWriteBufferGivenBackIsTakenAgainEmptyWithItsCapacity) {
  in_fresh_thread([] {
    std::string buffer;
    buffer.reserve(1000);
    buffer = "a response";
    give_write_buffer(std::move(buffer));
    const std::string taken = take_write_buffer();
    EXPECT_TRUE(taken.empty());
    EXPECT_GE(taken.capacity(), 1000u);
  });
}

// A string that never allocated is no buffer: pooling it would hand a request a
// buffer that must grow at once, instead of the real one behind it.
TEST(BufferPool, AnUnallocatedStringIsNotPooled) {
  in_fresh_thread([] {
    std::string big;
    big.reserve(1000);
    give_write_buffer(std::move(big));
    give_write_buffer(std::string());
    const std::string taken = take_write_buffer();
    EXPECT_GE(taken.capacity(), 1000u);
  });
}

TEST(BufferPool, AnEmptyPoolGivesANewEmptyString) {
  in_fresh_thread([] { EXPECT_TRUE(take_write_buffer().empty()); });
}

}  // namespace
