// Router: pattern matching, specificity, parameters, 404/405 with Allow, HEAD via GET,
// middleware order, and copies that share nothing.
#include <weft/http/router.hpp>

#include <weft/testing/run.hpp>

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace weft::http {
namespace {

// A handler answering `name` plus the parameters it was given, e.g. "user id=42".
Handler named(std::string name) {
  return [name](Request& request) -> Task<Response> {
    std::string body = name;
    for (const auto& param : request.params) body += " " + std::string(param.name) + "=" + std::string(param.value);
    co_return Response::text(std::move(body));
  };
}

struct Answer {
  int status = 0;
  std::string body;
  std::string allow;
};

Answer dispatch(const Router& router, std::string method, std::string path) {
  auto body = [&]() -> Task<Answer> {
    Request request;
    request.method = method;
    request.path = path;
    request.target = path;
    Response response = co_await router.dispatch(request);
    co_return Answer{response.status, response.body, std::string(response.header("Allow").value_or(""))};
  };
  return testing::run(body());
}

TEST(Router, MatchesLiteralPathsExactly) {
  Router router;
  router.get("/", named("root")).get("/a/b", named("ab"));
  EXPECT_EQ(dispatch(router, "GET", "/").body, "root");
  EXPECT_EQ(dispatch(router, "GET", "/a/b").body, "ab");
  EXPECT_EQ(dispatch(router, "GET", "/a").status, 404);
  EXPECT_EQ(dispatch(router, "GET", "/a/b/").status, 404);
  EXPECT_EQ(dispatch(router, "GET", "/a/bc").status, 404);
  EXPECT_EQ(dispatch(router, "GET", "/A/b").status, 404);
}

TEST(Router, ParametersMatchOneNonEmptySegment) {
  Router router;
  router.get("/users/{id}", named("user")).get("/users/{id}/posts/{post}", named("post"));
  EXPECT_EQ(dispatch(router, "GET", "/users/42").body, "user id=42");
  EXPECT_EQ(dispatch(router, "GET", "/users/42/posts/7").body, "post id=42 post=7");
  EXPECT_EQ(dispatch(router, "GET", "/users/").status, 404);
  EXPECT_EQ(dispatch(router, "GET", "/users").status, 404);
  EXPECT_EQ(dispatch(router, "GET", "/users/42/posts").status, 404);
}

TEST(Router, CatchAllTakesTheRestOfThePath) {
  Router router;
  router.get("/static/*", named("static"));
  EXPECT_EQ(dispatch(router, "GET", "/static/css/site.css").body, "static *=css/site.css");
  EXPECT_EQ(dispatch(router, "GET", "/static/").body, "static *=");
  EXPECT_EQ(dispatch(router, "GET", "/static").body, "static *=");
  EXPECT_EQ(dispatch(router, "GET", "/statics").status, 404);
}

TEST(Router, TheMostSpecificRouteWinsWhateverTheRegistrationOrder) {
  Router router;
  router.get("/*", named("any")).get("/users/{id}", named("user")).get("/users/me", named("me"));
  EXPECT_EQ(dispatch(router, "GET", "/users/me").body, "me");
  EXPECT_EQ(dispatch(router, "GET", "/users/7").body, "user id=7");
  EXPECT_EQ(dispatch(router, "GET", "/other/x").body, "any *=other/x");
  Router reversed;
  reversed.get("/users/me", named("me")).get("/users/{id}", named("user")).get("/*", named("any"));
  EXPECT_EQ(dispatch(reversed, "GET", "/users/me").body, "me");
  EXPECT_EQ(dispatch(reversed, "GET", "/users/7").body, "user id=7");
}

TEST(Router, OnlyTheWinnersParametersAreKept) {
  Router router;
  router.get("/{a}/{b}", named("two")).get("/x/{c}", named("x"));
  EXPECT_EQ(dispatch(router, "GET", "/x/1").body, "x c=1");
  EXPECT_EQ(dispatch(router, "GET", "/y/1").body, "two a=y b=1");
}

TEST(Router, AnUnknownPathIs404OrTheNotFoundHandler) {
  Router router;
  router.get("/", named("root"));
  EXPECT_EQ(dispatch(router, "GET", "/missing").status, 404);
  router.not_found(named("fallback"));
  EXPECT_EQ(dispatch(router, "GET", "/missing").body, "fallback");
}

TEST(Router, AKnownPathWithAnotherMethodIs405ListingTheAllowedMethods) {
  Router router;
  router.get("/items", named("list")).post("/items", named("create")).del("/items/{id}", named("delete"));
  const Answer answer = dispatch(router, "PUT", "/items");
  EXPECT_EQ(answer.status, 405);
  EXPECT_EQ(answer.allow, "GET, HEAD, POST");
  EXPECT_EQ(dispatch(router, "GET", "/items/3").allow, "DELETE");
}

TEST(Router, HeadIsServedByTheGetRouteUnlessItHasItsOwn) {
  Router router;
  router.get("/a", named("get a")).get("/b", named("get b")).route("HEAD", "/b", named("head b"));
  EXPECT_EQ(dispatch(router, "HEAD", "/a").body, "get a");
  EXPECT_EQ(dispatch(router, "HEAD", "/b").body, "head b");
  EXPECT_EQ(dispatch(router, "GET", "/b").body, "get b");
}

// Literal patterns are looked up by path; these hold that lookup to the scan's answers.
TEST(Router, ALiteralRouteOfAnotherMethodLeavesThePathToTheOtherRoutes) {
  Router router;
  router.post("/users/me", named("post me")).get("/users/{id}", named("user")).get("/*", named("any"));
  EXPECT_EQ(dispatch(router, "GET", "/users/me").body, "user id=me");
  EXPECT_EQ(dispatch(router, "POST", "/users/me").body, "post me");
  EXPECT_EQ(dispatch(router, "HEAD", "/users/me").body, "user id=me");
  const Answer answer = dispatch(router, "PUT", "/users/me");
  EXPECT_EQ(answer.status, 405);
  EXPECT_EQ(answer.allow, "POST, GET, HEAD");
}

TEST(Router, AmongEqualLiteralPatternsTheFirstOfTheMethodWins) {
  Router router;
  router.get("/a", named("first get")).route("HEAD", "/a", named("head")).get("/a", named("second get"));
  router.get("/{x}", named("param"));
  EXPECT_EQ(dispatch(router, "GET", "/a").body, "first get");
  EXPECT_EQ(dispatch(router, "HEAD", "/a").body, "head");
  Router get_only;
  get_only.route("HEAD", "/{x}", named("head param")).get("/a", named("get a"));
  EXPECT_EQ(dispatch(get_only, "HEAD", "/a").body, "get a");  // literal beats {x}
  EXPECT_EQ(dispatch(get_only, "HEAD", "/b").body, "head param x=b");
}

TEST(Router, ALiteralRouteAddedToACopyIsNotInTheOriginal) {
  Router router;
  router.get("/a", named("a"));
  Router copy = router;
  copy.get("/b", named("b"));
  EXPECT_EQ(dispatch(copy, "GET", "/a").body, "a");
  EXPECT_EQ(dispatch(copy, "GET", "/b").body, "b");
  EXPECT_EQ(dispatch(router, "GET", "/b").status, 404);
}

TEST(Router, MiddlewareRunsInOrderAroundEveryAnswerIncluding404) {
  Router router;
  auto tag = [](std::string name) {
    return [name](Request& request, const Handler& next) -> Task<Response> {
      Response response = co_await next(request);
      response.body = name + "(" + response.body + ")";
      co_return response;
    };
  };
  router.use(tag("outer")).use(tag("inner")).get("/", named("root"));
  EXPECT_EQ(dispatch(router, "GET", "/").body, "outer(inner(root))");
  EXPECT_EQ(dispatch(router, "GET", "/nope").body, "outer(inner(404 Not Found\n))");
}

TEST(Router, MiddlewareMayAnswerWithoutCallingNext) {
  Router router;
  router.use([](Request& request, const Handler& next) -> Task<Response> {
    if (request.path == "/private") co_return Response::of_status(401);
    co_return co_await next(request);
  });
  router.get("/private", named("secret")).get("/public", named("public"));
  EXPECT_EQ(dispatch(router, "GET", "/private").status, 401);
  EXPECT_EQ(dispatch(router, "GET", "/public").body, "public");
}

TEST(Router, ACopyHasItsOwnHandlerState) {
  Router router;
  router.get("/count", [count = 0](Request&) mutable -> Task<Response> {
    co_return Response::text(std::to_string(++count));
  });
  Router copy = router;
  EXPECT_EQ(dispatch(router, "GET", "/count").body, "1");
  EXPECT_EQ(dispatch(router, "GET", "/count").body, "2");
  EXPECT_EQ(dispatch(copy, "GET", "/count").body, "1");
}

TEST(Router, ACopyKeepsWorkingAfterTheOriginalIsGone) {
  Router copy;
  {
    Router original;
    original.use([](Request& request, const Handler& next) { return next(request); });
    original.get("/users/{id}", named("user"));
    EXPECT_EQ(dispatch(original, "GET", "/users/1").body, "user id=1");
    copy = original;
  }
  EXPECT_EQ(dispatch(copy, "GET", "/users/2").body, "user id=2");
}

TEST(Router, RefusesMalformedPatterns) {
  Router router;
  for (const char* pattern : {"", "users", "/{}", "/{id", "/a*", "/*/x", "/x{id}"}) {
    EXPECT_THROW(router.get(pattern, named("x")), std::invalid_argument) << pattern;
  }
  EXPECT_THROW(router.route("", "/", named("x")), std::invalid_argument);
  EXPECT_THROW(router.get("/", Handler{}), std::invalid_argument);
}

}  // namespace
}  // namespace weft::http
