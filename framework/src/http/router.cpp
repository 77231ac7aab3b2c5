#include <weft/http/router.hpp>

#include <functional>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>

namespace weft::http {
namespace {

enum class SegmentKind : unsigned char { rest, param, literal };  // least to most specific

struct Segment {
  SegmentKind kind;
  std::string text;  // the literal, or the parameter's name ("*" for rest)
};

struct Route {
  std::string method;
  std::vector<Segment> segments;
  Handler handler;
};

std::vector<Segment> parse_pattern(std::string_view pattern) {
  auto refuse = [&](const char* why) {
    throw std::invalid_argument("route pattern '" + std::string(pattern) + "': " + why);
  };
  if (pattern.empty() || pattern.front() != '/') refuse("must start with '/'");
  std::vector<Segment> segments;
  std::string_view rest = pattern.substr(1);
  while (true) {
    const std::size_t slash = rest.find('/');
    const std::string_view text = rest.substr(0, slash);
    if (!segments.empty() && segments.back().kind == SegmentKind::rest) refuse("'*' must be the last segment");
    if (text == "*") {
      segments.push_back({SegmentKind::rest, "*"});
    } else if (!text.empty() && text.front() == '{') {
      if (text.back() != '}' || text.size() < 3) refuse("a parameter is written {name}");
      segments.push_back({SegmentKind::param, std::string(text.substr(1, text.size() - 2))});
    } else {
      if (text.find_first_of("{}*") != std::string_view::npos) refuse("'{', '}' and '*' must be a whole segment");
      segments.push_back({SegmentKind::literal, std::string(text)});
    }
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  return segments;
}

// Matches `path` against `segments`, appending parameters to `params`; on a mismatch
// `params` is left with what was appended (the caller truncates).
bool match(const std::vector<Segment>& segments, std::string_view path, std::vector<PathParam>& params) {
  if (path.empty() || path.front() != '/') return false;
  std::string_view rest = path.substr(1);
  bool more = true;  // a segment (possibly empty) remains in `rest`
  for (const auto& segment : segments) {
    if (segment.kind == SegmentKind::rest) {
      params.push_back({segment.text, more ? rest : std::string_view()});
      return true;
    }
    if (!more) return false;
    const std::size_t slash = rest.find('/');
    const std::string_view text = rest.substr(0, slash);
    if (segment.kind == SegmentKind::literal) {
      if (text != segment.text) return false;
    } else {
      if (text.empty()) return false;
      params.push_back({segment.text, text});
    }
    if (slash == std::string_view::npos) {
      more = false;
    } else {
      rest.remove_prefix(slash + 1);
    }
  }
  return !more;
}

// True when `a` is more specific than `b` (both matched the same path).
bool more_specific(const std::vector<Segment>& a, const std::vector<Segment>& b) noexcept {
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (a[i].kind != b[i].kind) return a[i].kind > b[i].kind;
  }
  return a.size() < b.size();  // /a beats /a/* for the path /a: the other ends in a rest
}

Task<Response> answer(Response response) { co_return response; }

bool all_literal(const std::vector<Segment>& segments) noexcept {
  for (const auto& segment : segments) {
    if (segment.kind != SegmentKind::literal) return false;
  }
  return true;
}

struct PathHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view path) const noexcept { return std::hash<std::string_view>{}(path); }
};

}  // namespace

struct Router::Table {
  std::vector<Route> routes;
  // Routes whose pattern is all literals, by that pattern (which is then the one path
  // they match), as indexes into `routes` in registration order. Such a route is the
  // most specific match of its path, so route() answers from here without a scan.
  std::unordered_map<std::string, std::vector<std::size_t>, PathHash, std::equal_to<>> literal;
  std::vector<Middleware> middleware;
  Handler not_found;
  // chain[i] runs middleware[i] with chain[i + 1] as next; the last one routes. Built
  // on first use, per Table, so copies of a Router never share it.
  mutable std::vector<Handler> chain;

  Task<Response> route(Request& request) const;
  const Route* literal_route(const Request& request) const;
  void build_chain() const;
};

// The route a scan would pick when the path is a literal pattern's: among the routes of
// that pattern, the first of the request's method, else (for HEAD) the first GET. Null
// when none fits: the scan then finds any other route of the path, or answers 405.
const Route* Router::Table::literal_route(const Request& request) const {
  const auto found = literal.find(request.path);
  if (found == literal.end()) return nullptr;
  const Route* get = nullptr;
  for (const std::size_t index : found->second) {
    const Route& route = routes[index];
    if (route.method == request.method) return &route;
    if (get == nullptr && route.method == "GET" && request.method == "HEAD") get = &route;
  }
  return get;
}

Task<Response> Router::Table::route(Request& request) const {
  const bool head = request.method == "HEAD";
  const Route* best = nullptr;
  bool path_matched = false;
  // params holds the best route's parameters; a candidate's are appended after them
  // and replace them only if it wins.
  std::vector<PathParam>& params = request.params;
  params.clear();
  if (const Route* route = literal_route(request)) return route->handler(request);
  for (const auto& route : routes) {
    const std::size_t before = params.size();
    if (!match(route.segments, request.path, params)) {
      params.resize(before);
      continue;
    }
    path_matched = true;
    const bool method_ok = route.method == request.method || (head && route.method == "GET");
    // An explicit HEAD route beats the GET one of the same pattern.
    const bool better = best == nullptr || more_specific(route.segments, best->segments) ||
                        (!more_specific(best->segments, route.segments) && route.method == request.method &&
                         best->method != request.method);
    if (!method_ok || !better) {
      params.resize(before);
      continue;
    }
    params.erase(params.begin(), params.begin() + static_cast<std::ptrdiff_t>(before));
    best = &route;
  }
  if (best != nullptr) return best->handler(request);
  if (!path_matched) {
    if (not_found) return not_found(request);
    return answer(Response::of_status(404));
  }
  std::string allow;
  for (const auto& route : routes) {
    const std::size_t before = params.size();
    const bool matched = match(route.segments, request.path, params);
    params.resize(before);
    if (!matched) continue;
    auto add = [&](std::string_view method) {
      std::size_t at = 0;
      while (at < allow.size()) {  // skip methods already listed
        const std::size_t end = std::min(allow.find(", ", at), allow.size());
        if (std::string_view(allow).substr(at, end - at) == method) return;
        at = end + 2;
      }
      if (!allow.empty()) allow += ", ";
      allow += method;
    };
    add(route.method);
    if (route.method == "GET") add("HEAD");
  }
  Response response = Response::of_status(405);
  response.set("Allow", std::move(allow));
  return answer(std::move(response));
}

void Router::Table::build_chain() const {
  chain.clear();
  chain.reserve(middleware.size() + 1);
  for (std::size_t i = 0; i < middleware.size(); ++i) {
    chain.push_back([this, i](Request& request) { return middleware[i](request, chain[i + 1]); });
  }
  chain.push_back([this](Request& request) { return route(request); });
}

Router::Router() : table_(std::make_unique<Table>()) {}
Router::~Router() = default;
Router::Router(Router&& other) noexcept = default;
Router& Router::operator=(Router&& other) noexcept = default;

Router::Router(const Router& other) : table_(std::make_unique<Table>()) {
  table_->routes = other.table_->routes;
  table_->literal = other.table_->literal;
  table_->middleware = other.table_->middleware;
  table_->not_found = other.table_->not_found;
}

Router& Router::operator=(const Router& other) {
  if (this != &other) *this = Router(other);
  return *this;
}

Router& Router::route(std::string_view method, std::string_view pattern, Handler handler) {
  if (method.empty()) throw std::invalid_argument("route method must not be empty");
  if (!handler) throw std::invalid_argument("route handler must not be empty");
  std::vector<Segment> segments = parse_pattern(pattern);
  const bool literal = all_literal(segments);
  table_->routes.push_back({std::string(method), std::move(segments), std::move(handler)});
  // Should this throw, the route is still found by route()'s scan.
  if (literal) table_->literal[std::string(pattern)].push_back(table_->routes.size() - 1);
  return *this;
}

Router& Router::use(Middleware middleware) {
  if (!middleware) throw std::invalid_argument("middleware must not be empty");
  table_->middleware.push_back(std::move(middleware));
  table_->chain.clear();
  return *this;
}

Router& Router::not_found(Handler handler) {
  table_->not_found = std::move(handler);
  return *this;
}

Task<Response> Router::dispatch(Request& request) const {
  if (table_->middleware.empty()) return table_->route(request);
  if (table_->chain.empty()) table_->build_chain();
  return table_->chain.front()(request);
}

}  // namespace weft::http
