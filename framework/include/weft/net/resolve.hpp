// resolve: a host name to the addresses it names, looked up with getaddrinfo on the
// offload pool (it blocks: /etc/hosts, then name servers), so a core never waits on DNS.
#pragma once

#include <weft/core/result.hpp>
#include <weft/core/task.hpp>
#include <weft/net/address.hpp>

#include <cstdint>
#include <string_view>
#include <vector>

namespace weft::net {

/// The TCP addresses `host` names, each with `port`, IPv4 and IPv6 in getaddrinfo's
/// order of preference, without duplicates. An IP literal ("127.0.0.1", "::1") is
/// returned as it is, without a lookup.
/// Errors: errc::invalid_address when the name does not exist or `host` is empty;
/// resource_unavailable_try_again when no name server answered; another std::errc for
/// a system failure.
/// Cancellation: total for the caller — it stops waiting at once (operation_canceled);
/// a lookup already running finishes on its thread and is discarded.
/// Completes inline: may (an IP literal).
Task<Result<std::vector<Address>>> resolve(std::string_view host, std::uint16_t port);

}  // namespace weft::net
