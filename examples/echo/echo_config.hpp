// weft-echo's settings: conf/echo.toml, then the command-line overrides.
#pragma once

#include <weft/weft.hpp>

#include <chrono>
#include <cstddef>

namespace echo {

struct Config {
  weft::net::Address listen = weft::net::Address::ipv4_loopback(7000);
  std::size_t max_connections = 10000;  // per core
  std::chrono::milliseconds idle_timeout = std::chrono::seconds(60);
  weft::RuntimeOptions runtime;
};

/// Parses argv and loads the config file; on a bad file or value prints one line
/// naming file, line and key and exits with status 2.
Config load(int argc, char** argv);

}  // namespace echo
