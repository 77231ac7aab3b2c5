// Everything an HTTP service's main() needs from its command line and config file, in
// one call: `--config FILE` (read: [http], [runtime], and the program's own keys), then
// the overrides `--listen`, `--cores`, `--backend`.
#pragma once

#include <weft/conf/command_line.hpp>
#include <weft/conf/document.hpp>
#include <weft/http/server_options.hpp>
#include <weft/runtime/runtime_options.hpp>

#include <functional>
#include <string>
#include <string_view>

namespace weft::conf {

struct ServiceConfig {
  http::ServerOptions http;
  RuntimeOptions runtime;
  CommandLine command_line;
};

/// Parses argv and loads the config file. `read_extra` reads the program's own keys
/// (it may throw ConfigError, e.g. through doc.error_at); `extra_options` adds command
/// line options. Any unknown key is an error. On --help prints usage and exits 0; on a
/// bad file, key, value or option prints one line "<program>: <file>:<line>: <key>:
/// <problem>" (or the option's problem) to stderr and exits 2.
ServiceConfig load_service_config(int argc, char** argv, std::string_view program, std::string_view description,
                                  std::string default_config,
                                  const std::function<void(Document&)>& read_extra = {},
                                  const std::function<void(CLI::App&)>& extra_options = {});

}  // namespace weft::conf
