// weft-hello: a small HTTP/1.1 service on every core.
//
// Shows: a Router with a path parameter, a JSON answer, a request body, and the whole
// life of a server — config file, start, SIGINT/SIGTERM, graceful drain.
//
// Run:  tools/run-example.sh hello          (or build-release/examples/hello/weft-hello)
// Try:  curl localhost:8080/   curl localhost:8080/users/42   curl -d hi localhost:8080/echo
// Load: perf/http/run.sh build-release
#include <weft/weft.hpp>

#include <nlohmann/json.hpp>

using namespace weft;
using http::Request;
using http::Response;

namespace {

Task<Response> hello(Request&) { co_return Response::text("Hello, World!"); }

Task<Response> json(Request&) {
  co_return Response::json(R"({"message":"Hello, World!","framework":"weft"})");
}

Task<Response> user(Request& request) {
  const nlohmann::json body = {{"id", std::string(*request.param("id"))}, {"core", this_core()}};
  co_return Response::json(body.dump());
}

Task<Response> echo(Request& request) {
  Response response = Response::text(std::move(request.body));
  if (auto type = request.header("Content-Type")) response.content_type = *type;
  co_return response;
}

Task<Response> healthz(Request&) { co_return Response::text("ok\n"); }

http::Router routes() {
  http::Router router;
  router.get("/", hello);
  router.get("/json", json);
  router.get("/users/{id}", user);
  router.post("/echo", echo);
  router.get("/healthz", healthz);
  return router;
}

Task<int> serve(conf::ServiceConfig config, Backend backend) {
  http::Server server(config.http, routes());
  log::info("weft-hello on {} (backend {})", config.http.listen.to_string(), to_string(backend));
  co_await server.run();
  co_return 0;
}

}  // namespace

int main(int argc, char** argv) {
  auto config = conf::load_service_config(argc, argv, "weft-hello", "weft-hello: a small HTTP service on every core",
                                          "conf/hello.toml");
  try {
    Runtime runtime(config.runtime);
    return runtime.block_on(serve(std::move(config), runtime.backend()));
  } catch (const std::exception& error) {
    log::error("weft-hello: {}", error.what());
    return 1;
  }
}
