// Uses the installed weft from outside the tree: reads a [runtime] section (conf,
// toml++), starts a Runtime (runtime, liburing), binds a listener (net), looks a header
// up in an http::Request (http) and runs a Task that spawns another and returns a value.
// Prints one line and exits 0 on success.
#include <weft/weft.hpp>

#include <chrono>
#include <cstdio>

namespace {

weft::Task<int> answer() {
  co_await weft::sleep(std::chrono::milliseconds(1));
  co_return 41;
}

weft::Task<int> consumer_main() {
  auto address = weft::net::Address::parse("127.0.0.1:0");
  if (!address) co_return -1;
  auto listener = weft::net::TcpListener::bind(*address);
  if (!listener) co_return -2;
  auto bound = listener->local_address();
  if (!bound || bound->port() == 0) co_return -3;
  weft::http::Request request;
  request.method = "GET";
  request.headers.push_back({"Host", "example.com"});
  if (request.method_kind() != weft::http::Method::get || request.header("host") != "example.com") co_return -4;
  int value = co_await weft::spawn(answer());
  co_return value + 1;
}

}  // namespace

int main() {
  auto doc = weft::conf::Document::parse("[runtime]\ncores = 1\n", "consumer.toml");
  weft::RuntimeOptions options;
  weft::conf::read_runtime(doc, options);
  doc.reject_unknown_keys();

  weft::Runtime runtime(options);
  const int value = runtime.block_on(consumer_main());
  const auto backend = weft::to_string(runtime.backend());
  std::printf("weft consumer: %d on %u core(s), backend %.*s\n", value, runtime.cores(),
              static_cast<int>(backend.size()), backend.data());
  return value == 42 ? 0 : 1;
}
