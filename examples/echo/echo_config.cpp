#include "echo_config.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>

namespace echo {
namespace {

[[noreturn]] void refuse(const std::string& message) {
  std::fprintf(stderr, "weft-echo: %s\n", message.c_str());
  std::exit(2);
}

weft::net::Address parse_listen(const std::string& text, const weft::conf::Document* doc) {
  auto address = weft::net::Address::parse(text);
  if (address) return *address;
  const std::string why = weft::net::Address::explain_parse_error(text);
  if (doc != nullptr) throw doc->error_at("server.listen", why);
  refuse("--listen " + why);
}

}  // namespace

Config load(int argc, char** argv) {
  const auto line = weft::conf::parse_command_line(argc, argv, "weft-echo: echoes bytes back on every core",
                                                   "conf/echo.toml");
  Config config;
  try {
    auto doc = weft::conf::Document::load(line.config);
    std::string listen = config.listen.to_string();
    doc.read("server.listen", listen);
    doc.read("server.max_connections", config.max_connections);
    doc.read("server.idle_timeout", config.idle_timeout);
    weft::conf::read_runtime(doc, config.runtime);
    doc.reject_unknown_keys();
    config.listen = parse_listen(listen, &doc);
  } catch (const weft::conf::ConfigError& error) {
    refuse(error.what());
  }
  if (line.listen) config.listen = parse_listen(*line.listen, nullptr);
  if (line.cores) config.runtime.cores = *line.cores;
  if (line.backend) config.runtime.backend = *weft::parse_backend(*line.backend);
  return config;
}

}  // namespace echo
