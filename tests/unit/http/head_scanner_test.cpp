// HeadScanner's whole-head fast path against its byte-by-byte scan. A head that arrives
// in one read is scanned word by word (eight bytes at a time through targets and field
// values); fed a byte at a time, the same head takes the general state machine. For
// every byte value at every place in a target and in a field value, the two must agree
// on the verdict: where a word test misses a refused byte, the whole scan accepts what
// the byte-by-byte scan refuses.
#include "http/head_scanner.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <tuple>

namespace weft::http::detail {
namespace {

struct Scanned {
  std::size_t accepted = 0;
  HeadScanner::Outcome outcome = HeadScanner::Outcome::more;
  int status = 0;
  bool operator==(const Scanned&) const = default;
};

Scanned scan_whole(const Limits& limits, std::string_view head) {
  HeadScanner scanner(limits);
  scanner.start_message();
  const auto verdict = scanner.scan(head.data(), head.size());
  return {verdict.accepted, verdict.outcome, verdict.status};
}

Scanned scan_bytewise(const Limits& limits, std::string_view head) {
  HeadScanner scanner(limits);
  scanner.start_message();
  std::size_t accepted = 0;
  for (const char& byte : head) {
    const auto verdict = scanner.scan(&byte, 1);
    accepted += verdict.accepted;
    if (verdict.outcome != HeadScanner::Outcome::more) return {accepted, verdict.outcome, verdict.status};
  }
  return {accepted, HeadScanner::Outcome::more, 0};
}

// `byte` at each offset of a 24-byte run (three words and every alignment within them)
// placed by `make`; the whole and byte-by-byte verdicts must match for all 256 values.
template <class Make>
void expect_paths_agree(Make make) {
  const Limits limits;
  int refused = 0;
  for (int value = 0; value < 256; ++value) {
    for (std::size_t at = 0; at < 24; ++at) {
      std::string run(24, 'a');
      run[at] = static_cast<char>(value);
      const std::string head = make(run);
      const Scanned whole = scan_whole(limits, head);
      ASSERT_EQ(whole, scan_bytewise(limits, head)) << "byte 0x" << std::hex << value << std::dec << " at " << at;
      refused += whole.outcome == HeadScanner::Outcome::error;
    }
  }
  EXPECT_GT(refused, 0);  // the sweep does reach refused bytes
}

TEST(HeadScanner, WholeAndBytewiseAgreeOnEveryByteOfATarget) {
  expect_paths_agree([](const std::string& run) { return "GET /" + run + " HTTP/1.1\r\nHost: x\r\n\r\n"; });
}

TEST(HeadScanner, WholeAndBytewiseAgreeOnEveryByteOfAFieldValue) {
  expect_paths_agree([](const std::string& run) { return "GET / HTTP/1.1\r\nHost: x\r\nX-Run: " + run + "\r\n\r\n"; });
}

TEST(HeadScanner, WholeHeadLeavesTheLayoutAndCountsOfTheBytewiseScan) {
  const Limits limits;
  const std::string head = "PATCH /p?q=1 HTTP/1.0\r\nHost: example.com\r\nA:\r\nB: \tv\t \r\n\r\n";
  HeadScanner whole(limits);
  whole.start_message();
  ASSERT_EQ(whole.scan(head.data(), head.size()).outcome, HeadScanner::Outcome::done);
  HeadScanner bytewise(limits);
  bytewise.start_message();
  for (std::size_t i = 0; i < head.size(); ++i) bytewise.scan(&head[i], 1);
  EXPECT_EQ(whole.fields(), 3u);
  EXPECT_EQ(whole.fields(), bytewise.fields());
  EXPECT_EQ(whole.version_minor(), '0');
  EXPECT_EQ(whole.version_minor(), bytewise.version_minor());
  const auto& a = whole.layout();
  const auto& b = bytewise.layout();
  EXPECT_EQ(head.substr(a.method_begin, a.method_end - a.method_begin), "PATCH");
  EXPECT_EQ(head.substr(a.target_begin, a.target_end - a.target_begin), "/p?q=1");
  EXPECT_EQ(std::tie(a.method_begin, a.method_end, a.target_begin, a.target_end),
            std::tie(b.method_begin, b.method_end, b.target_begin, b.target_end));
  for (std::size_t i = 0; i < whole.fields(); ++i) {
    EXPECT_EQ(std::tie(a.fields[i].name_begin, a.fields[i].name_end, a.fields[i].value_begin, a.fields[i].value_end),
              std::tie(b.fields[i].name_begin, b.fields[i].name_end, b.fields[i].value_begin, b.fields[i].value_end))
        << "field " << i;
  }
}

}  // namespace
}  // namespace weft::http::detail
