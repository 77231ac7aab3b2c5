#include "upstreams.hpp"

#include <weft/net/resolve.hpp>

#include <charconv>
#include <stdexcept>

namespace weft::examples {
namespace {

// RFC 1123 host names: letters, digits, '-' and '.' (and '_', which DNS allows and
// service names use).
bool is_host_name(std::string_view host) noexcept {
  if (host.empty() || host.size() > 253) return false;
  for (const char c : host) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '.' || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::optional<UpstreamName> parse_upstream(std::string_view text, std::string& why) {
  if (auto address = net::Address::parse(text)) return UpstreamName{*address, {}, 0, std::string(text)};
  const auto colon = text.rfind(':');
  const std::string_view host = colon == std::string_view::npos ? text : text.substr(0, colon);
  // Not an IP literal: a name with a port, or the literal's own mistake (an IPv6
  // address, a bracket) which Address explains best.
  if (colon == std::string_view::npos || !is_host_name(host) ||
      host.find_first_not_of("0123456789.") == std::string_view::npos) {
    why = net::Address::explain_parse_error(text);
    return std::nullopt;
  }
  const std::string_view port_text = text.substr(colon + 1);
  unsigned port = 0;
  const auto [end, error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || error != std::errc() || end != port_text.data() + port_text.size() || port == 0 ||
      port > 65535) {
    why = "'" + std::string(text) + "': the port must be a number from 1 to 65535";
    return std::nullopt;
  }
  return UpstreamName{std::nullopt, std::string(host), static_cast<std::uint16_t>(port), std::string(text)};
}

bool is_connect_failure(const std::error_code& error) noexcept {
  return error == std::errc::connection_refused || error == std::errc::host_unreachable ||
         error == std::errc::network_unreachable || error == make_error_code(errc::timed_out);
}

Task<std::vector<ResolvedUpstream>> resolve_upstreams(const std::vector<UpstreamName>& upstreams) {
  std::vector<ResolvedUpstream> out;
  for (const auto& upstream : upstreams) {
    if (upstream.literal) {
      out.push_back({upstream.text, {*upstream.literal}});
      continue;
    }
    auto addresses = co_await net::resolve(upstream.host, upstream.port);
    if (!addresses || addresses->empty()) {
      const std::string reason = addresses ? "no address" : addresses.error().message();
      throw std::runtime_error("upstream " + upstream.text + ": cannot resolve " + upstream.host + ": " + reason);
    }
    out.push_back({upstream.text, std::move(*addresses)});
  }
  co_return out;
}

}  // namespace weft::examples
