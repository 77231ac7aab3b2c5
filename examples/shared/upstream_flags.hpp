// The options the proxy and the fan-out share: a list of upstreams from the config
// file, which `--upstream HOST:PORT` (repeatable) replaces, and a deadline, which
// `--timeout SECONDS` replaces.
#pragma once

#include "upstreams.hpp"

#include <weft/conf/document.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace CLI {
class App;
}

namespace weft::examples {

/// What the command line said, before it is checked.
struct UpstreamFlags {
  std::vector<std::string> upstreams;
  std::optional<double> timeout_seconds;
};

/// Adds --upstream and --timeout to `app`, writing into `flags`.
void add_upstream_flags(CLI::App& app, UpstreamFlags& flags);

/// Reads `dotted_key` (an array of "HOST:PORT" strings) into `out`, throwing the
/// document's ConfigError (file, line, key) for a malformed one.
void read_upstreams(conf::Document& doc, std::string_view dotted_key, std::vector<UpstreamName>& out);

/// Applies the flags over the config's values; on a bad value prints
/// "<program>: --upstream ..." to stderr and exits 2, like every other option.
void apply_upstream_flags(std::string_view program, const UpstreamFlags& flags, std::vector<UpstreamName>& upstreams,
                          std::chrono::milliseconds& timeout);

}  // namespace weft::examples
