#include "aggregate.hpp"

#include <weft/runtime/clock.hpp>
#include <weft/runtime/join.hpp>
#include <weft/runtime/select.hpp>
#include <weft/runtime/sleep.hpp>

#include <nlohmann/json.hpp>

namespace weft::examples {
namespace {

using json = nlohmann::ordered_json;

// One leg: {"upstream", "outcome": "ok", "status", "body"}, or "timeout", or "error"
// with the reason.
Task<json> leg(http::Client& client, const net::Address& upstream, const FanoutOptions& options) {
  json out = {{"upstream", upstream.to_string()}};
  auto outcome = co_await select(client.send(upstream, http::ClientRequest::get(options.path)), sleep(options.timeout));
  if (outcome.index() == 1) {
    out["outcome"] = "timeout";
    co_return out;
  }
  auto& response = std::get<0>(outcome);
  if (!response) {
    out["outcome"] = "error";
    out["error"] = response.error().message();
    co_return out;
  }
  out["outcome"] = "ok";
  out["status"] = response->status;
  out["body"] = std::move(response->body);
  co_return out;
}

}  // namespace

Task<http::Response> aggregate(http::Client& client, const FanoutOptions& options) {
  const Instant started = now();
  std::vector<Task<json>> legs;
  legs.reserve(options.upstreams.size());
  for (const auto& upstream : options.upstreams) legs.push_back(leg(client, upstream, options));
  std::vector<json> results = co_await join_all(std::move(legs));  // in configured order
  json body;
  body["legs"] = std::move(results);
  body["elapsed_ms"] = std::chrono::duration_cast<std::chrono::milliseconds>(now() - started).count();
  co_return http::Response::json(body.dump(-1, ' ', false, json::error_handler_t::replace));
}

}  // namespace weft::examples
