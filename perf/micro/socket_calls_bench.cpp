// What the kernel charges for the calls a backend can make to move one small response
// or request over TCP on loopback, all in the same run: the epoll backend's choice of
// send() for a single buffer (sendmsg for several) rests on these figures.
//
//   send  write  sendmsg   one 160-byte response (weft-hello's size) per call, to a
//                          peer drained outside the timed part every 64 calls; on
//                          loopback the call includes the receiving side's TCP work
//   recv  read             one 40-byte request (wrk's) per call, already waiting
//
// The differences are ~100-200 ns in calls of 1-5 us, smaller than the drift of one
// call's cost over seconds: so the calls take turns, 64 calls each, on the same
// sockets, round after round, and each round gives every call its mean. Printed: the
// median over rounds of each call's ns per call, and its ratio to the group's first.
// Each request is written on its own (TCP_NODELAY), so each is a segment of its own.
//
// Run: taskset -c 1 build-release/perf/micro/socket_calls_bench [ROUNDS]   (default 5000)

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

constexpr std::size_t kResponseBytes = 160;
constexpr std::size_t kRequestBytes = 40;
constexpr int kBatch = 64;  // calls between two drains of the peer

void require(bool ok, const char* what) {
  if (!ok) {
    std::perror(what);
    std::exit(1);
  }
}

// A connected TCP pair on 127.0.0.1: `server` is the accepted end, as in a server.
struct LoopbackPair {
  int server = -1;
  int client = -1;

  LoopbackPair() {
    const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    require(listener >= 0, "socket");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    require(::bind(listener, reinterpret_cast<sockaddr*>(&address), length) == 0, "bind");
    require(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) == 0, "getsockname");
    require(::listen(listener, 1) == 0, "listen");
    client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    require(::connect(client, reinterpret_cast<sockaddr*>(&address), length) == 0, "connect");
    server = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    require(server >= 0, "accept4");
    ::close(listener);
    // Without TCP_NODELAY on the client its small writes would wait for ACKs (Nagle).
    const int on = 1;
    require(::setsockopt(server, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) == 0, "setsockopt");
    require(::setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) == 0, "setsockopt");
  }
  ~LoopbackPair() {
    ::close(server);
    ::close(client);
  }
  LoopbackPair(const LoopbackPair&) = delete;
  LoopbackPair& operator=(const LoopbackPair&) = delete;
};

void read_exactly(int fd, std::size_t bytes) {
  static std::array<char, 1 << 16> sink;
  while (bytes > 0) {
    const ssize_t got = ::read(fd, sink.data(), std::min(bytes, sink.size()));
    require(got > 0, "read");
    bytes -= static_cast<std::size_t>(got);
  }
}

double now_ns() {
  timespec time{};
  ::clock_gettime(CLOCK_MONOTONIC, &time);
  return static_cast<double>(time.tv_sec) * 1e9 + static_cast<double>(time.tv_nsec);
}

double median(std::vector<double> values) {
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2), values.end());
  return values[values.size() / 2];
}

ssize_t send_one(int call, int fd, const char* data, std::size_t size) {
  switch (call) {
    case 0: return ::send(fd, data, size, MSG_NOSIGNAL);
    case 1: return ::write(fd, data, size);
    default: {
      iovec buffer{const_cast<char*>(data), size};
      msghdr message{};
      message.msg_iov = &buffer;
      message.msg_iovlen = 1;
      return ::sendmsg(fd, &message, MSG_NOSIGNAL);
    }
  }
}

ssize_t receive_one(int call, int fd, char* data, std::size_t size) {
  return call == 0 ? ::recv(fd, data, size, 0) : ::read(fd, data, size);
}

void report(const char* group, const std::vector<std::string>& names, const std::vector<std::vector<double>>& times) {
  const double first = median(times[0]);
  std::printf("%s\n", group);
  for (std::size_t i = 0; i < names.size(); ++i) {
    const double ns = median(times[i]);
    std::printf("  %-8s %7.0f ns/call  %.3f\n", names[i].c_str(), ns, ns / first);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const long rounds = argc > 1 ? std::atol(argv[1]) : 5000;
  if (rounds <= 0) {
    std::fprintf(stderr, "usage: %s [ROUNDS]   (a positive number; default 5000)\n", argv[0]);
    return 2;
  }
  LoopbackPair pair;
  std::array<char, kResponseBytes> response;
  response.fill('x');
  std::array<char, kRequestBytes> request;
  request.fill('r');
  std::array<char, 4096> buffer;  // a read buffer larger than the request, as a server's

  std::vector<std::vector<double>> sends(3), receives(2);
  for (long round = 0; round < rounds; ++round) {
    // Each round starts with another call: whichever goes first after the receives
    // pays for something they left (~200 ns here), and that must not favour one call.
    for (int turn = 0; turn < 3; ++turn) {
      const int call = static_cast<int>((round + turn) % 3);
      const double start = now_ns();
      for (int i = 0; i < kBatch; ++i) {
        require(send_one(call, pair.server, response.data(), response.size()) == ssize_t{kResponseBytes}, "send");
      }
      sends[call].push_back((now_ns() - start) / kBatch);
      read_exactly(pair.client, kBatch * kResponseBytes);
    }
    for (int turn = 0; turn < 2; ++turn) {
      const int call = static_cast<int>((round + turn) % 2);
      for (int i = 0; i < kBatch; ++i) {
        require(::write(pair.client, request.data(), request.size()) == ssize_t{kRequestBytes}, "write");
      }
      const double start = now_ns();
      // Each call asks for one request's bytes, so every call has one to take.
      for (int i = 0; i < kBatch; ++i) {
        require(receive_one(call, pair.server, buffer.data(), request.size()) == ssize_t{kRequestBytes}, "receive");
      }
      receives[call].push_back((now_ns() - start) / kBatch);
    }
  }
  std::printf("%ld rounds of %d calls each\n", rounds, kBatch);
  report("send a 160-byte response", {"send", "write", "sendmsg"}, sends);
  report("receive a 40-byte request", {"recv", "read"}, receives);
  return 0;
}
