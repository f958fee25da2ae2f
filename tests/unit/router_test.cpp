#include "router.hpp"

#include <gtest/gtest.h>

using mmm::Request;
using mmm::Response;
using mmm::core::Router;
using Kind = Router::Match::Kind;

namespace {

mmm::Handler text(std::string body) {
  return [body](Request&) { return Response::text(200, body); };
}

std::string call(const Router::Match& match) {
  Request request;
  return (*match.handler)(request).body;
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router.add("GET", "/v1/events", text("list"));
    router.add("POST", "/v1/events", text("create"));
    router.add("GET", "/v1/events/join", text("joined"));
    router.add("GET", "/v1/events/{id}", text("one"));
    router.add("PATCH", "/v1/events/{id}", text("patch"));
    router.add("DELETE", "/v1/events/{id}/members/{who}", text("leave"));
  }
  Router router;
};

}  // namespace

TEST_F(RouterTest, MatchesLiteralRoutes) {
  auto m = router.match("POST", "/v1/events");
  ASSERT_EQ(m.kind, Kind::Found);
  EXPECT_EQ(call(m), "create");
  EXPECT_EQ(m.pattern, "/v1/events");
}

TEST_F(RouterTest, ExtractsPathParameters) {
  auto m = router.match("DELETE", "/v1/events/42/members/me");
  ASSERT_EQ(m.kind, Kind::Found);
  EXPECT_EQ(m.params.at("id"), "42");
  EXPECT_EQ(m.params.at("who"), "me");
  EXPECT_EQ(m.pattern, "/v1/events/{id}/members/{who}");
}

TEST_F(RouterTest, LiteralSegmentWinsOverParameter) {
  EXPECT_EQ(call(router.match("GET", "/v1/events/join")), "joined");
  EXPECT_EQ(call(router.match("GET", "/v1/events/7")), "one");
}

TEST_F(RouterTest, FallsBackToParameterWhenLiteralLacksTheMethod) {
  auto m = router.match("PATCH", "/v1/events/join");
  ASSERT_EQ(m.kind, Kind::Found);
  EXPECT_EQ(m.params.at("id"), "join");
}

TEST_F(RouterTest, UnknownPathIsNotFound) {
  EXPECT_EQ(router.match("GET", "/v1/nothing").kind, Kind::NotFound);
  EXPECT_EQ(router.match("GET", "/v1/events/1/extra").kind, Kind::NotFound);
  EXPECT_EQ(router.match("GET", "/v1/events/").kind, Kind::NotFound);  // empty parameter
  EXPECT_EQ(router.match("GET", "").kind, Kind::NotFound);
  EXPECT_EQ(router.match("GET", "v1/events").kind, Kind::NotFound);
}

TEST_F(RouterTest, WrongMethodListsAllowedMethods) {
  auto m = router.match("PUT", "/v1/events/3");
  ASSERT_EQ(m.kind, Kind::MethodNotAllowed);
  EXPECT_EQ(m.allow, (std::vector<std::string>{"GET", "HEAD", "OPTIONS", "PATCH"}));
  EXPECT_EQ(m.pattern, "/v1/events/{id}");  // its shape, for the access log's redaction
}

TEST_F(RouterTest, AllowListUnitesEveryMatchingRoute) {
  // /v1/events/join is both a literal (GET) and an {id} (GET, PATCH).
  auto m = router.match("DELETE", "/v1/events/join");
  ASSERT_EQ(m.kind, Kind::MethodNotAllowed);
  EXPECT_EQ(m.allow, (std::vector<std::string>{"GET", "HEAD", "OPTIONS", "PATCH"}));
}

TEST_F(RouterTest, HeadFallsBackToGet) {
  auto m = router.match("HEAD", "/v1/events");
  ASSERT_EQ(m.kind, Kind::Found);
  EXPECT_EQ(call(m), "list");
}

TEST_F(RouterTest, RejectsDuplicatesAndMalformedPatterns) {
  EXPECT_THROW(router.add("GET", "/v1/events", text("again")), std::invalid_argument);
  EXPECT_THROW(router.add("GET", "/v1/events/{other}", text("again")), std::invalid_argument);
  EXPECT_THROW(router.add("GET", "no-slash", text("x")), std::invalid_argument);
  EXPECT_THROW(router.add("GET", "/v1/x{y}", text("x")), std::invalid_argument);
}

TEST(RouterLog, SecretParametersAreNeverInTheLoggedPath) {
  using mmm::core::isSecretParam;
  using mmm::core::pathForLog;
  EXPECT_TRUE(isSecretParam("token"));
  EXPECT_TRUE(isSecretParam("feedToken"));
  EXPECT_TRUE(isSecretParam("reset_token"));
  for (const char* name : {"id", "tokens", "Token", "tokenId", "file"}) EXPECT_FALSE(isSecretParam(name)) << name;
  EXPECT_EQ(pathForLog("/v1/calendar/feed/abcDEF-_123.ics", "/v1/calendar/feed/{token}"), "/v1/calendar/feed/***");
  EXPECT_EQ(pathForLog("/v1/x/7/k%41y/y", "/v1/x/{id}/{apiToken}/y"), "/v1/x/7/***/y");
  EXPECT_EQ(pathForLog("/v1/events/12", "/v1/events/{id}"), "/v1/events/12");
  EXPECT_EQ(pathForLog("/v1/events/join", "/v1/events/join"), "/v1/events/join");
  EXPECT_EQ(pathForLog("/nowhere/at/all", ""), "/nowhere/at/all");  // unmatched: no route, as received
  // An encoded '/' (a%2Fb decoded is two segments): past the literal prefix, all of it goes.
  EXPECT_EQ(pathForLog("/v1/x/a%2Fb", "/v1/x/{id}/{token}"), "/v1/x/***");
  EXPECT_EQ(pathForLog("/v1/x/a%2Fb", "/v1/x/{id}/{name}"), "/v1/x/a%2Fb");
}
