#include <weft/net/stream.hpp>

#include "socket_util.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <array>

namespace weft::net {

Task<Result<void>> Stream::write_all(std::span<const std::byte> bytes) {
  while (!bytes.empty()) {
    const IoVec one{bytes.data(), bytes.size()};
    auto written = co_await handle_.write_some(std::span(&one, 1));
    if (!written) co_return fail(written.error());
    bytes = bytes.subspan(*written);
  }
  co_return Result<void>{};
}

Task<Result<void>> Stream::writev_all(std::span<const IoVec> buffers) {
  // Gather up to kBatch buffers per send; a partial send trims the front in place.
  constexpr std::size_t kBatch = 64;
  std::array<IoVec, kBatch> batch;  // only [0, count) is read
  std::size_t next = 0;
  std::size_t count = 0;
  while (true) {
    while (count < kBatch && next < buffers.size()) {
      if (buffers[next].size != 0) batch[count++] = buffers[next];
      ++next;
    }
    if (count == 0) co_return Result<void>{};
    auto written = co_await handle_.write_some(std::span(batch.data(), count));
    if (!written) co_return fail(written.error());
    std::size_t left = *written;
    std::size_t done = 0;
    while (done < count && left >= batch[done].size) left -= batch[done++].size;
    if (done < count) {
      batch[done].data = static_cast<const std::byte*>(batch[done].data) + left;
      batch[done].size -= left;
    }
    std::move(batch.begin() + static_cast<std::ptrdiff_t>(done), batch.begin() + static_cast<std::ptrdiff_t>(count),
              batch.begin());
    count -= done;
  }
}

Result<void> Stream::shutdown(Direction direction) noexcept {
  const int how = direction == Direction::read ? SHUT_RD : direction == Direction::write ? SHUT_WR : SHUT_RDWR;
  if (::shutdown(handle_.fd(), how) < 0) return detail::errno_failure();
  return {};
}

Result<Address> Stream::peer_address() const { return detail::socket_address(handle_.fd(), &::getpeername); }

Result<Address> Stream::local_address() const { return detail::socket_address(handle_.fd(), &::getsockname); }

}  // namespace weft::net
