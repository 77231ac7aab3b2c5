#include "upstream_flags.hpp"

#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace weft::examples {
namespace {

[[noreturn]] void refuse(std::string_view program, const std::string& message) {
  std::fprintf(stderr, "%.*s: %s\n", static_cast<int>(program.size()), program.data(), message.c_str());
  std::exit(2);
}

}  // namespace

void add_upstream_flags(CLI::App& app, UpstreamFlags& flags) {
  app.add_option("--upstream", flags.upstreams, "HOST:PORT of a backend; repeat for more (replaces the config's list)");
  app.add_option("--timeout", flags.timeout_seconds, "deadline in seconds (replaces the config's timeout)");
}

void read_upstreams(conf::Document& doc, std::string_view dotted_key, std::vector<UpstreamName>& out) {
  std::vector<std::string> texts;
  doc.read(dotted_key, texts);
  if (!doc.contains(dotted_key)) return;
  out.clear();
  for (const auto& text : texts) {
    std::string why;
    auto upstream = parse_upstream(text, why);
    if (!upstream) throw doc.error_at(dotted_key, why);
    out.push_back(std::move(*upstream));
  }
}

void apply_upstream_flags(std::string_view program, const UpstreamFlags& flags, std::vector<UpstreamName>& upstreams,
                          std::chrono::milliseconds& timeout) {
  if (!flags.upstreams.empty()) {
    upstreams.clear();
    for (const auto& text : flags.upstreams) {
      std::string why;
      auto upstream = parse_upstream(text, why);
      if (!upstream) refuse(program, "--upstream " + why);
      upstreams.push_back(std::move(*upstream));
    }
  }
  if (flags.timeout_seconds) {
    const double seconds = *flags.timeout_seconds;
    if (!std::isfinite(seconds) || seconds <= 0 || seconds > 86400) {
      refuse(program, "--timeout: must be more than 0 and at most 86400 seconds");
    }
    timeout = std::chrono::milliseconds(static_cast<long long>(std::ceil(seconds * 1000)));
  }
}

}  // namespace weft::examples
