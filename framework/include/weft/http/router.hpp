// Router: dispatches a request to the handler of the route matching its method and
// path, through the middleware chain.
//
// Patterns are paths of '/'-separated segments:
//   /users          a literal segment matches itself (case-sensitively);
//   /users/{id}     {name} matches one non-empty segment, found as request.param("id");
//   /static/*       a final * matches the rest of the path (zero or more segments),
//                   found as request.param("*").
// When several routes match a path, the most specific wins, segment by segment from the
// left: a literal beats {name}, which beats *; so /users/me beats /users/{id} in any
// registration order. Among routes of equal patterns the method decides.
//
// Answers of its own: no pattern matches the path → 404 (or the not_found handler);
// patterns match but none for this method → 405 with `Allow` listing the methods that
// would have matched. A GET route also answers HEAD (the server drops the body).
//
// Middleware wraps everything the router answers, 404 and 405 included, in the order
// use() was called: the first is outermost.
//
// A Router is a value: the server gives each core its own copy, so handlers and
// middleware with state are never shared between threads.
#pragma once

#include <weft/core/task.hpp>
#include <weft/http/handler.hpp>
#include <weft/http/request.hpp>
#include <weft/http/response.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace weft::http {

class Router {
 public:
  Router();
  ~Router();
  Router(const Router& other);
  Router& operator=(const Router& other);
  Router(Router&& other) noexcept;
  Router& operator=(Router&& other) noexcept;

  /// Adds a route. Throws std::invalid_argument for a pattern that does not start with
  /// '/', has an empty or unclosed {name}, or a '*' that is not the whole last segment.
  Router& route(std::string_view method, std::string_view pattern, Handler handler);
  Router& get(std::string_view pattern, Handler handler) { return route("GET", pattern, std::move(handler)); }
  Router& post(std::string_view pattern, Handler handler) { return route("POST", pattern, std::move(handler)); }
  Router& put(std::string_view pattern, Handler handler) { return route("PUT", pattern, std::move(handler)); }
  Router& patch(std::string_view pattern, Handler handler) { return route("PATCH", pattern, std::move(handler)); }
  Router& del(std::string_view pattern, Handler handler) { return route("DELETE", pattern, std::move(handler)); }

  /// Appends a middleware (the first added is outermost).
  Router& use(Middleware middleware);

  /// Answers requests no pattern matches (default: 404).
  Router& not_found(Handler handler);

  /// Routes `request` through the middleware to its handler; sets request.params.
  /// Cancellation: whatever the handler does with it.
  /// Completes inline: may (a handler that does not wait).
  Task<Response> dispatch(Request& request) const;

 private:
  struct Table;
  std::unique_ptr<Table> table_;
};

}  // namespace weft::http
