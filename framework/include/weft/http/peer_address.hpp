// peer_address: who sent a request, for logs, access rules and X-Forwarded-For.
#pragma once

#include <weft/core/result.hpp>
#include <weft/http/request.hpp>
#include <weft/net/address.hpp>

namespace weft::http {

/// The address of the client that sent `request` (one getpeername call): an error when
/// the request has no socket (Request::socket is -1) or the client has gone.
Result<net::Address> peer_address(const Request& request);

}  // namespace weft::http
