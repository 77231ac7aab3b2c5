// Upstreams as the proxy and the fan-out are told them — "HOST:PORT", HOST a name or
// an IP literal — and as they use them: addresses, looked up once at start-up (a
// changed DNS record needs a restart, as in nginx without a resolver).
#pragma once

#include <weft/core/task.hpp>
#include <weft/net/address.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace weft::examples {

/// An upstream as configured.
struct UpstreamName {
  std::optional<net::Address> literal;  // an address as written: no lookup
  std::string host;                     // otherwise a name to look up
  std::uint16_t port = 0;
  std::string text;  // as written, for logs and answers
};

/// "HOST:PORT" or "[V6]:PORT"; nullopt with `why` set (one line quoting the input)
/// when it is neither an address nor a host name with a port.
std::optional<UpstreamName> parse_upstream(std::string_view text, std::string& why);

/// An upstream ready to use.
struct ResolvedUpstream {
  std::string name;                     // as configured
  std::vector<net::Address> addresses;  // one or more, in getaddrinfo's order of preference
};

/// True when a request failed because no connection to the upstream could be made —
/// refused, unreachable or timed out (a request's own deadlines also say timed_out:
/// callers that set one look at it first) — so nothing was sent and another address
/// or upstream may be tried.
bool is_connect_failure(const std::error_code& error) noexcept;

/// Looks each name up (an IP literal needs no lookup): a name may give several
/// addresses (localhost: ::1 and 127.0.0.1), which the proxy balances over and the
/// fan-out tries in turn. Throws std::runtime_error naming the upstream that cannot be
/// resolved.
Task<std::vector<ResolvedUpstream>> resolve_upstreams(const std::vector<UpstreamName>& upstreams);

}  // namespace weft::examples
