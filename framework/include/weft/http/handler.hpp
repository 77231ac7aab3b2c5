// Handler and Middleware: the shapes of request-handling code.
#pragma once

#include <weft/core/task.hpp>
#include <weft/http/request.hpp>
#include <weft/http/response.hpp>

#include <functional>

namespace weft::http {

/// Answers one request. The Request and its views live until the response has been
/// sent (see request.hpp); copy what a spawned task must keep. A handler that throws
/// gets a 500 and one log line; the connection and the core carry on.
using Handler = std::function<Task<Response>(Request&)>;

/// Wraps the handlers after it: calls `next(request)` (or not: auth can answer 401
/// itself) and may change the request before and the response after. Examples:
/// access logs, authentication, adding headers.
using Middleware = std::function<Task<Response>(Request&, const Handler& next)>;

}  // namespace weft::http
