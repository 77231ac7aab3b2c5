#include <weft/conf/config_error.hpp>
#include <weft/conf/http_section.hpp>

#include <gtest/gtest.h>

namespace weft::conf {
namespace {

using namespace std::chrono_literals;

http::ServerOptions read(std::string_view text) {
  auto doc = Document::parse(text, "conf/test.toml");
  http::ServerOptions options;
  read_http_server(doc, options);
  doc.reject_unknown_keys();
  return options;
}

std::string error_for(std::string_view text) {
  try {
    read(text);
  } catch (const ConfigError& error) {
    return error.what();
  }
  ADD_FAILURE() << "expected a ConfigError for: " << text;
  return "";
}

TEST(HttpSection, ReadsEveryKey) {
  const auto options = read(R"([http]
listen = "0.0.0.0:9000"
max_connections = 5
header_timeout = "2s"
body_timeout = "3s"
keepalive_timeout = "4s"
write_timeout = "5s"
handler_timeout = "250ms"
drain_timeout = "1m"
server_name = ""
access_log = true
[http.limits]
max_request_line = 100
max_header_bytes = 200
max_headers = 3
max_body = 400
)");
  EXPECT_EQ(options.listen.to_string(), "0.0.0.0:9000");
  EXPECT_EQ(options.max_connections, 5u);
  EXPECT_EQ(options.header_timeout, 2s);
  EXPECT_EQ(options.body_timeout, 3s);
  EXPECT_EQ(options.keepalive_timeout, 4s);
  EXPECT_EQ(options.write_timeout, 5s);
  EXPECT_EQ(options.handler_timeout, 250ms);
  EXPECT_EQ(options.drain_timeout, 60s);
  EXPECT_EQ(options.server_name, "");
  EXPECT_TRUE(options.access_log);
  EXPECT_EQ(options.limits.max_request_line, 100u);
  EXPECT_EQ(options.limits.max_header_bytes, 200u);
  EXPECT_EQ(options.limits.max_headers, 3u);
  EXPECT_EQ(options.limits.max_body, 400u);
}

TEST(HttpSection, KeepsDefaultsForAbsentKeys) {
  const auto options = read("[http]\nmax_connections = 7\n");
  const http::ServerOptions defaults;
  EXPECT_EQ(options.listen.to_string(), defaults.listen.to_string());
  EXPECT_EQ(options.header_timeout, defaults.header_timeout);
  EXPECT_EQ(options.limits.max_body, defaults.limits.max_body);
  EXPECT_EQ(options.server_name, "weft");
}

TEST(HttpSection, ErrorsNameFileLineAndKey) {
  const std::string bad_listen = error_for("[http]\n\nlisten = \"nowhere\"\n");
  EXPECT_NE(bad_listen.find("conf/test.toml:3"), std::string::npos) << bad_listen;
  EXPECT_NE(bad_listen.find("http.listen"), std::string::npos) << bad_listen;
  const std::string bad_type = error_for("[http]\nmax_connections = \"many\"\n");
  EXPECT_NE(bad_type.find("conf/test.toml:2"), std::string::npos) << bad_type;
  EXPECT_NE(bad_type.find("http.max_connections"), std::string::npos) << bad_type;
  const std::string zero = error_for("[http]\nheader_timeout = 0\n");
  EXPECT_NE(zero.find("http.header_timeout"), std::string::npos) << zero;
  const std::string no_connections = error_for("[http]\nmax_connections = 0\n");
  EXPECT_NE(no_connections.find("http.max_connections"), std::string::npos) << no_connections;
  const std::string unknown = error_for("[http]\nkeepalive = \"5s\"\n");
  EXPECT_NE(unknown.find("http.keepalive"), std::string::npos) << unknown;
}

}  // namespace
}  // namespace weft::conf
