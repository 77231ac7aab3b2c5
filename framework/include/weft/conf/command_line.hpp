// The command line every weft server shares: `--config FILE` plus overrides
// `--listen HOST:PORT`, `--cores N`, `--backend NAME`, and `--help`. Programs may
// declare more options through `extra` before parsing.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace CLI {
class App;
}

namespace weft::conf {

struct CommandLine {
  std::string config;                   ///< the config file (default given by the program)
  std::optional<std::string> listen;    ///< overrides the config's listen address
  std::optional<unsigned> cores;        ///< overrides runtime.cores
  std::optional<std::string> backend;   ///< overrides runtime.backend
};

/// Parses argv. On --help prints usage and exits 0; on a usage error prints it and
/// exits 2. `extra` may add program-specific options to the CLI11 app.
CommandLine parse_command_line(int argc, char** argv, std::string_view description, std::string default_config,
                               const std::function<void(CLI::App&)>& extra = {});

}  // namespace weft::conf
