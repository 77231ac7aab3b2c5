// RawClient: the client side of server tests, a raw TcpStream that sends bytes as
// given and reads responses back field by field, so every byte on the wire is checked.
#pragma once

#include <weft/http/server.hpp>
#include <weft/net/tcp_stream.hpp>
#include <weft/runtime/select.hpp>
#include <weft/runtime/sleep.hpp>

#include <gtest/gtest.h>

#include <sys/socket.h>

#include <array>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace weft::http::testing_support {

using namespace std::chrono_literals;

// One response as the client read it.
struct Reply {
  int status = 0;
  std::string head;  // status line and fields, up to the empty line
  std::string body;  // de-chunked
  bool has(std::string_view field) const { return head.find(field) != std::string::npos; }
};

// Reads responses off a client stream; a read that waits an hour (which on the paused
// clock means: nothing will ever come) counts as a failure, never a hang.
class RawClient {
 public:
  explicit RawClient(net::TcpStream stream) : stream_(std::move(stream)) {}

  static Task<RawClient> connect(const Server& server) {
    co_return RawClient((co_await net::TcpStream::connect(server.local_address())).value());
  }

  // A client whose receive buffer is as small as the kernel allows (set before the
  // handshake, so the window it advertises is that small from the start): what the
  // server writes piles up in the server's send buffer, and once a test shrinks that
  // too, the server's writes come back partial.
  static RawClient connect_with_small_receive_buffer(const Server& server) {
    const net::Address address = server.local_address();
    const int fd = ::socket(address.data()->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    EXPECT_GE(fd, 0);
    const int bytes = 1;  // raised to the kernel's minimum
    EXPECT_EQ(::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes), 0);
    EXPECT_EQ(::connect(fd, address.data(), address.size()), 0);  // loopback: at once
    return RawClient(net::TcpStream(IoHandle(fd)));
  }

  Task<void> send(std::string_view bytes) {
    const auto sent = co_await stream_.write_all(bytes);
    EXPECT_TRUE(sent) << sent.error().message();
  }

  // The next response, or nullopt at end of stream (or after an hour of nothing).
  Task<std::optional<Reply>> reply() {
    std::size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!co_await fill()) co_return std::nullopt;
    }
    Reply reply;
    reply.head = buffer_.substr(0, end + 2);
    buffer_.erase(0, end + 4);
    reply.status = std::stoi(reply.head.substr(9, 3));
    if (reply.status == 100) co_return reply;
    if (const auto at = reply.head.find("Content-Length: "); at != std::string::npos) {
      const std::size_t length = std::stoul(reply.head.substr(at + 16));
      while (buffer_.size() < length) {
        if (!co_await fill()) co_return std::nullopt;
      }
      reply.body = buffer_.substr(0, length);
      buffer_.erase(0, length);
    } else if (reply.has("Transfer-Encoding: chunked")) {
      while (true) {
        std::size_t line_end;
        while ((line_end = buffer_.find("\r\n")) == std::string::npos) {
          if (!co_await fill()) co_return std::nullopt;
        }
        const std::size_t size = std::stoul(buffer_.substr(0, line_end), nullptr, 16);
        while (buffer_.size() < line_end + 2 + size + 2) {
          if (!co_await fill()) co_return std::nullopt;
        }
        reply.body += buffer_.substr(line_end + 2, size);
        buffer_.erase(0, line_end + 2 + size + 2);
        if (size == 0) break;
      }
    } else if (!reply.has("HTTP/1.1 204") && !reply.has("HTTP/1.1 304")) {
      bool more = true;
      while (more) more = co_await fill();
      reply.body = std::exchange(buffer_, {});
    }
    co_return reply;
  }

  // True when the server closed the connection (after any bytes still unread).
  Task<bool> closed_by_server() {
    bool more = true;
    while (more) more = co_await fill();
    co_return eof_;
  }

  const std::string& unread() const { return buffer_; }

 private:
  Task<bool> fill() {
    std::array<char, 4096> chunk;
    auto got = co_await select(stream_.read(chunk), sleep(1h));
    if (got.index() == 1) co_return false;
    auto& read = std::get<0>(got);
    if (!read || *read == 0) {
      eof_ = true;
      co_return false;
    }
    buffer_.append(chunk.data(), *read);
    co_return true;
  }

  net::TcpStream stream_;
  std::string buffer_;
  bool eof_ = false;
};

}  // namespace weft::http::testing_support
