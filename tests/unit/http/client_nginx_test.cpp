// http::Client against a real nginx (Debian's, started here on 127.0.0.1 with its own
// config and prefix), both backends, real clock: static files with Content-Length,
// gzip output sent chunked, HEAD, errors, and nginx ending keep-alive connections
// after `keepalive_requests`.
#include <weft/http/client.hpp>

#include <weft/testing/backends.hpp>
#include <weft/testing/run.hpp>

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <netinet/in.h>
#include <spawn.h>
#include <string>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace weft::http {
namespace {

namespace fs = std::filesystem;

constexpr const char* kNginx = "/usr/sbin/nginx";

std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), size);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
  ::close(fd);
  return ntohs(address.sin_port);
}

bool accepts(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return ok;
}

// An nginx in the foreground, one process, in a fresh prefix; stopped on destruction.
class Nginx {
 public:
  Nginx() : prefix_(fs::temp_directory_path() / ("weft-nginx-" + std::to_string(::getpid()))), port_(free_port()) {
    fs::remove_all(prefix_);
    fs::create_directories(prefix_ / "www");
    fs::create_directories(prefix_ / "tmp");
    std::ofstream(prefix_ / "www" / "big.txt") << std::string(100000, 'n');
    std::ofstream(prefix_ / "www" / "text.txt") << std::string(4000, 't');
    std::ofstream conf(prefix_ / "nginx.conf");
    const std::string p = prefix_.string();
    conf << "daemon off; master_process off; worker_processes 1;\n"
         << "error_log " << p << "/error.log; pid " << p << "/nginx.pid;\n"
         << "events { worker_connections 64; }\n"
         << "http {\n  access_log off;\n"
         << "  client_body_temp_path " << p << "/tmp; proxy_temp_path " << p << "/tmp;\n"
         << "  fastcgi_temp_path " << p << "/tmp; uwsgi_temp_path " << p << "/tmp; scgi_temp_path " << p
         << "/tmp;\n"
         << "  keepalive_requests 3;\n"
         << "  gzip on; gzip_min_length 1; gzip_types text/plain;\n"
         << "  server { listen 127.0.0.1:" << port_ << "; root " << p << "/www;\n"
         << "    location = /hello { default_type text/plain; return 200 \"from nginx\\n\"; }\n  }\n}\n";
    conf.close();
    const std::string conf_path = (prefix_ / "nginx.conf").string();
    const char* argv[] = {kNginx, "-p", p.c_str(), "-c", conf_path.c_str(), nullptr};
    if (::posix_spawn(&pid_, kNginx, nullptr, nullptr, const_cast<char**>(argv), environ) != 0) pid_ = -1;
    for (int i = 0; i < 200 && pid_ > 0 && !accepts(port_); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
  }
  ~Nginx() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
    fs::remove_all(prefix_);
  }
  bool running() const { return pid_ > 0 && accepts(port_); }
  net::Address address() const { return net::Address::ipv4_loopback(port_); }

 private:
  fs::path prefix_;
  std::uint16_t port_;
  pid_t pid_ = -1;
};

class ClientNginxTest : public testing::IoTest {
 protected:
  template <class F>
  void with_nginx(F test) {
    if (::access(kNginx, X_OK) != 0) GTEST_SKIP() << kNginx << " is not installed (tools/install-deps.sh installs it)";
    Nginx nginx;
    ASSERT_TRUE(nginx.running()) << "nginx did not start";
    testing::run(test(nginx.address()), options());
  }
};
WEFT_INSTANTIATE_BACKENDS(ClientNginxTest);

TEST_P(ClientNginxTest, ReadsAStaticFileAndReusesTheConnection) {
  with_nginx([](net::Address origin) -> Task<void> {
    Client client;
    for (int i = 0; i < 2; ++i) {
      auto response = co_await client.send(origin, ClientRequest::get("/big.txt"));
      EXPECT_TRUE(response) << response.error().message();
      if (!response) co_return;
      EXPECT_EQ(response->status, 200u);
      EXPECT_EQ(response->header("Content-Length"), "100000");
      EXPECT_EQ(response->body, std::string(100000, 'n'));
      EXPECT_EQ(client.open_connections(origin), 1u);
    }
  });
}

TEST_P(ClientNginxTest, FollowsNginxClosingAfterKeepaliveRequests) {
  with_nginx([](net::Address origin) -> Task<void> {
    Client client;
    for (int i = 0; i < 7; ++i) {
      auto response = co_await client.send(origin, ClientRequest::get("/hello"));
      EXPECT_TRUE(response && response->body == "from nginx\n") << "request " << i;
      if (!response) co_return;
      // the third request on a connection gets `Connection: close`
      const bool closes = i % 3 == 2;
      EXPECT_EQ(response->header("Connection"), closes ? "close" : "keep-alive");
      EXPECT_EQ(client.open_connections(origin), closes ? 0u : 1u);
    }
  });
}

TEST_P(ClientNginxTest, ReadsAChunkedGzipBody) {
  with_nginx([](net::Address origin) -> Task<void> {
    Client client;
    ClientRequest request = ClientRequest::get("/text.txt");
    request.set("Accept-Encoding", "gzip");
    auto stream = co_await client.open(origin, std::move(request));
    EXPECT_TRUE(stream) << stream.error().message();
    if (!stream) co_return;
    EXPECT_EQ(stream->header("Content-Encoding"), "gzip");
    EXPECT_EQ(stream->header("Transfer-Encoding"), "chunked");
    EXPECT_EQ(stream->content_length(), std::nullopt);
    auto body = co_await stream->read_all(1 << 20);
    EXPECT_TRUE(body && body->size() > 10 && body->size() < 4000);
    EXPECT_EQ(body->substr(0, 2), "\x1f\x8b");  // gzip's magic
    EXPECT_EQ(client.idle_connections(origin), 1u);
  });
}

TEST_P(ClientNginxTest, HeadAndErrorsKeepTheConnectionInStep) {
  with_nginx([](net::Address origin) -> Task<void> {
    Client client;
    ClientRequest head = ClientRequest::get("/big.txt");
    head.method = "HEAD";
    auto headed = co_await client.send(origin, std::move(head));
    EXPECT_TRUE(headed && headed->status == 200 && headed->body.empty());
    auto missing = co_await client.send(origin, ClientRequest::get("/nothing-here"));
    EXPECT_TRUE(missing && missing->status == 404 && !missing->body.empty());
    auto hello = co_await client.send(origin, ClientRequest::get("/hello"));
    EXPECT_TRUE(hello && hello->body == "from nginx\n");
    if (hello) {
      EXPECT_EQ(hello->header("Connection"), "close");  // the third on one connection
    }
  });
}

}  // namespace
}  // namespace weft::http
