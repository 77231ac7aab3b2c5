#include <weft/conf/command_line.hpp>

#include <CLI/CLI.hpp>

#include <cstdlib>

namespace weft::conf {

CommandLine parse_command_line(int argc, char** argv, std::string_view description, std::string default_config,
                               const std::function<void(CLI::App&)>& extra) {
  CommandLine line;
  line.config = std::move(default_config);
  CLI::App app{std::string(description)};
  app.add_option("--config", line.config, "TOML config file")->capture_default_str();
  app.add_option("--listen", line.listen, "listen address, HOST:PORT or [V6]:PORT (overrides the config)");
  app.add_option("--cores", line.cores, "reactor threads, 0 = every core (overrides runtime.cores)");
  app.add_option("--backend", line.backend, "automatic, io_uring or epoll (overrides runtime.backend)")
      ->check(CLI::IsMember({"automatic", "io_uring", "epoll"}));
  if (extra) extra(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    std::exit(app.exit(error) == 0 ? 0 : 2);
  }
  return line;
}

}  // namespace weft::conf
