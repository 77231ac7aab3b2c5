#include <weft/conf/service_config.hpp>

#include <weft/conf/config_error.hpp>
#include <weft/conf/http_section.hpp>
#include <weft/conf/runtime_section.hpp>

#include <cstdio>
#include <cstdlib>

namespace weft::conf {
namespace {

[[noreturn]] void refuse(std::string_view program, const std::string& message) {
  std::fprintf(stderr, "%.*s: %s\n", static_cast<int>(program.size()), program.data(), message.c_str());
  std::exit(2);
}

}  // namespace

ServiceConfig load_service_config(int argc, char** argv, std::string_view program, std::string_view description,
                                  std::string default_config, const std::function<void(Document&)>& read_extra,
                                  const std::function<void(CLI::App&)>& extra_options) {
  ServiceConfig config;
  config.command_line = parse_command_line(argc, argv, description, std::move(default_config), extra_options);
  const CommandLine& line = config.command_line;
  try {
    auto doc = Document::load(line.config);
    read_http_server(doc, config.http);
    read_runtime(doc, config.runtime);
    if (read_extra) read_extra(doc);
    doc.reject_unknown_keys();
  } catch (const ConfigError& error) {
    refuse(program, error.what());
  }
  if (line.listen) {
    auto address = net::Address::parse(*line.listen);
    if (!address) refuse(program, "--listen " + net::Address::explain_parse_error(*line.listen));
    config.http.listen = *address;
  }
  if (line.cores) config.runtime.cores = *line.cores;
  if (line.backend) {
    auto backend = parse_backend(*line.backend);
    if (!backend) refuse(program, "--backend: unknown backend '" + *line.backend + "'");
    config.runtime.backend = *backend;
  }
  return config;
}

}  // namespace weft::conf
