// weft-offload: a CPU-heavy endpoint that does not freeze the rest of the service.
//
// Shows: weft::offload — POST /hash runs PBKDF2-HMAC-SHA256 on the offload pool, so the
// reactor keeps answering GET /healthz meanwhile; `[offload] inline = true` runs the
// hash on the reactor instead, to see the difference. The program's own config keys.
//
// Run:  tools/run-example.sh offload
// Try:  curl -d 'correct horse' localhost:8080/hash    curl localhost:8080/healthz
// Load: perf/offload/run.sh build-release
#include <weft/weft.hpp>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include <climits>
#include <stdexcept>

using namespace weft;
using http::Request;
using http::Response;

namespace {

struct HashOptions {
  std::int64_t iterations = 100000;
  std::string salt = "weft-offload";
  bool run_inline = false;  // on the reactor: every other request on the core waits
};

std::string pbkdf2_hex(const std::string& password, const HashOptions& options) {
  unsigned char key[32];
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                        reinterpret_cast<const unsigned char*>(options.salt.data()),
                        static_cast<int>(options.salt.size()), static_cast<int>(options.iterations), EVP_sha256(),
                        sizeof key, key) != 1) {
    throw std::runtime_error("PKCS5_PBKDF2_HMAC failed");
  }
  static constexpr char digits[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char byte : key) hex += {digits[byte >> 4], digits[byte & 15]};
  return hex;
}

Task<Response> hash(Request& request, HashOptions options) {
  if (request.body.size() > INT_MAX) co_return Response::of_status(413);
  std::string hex;
  if (options.run_inline) {
    hex = pbkdf2_hex(request.body, options);
  } else {
    auto work = [password = std::move(request.body), options] { return pbkdf2_hex(password, options); };
    hex = co_await offload(std::move(work));  // named first: see submit_to.hpp
  }
  const nlohmann::json body = {{"hash", hex}, {"iterations", options.iterations}, {"offloaded", !options.run_inline}};
  co_return Response::json(body.dump());
}

Task<Response> healthz(Request&) { co_return Response::text("ok\n"); }

Task<int> serve(conf::ServiceConfig config, HashOptions options, Backend backend) {
  http::Router router;
  router.post("/hash", [options](Request& request) { return hash(request, options); });
  router.get("/healthz", healthz);
  http::Server server(config.http, std::move(router));
  log::info("weft-offload on {} (backend {}, {} iterations {})", config.http.listen.to_string(), to_string(backend),
            options.iterations, options.run_inline ? "inline" : "offloaded");
  co_await server.run();
  co_return 0;
}

}  // namespace

int main(int argc, char** argv) {
  HashOptions options;
  auto read_offload = [&options](conf::Document& doc) {
    doc.read("offload.iterations", options.iterations);
    doc.read("offload.salt", options.salt);
    doc.read("offload.inline", options.run_inline);
    if (options.iterations < 1 || options.iterations > INT_MAX) {
      throw doc.error_at("offload.iterations", "must be 1 to " + std::to_string(INT_MAX));
    }
  };
  auto config = conf::load_service_config(argc, argv, "weft-offload",
                                          "weft-offload: a CPU-heavy endpoint that does not freeze the others",
                                          "conf/offload.toml", read_offload);
  try {
    Runtime runtime(config.runtime);
    return runtime.block_on(serve(std::move(config), std::move(options), runtime.backend()));
  } catch (const std::exception& error) {
    log::error("weft-offload: {}", error.what());
    return 1;
  }
}
