#include <weft/http/limits.hpp>

#include <gtest/gtest.h>

namespace weft::http {
namespace {

TEST(Limits, DefaultsAreTheDocumentedOnes) {
  const Limits limits;
  EXPECT_EQ(limits.max_request_line, 8192u);
  EXPECT_EQ(limits.max_header_bytes, 16384u);
  EXPECT_EQ(limits.max_headers, 100u);
  EXPECT_EQ(limits.max_body, 1024u * 1024u);
}

TEST(Limits, EachCanBeSetByName) {
  const Limits limits{.max_request_line = 1, .max_header_bytes = 2, .max_headers = 3, .max_body = 4};
  EXPECT_EQ(limits.max_request_line, 1u);
  EXPECT_EQ(limits.max_header_bytes, 2u);
  EXPECT_EQ(limits.max_headers, 3u);
  EXPECT_EQ(limits.max_body, 4u);
}

}  // namespace
}  // namespace weft::http
