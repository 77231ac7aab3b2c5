#include <weft/http/request.hpp>

#include <gtest/gtest.h>

namespace weft::http {
namespace {

TEST(Request, HeaderLookupIgnoresAsciiCase) {
  Request request;
  request.headers = {{"Content-Type", "text/plain"}, {"X-Id", "7"}};
  EXPECT_EQ(request.header("content-type"), "text/plain");
  EXPECT_EQ(request.header("CONTENT-TYPE"), "text/plain");
  EXPECT_EQ(request.header("x-ID"), "7");
}

TEST(Request, HeaderLookupReturnsTheFirstOfDuplicates) {
  Request request;
  request.headers = {{"Accept", "a"}, {"accept", "b"}};
  EXPECT_EQ(request.header("Accept"), "a");
}

TEST(Request, MissingHeaderIsNullopt) {
  Request request;
  request.headers = {{"Host", "x"}};
  EXPECT_FALSE(request.header("Hos").has_value());
  EXPECT_FALSE(request.header("Hostx").has_value());
}

TEST(Request, EmptyValueIsPresentNotMissing) {
  Request request;
  request.headers = {{"X-Empty", ""}};
  ASSERT_TRUE(request.header("x-empty").has_value());
  EXPECT_EQ(*request.header("x-empty"), "");
}

TEST(Request, MethodKindNamesTheCommonMethodsCaseSensitively) {
  EXPECT_EQ(method_from_string("GET"), Method::get);
  EXPECT_EQ(method_from_string("HEAD"), Method::head);
  EXPECT_EQ(method_from_string("POST"), Method::post);
  EXPECT_EQ(method_from_string("PUT"), Method::put);
  EXPECT_EQ(method_from_string("DELETE"), Method::delete_);
  EXPECT_EQ(method_from_string("CONNECT"), Method::connect);
  EXPECT_EQ(method_from_string("OPTIONS"), Method::options);
  EXPECT_EQ(method_from_string("TRACE"), Method::trace);
  EXPECT_EQ(method_from_string("PATCH"), Method::patch);
  EXPECT_EQ(method_from_string("get"), Method::other);
  EXPECT_EQ(method_from_string("PROPFIND"), Method::other);
  EXPECT_EQ(method_from_string(""), Method::other);
}

TEST(Request, IsHeadOnlyForHead) {
  Request request;
  request.method = "HEAD";
  EXPECT_TRUE(request.is_head());
  EXPECT_EQ(request.method_kind(), Method::head);
  request.method = "GET";
  EXPECT_FALSE(request.is_head());
}

TEST(Request, DefaultsToAnHttp11KeepAliveRequest) {
  const Request request;
  EXPECT_EQ(request.version_major, 1u);
  EXPECT_EQ(request.version_minor, 1u);
  EXPECT_TRUE(request.keep_alive);
  EXPECT_FALSE(request.expects_continue);
}

}  // namespace
}  // namespace weft::http
