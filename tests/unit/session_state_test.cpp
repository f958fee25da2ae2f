// The user id of a session's state: read in one pass when plain, always as Poco::JSON reads it.
#include "session_state.hpp"

#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

// What the server did before sessionUserId read plain states itself: Poco::JSON for all.
std::int64_t pocoUserId(const std::string& state) {
  try {
    auto object = Poco::JSON::Parser().parse(state).extract<Poco::JSON::Object::Ptr>();
    if (object && object->has("id")) return object->getValue<Poco::Int64>("id");
  } catch (const std::exception&) {
  }
  return 0;
}

}  // namespace

TEST(SessionState, TheUserIdIsTheTopLevelIdAsPocoJsonReadsIt) {
  using mmm::core::sessionUserId;
  // What the users plugin writes.
  EXPECT_EQ(sessionUserId(R"({"firstName":"Ann","id":42,"lastName":"Lee","photoURL":"","signedInAt":1764712345678,)"
                          R"("userName":"ann"})"),
            42);
  const std::vector<std::string> states{
      R"({"id":7})", R"({"id":-7})", R"({"id":0})", R"({"id":-0})", R"({"a":1,"id":2,"id":3})", R"({"id":2,"id":"3"})",
      R"({"id":"12"})", R"({"id":1.5})", R"({"id":1e2})", R"({"id":true})", R"({"id":null})", R"({"id":012})",
      R"({"id":123456789012345678})", R"({"id":1234567890123456789})", R"({"x":"\"id\":5","id":6})",
      R"({"x":{"id":9},"id":1})", R"({"x":{"id":9}})", R"({ "id" : 8 })", R"({"i\u0064":4})", R"({"name":"José","id":5})",
      R"({"id":5,})", R"({"id":5}x)", R"({"id":5)", R"({"id")", R"([{"id":5}])", R"("id")", "", "{}", "{",
      R"({"a":true,"b":false,"c":null,"id":11})", R"({"a":tru,"id":11})", R"({"a":-,"id":11})", R"({"id":--1})"};
  for (const auto& state : states) EXPECT_EQ(sessionUserId(state), pocoUserId(state)) << state;
  EXPECT_EQ(sessionUserId(R"({"a":1,"id":2,"id":3})"), 3) << "the last id, as Poco::JSON::Object keeps it";
  EXPECT_EQ(sessionUserId(R"({"x":{"id":9}})"), 0) << "not a nested one";
  EXPECT_EQ(sessionUserId(R"({"id":"12"})"), 12) << "Poco converts a text id";
}
