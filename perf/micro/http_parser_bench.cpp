// Cost of parsing one request with weft's RequestParser, against llhttp alone in the
// same run (the peer: the same llhttp build, with callbacks that only stop it after
// each message, so none of weft's checks). Each request is parsed on its own:
//
//   Whole  the request in one feed(): a common head takes the one-pass path
//          (HeadScanner's layout, no llhttp)
//   Split  the same bytes in two feeds, cut in the request line: HeadScanner, then
//          llhttp over the same bytes (what every head went through before the one-pass
//          path, and what a head split across reads still goes through)
//   Llhttp llhttp_execute over the same bytes, nothing kept
//
// Requests: `wrk` (what perf/http's wrk sends), `browser` (a GET with 10 fields),
// `post` (a 16-byte Content-Length body: always llhttp's path, whole or not) and
// `client` (what a client library sends: a GET with Connection: keep-alive).
//
// Run: build-release/perf/micro/http_parser_bench   (ratios: Whole/Llhttp, Whole/Split)
#include "http/parser.hpp"

#include <benchmark/benchmark.h>
#include <llhttp.h>

#include <cstdlib>
#include <string_view>

namespace {

using weft::http::ParseResult;
using weft::http::RequestParser;

constexpr std::string_view kWrk = "GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n";
constexpr std::string_view kBrowser =
    "GET /articles/2026/weft?page=2&sort=new HTTP/1.1\r\n"
    "Host: www.example.com\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0\r\n"
    "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
    "Accept-Language: en-GB,en;q=0.5\r\n"
    "Accept-Encoding: gzip, deflate, br\r\n"
    "Referer: https://www.example.com/articles/2026\r\n"
    "Cookie: session=4f2a9c1e7b3d; theme=dark\r\n"
    "Upgrade-Insecure-Requests: 1\r\n"
    "Sec-Fetch-Dest: document\r\n"
    "Sec-Fetch-Mode: navigate\r\n"
    "\r\n";
constexpr std::string_view kClient =
    "GET /users/42 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: python-requests/2.28.1\r\n"
    "Accept-Encoding: gzip, deflate\r\nAccept: */*\r\nConnection: keep-alive\r\n\r\n";
constexpr std::string_view kPost =
    "POST /echo HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Type: text/plain\r\n"
    "Content-Length: 16\r\n\r\n0123456789abcdef";

std::string_view request_named(std::int64_t which) {
  switch (which) {
    case 0: return kWrk;
    case 1: return kBrowser;
    case 2: return kPost;
    default: return kClient;
  }
}

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "http_parser_bench: %s\n", what);
    std::abort();
  }
}

void BM_Whole(benchmark::State& state) {
  const std::string_view request = request_named(state.range(0));
  RequestParser parser;
  for (auto _ : state) {
    const ParseResult result = parser.feed({request.data(), request.size()});
    benchmark::DoNotOptimize(parser.request().headers.data());
    check(result.kind == ParseResult::Kind::complete && result.consumed == request.size(), "whole: not complete");
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * request.size()));
}

void BM_Split(benchmark::State& state) {
  const std::string_view request = request_named(state.range(0));
  const std::string_view first = request.substr(0, 6);  // "GET / " or "POST /"
  const std::string_view rest = request.substr(first.size());
  RequestParser parser;
  for (auto _ : state) {
    const ParseResult head = parser.feed({first.data(), first.size()});
    const ParseResult result = parser.feed({rest.data(), rest.size()});
    benchmark::DoNotOptimize(parser.request().headers.data());
    check(head.kind == ParseResult::Kind::need_more && result.kind == ParseResult::Kind::complete, "split: not complete");
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * request.size()));
}

int pause_after_message(llhttp_t*) { return HPE_PAUSED; }

void BM_Llhttp(benchmark::State& state) {
  const std::string_view request = request_named(state.range(0));
  llhttp_settings_t settings;
  llhttp_settings_init(&settings);
  settings.on_message_complete = pause_after_message;
  llhttp_t parser;
  llhttp_init(&parser, HTTP_REQUEST, &settings);
  for (auto _ : state) {
    llhttp_resume(&parser);
    const llhttp_errno_t err = llhttp_execute(&parser, request.data(), request.size());
    check(err == HPE_PAUSED, "llhttp: not complete");
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * request.size()));
}

void requests(benchmark::internal::Benchmark* bench) {
  bench->ArgName("request");
  bench->Arg(0)->Arg(1)->Arg(2)->Arg(3);  // wrk, browser, post, client
}

BENCHMARK(BM_Whole)->Apply(requests);
BENCHMARK(BM_Split)->Apply(requests);
BENCHMARK(BM_Llhttp)->Apply(requests);

}  // namespace

BENCHMARK_MAIN();
