// The OpenAPI registry and renderer (core/src/api_docs): routes and schemas by owner, what
// describe() refuses, and the rendered document's shape.
#include "api_docs.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <stdexcept>

namespace {

using mmm::RouteDoc;
using mmm::core::ApiDocs;
using Poco::JSON::Array;
using Poco::JSON::Object;

Object::Ptr parse(const ApiDocs& docs) {
  Poco::JSON::Parser parser;
  return parser.parse(docs.render()->json).extract<Object::Ptr>();
}

Object::Ptr operation(const Object::Ptr& doc, const std::string& path, const std::string& method) {
  auto item = doc->getObject("paths")->getObject(path);
  return item ? item->getObject(method) : nullptr;
}

const char* const kThing = R"({"type":"object","properties":{"id":{"type":"integer"}}})";

TEST(OpenApiDocs, DocumentsARouteWithItsParametersBodyAndAnswers) {
  ApiDocs docs({"Test", "9.9.9", "https://meet.example.org", "sid"}, nullptr);
  docs.addRoute("things", "POST", "/v1/things/{id}");
  docs.schema("things", "Thing", kThing);
  docs.describe("things", "POST", "/v1/things/{id}",
                RouteDoc("Makes a thing")
                    .needsSession()
                    .path("id", R"({"type":"integer","minimum":1})")
                    .query("limit", R"({"type":"integer"})")
                    .body(R"({"type":"object"})")
                    .answer(201, "Made", RouteDoc::ref("Thing"))
                    .answer(404, "No such thing")
                    .answer(200, "Plain", R"({"type":"string"})", "text/plain"));
  auto doc = parse(docs);
  EXPECT_EQ(doc->getValue<std::string>("openapi"), "3.1.0");
  EXPECT_EQ(doc->getObject("info")->getValue<std::string>("version"), "9.9.9");
  EXPECT_EQ(doc->getArray("servers")->getObject(0)->getValue<std::string>("url"), "https://meet.example.org");
  EXPECT_EQ(doc->getObject("components")->getObject("securitySchemes")->getObject("sessionCookie")->getValue<std::string>("name"),
            "sid");
  auto op = operation(doc, "/v1/things/{id}", "post");
  ASSERT_TRUE(op);
  EXPECT_EQ(op->getValue<std::string>("summary"), "Makes a thing");
  EXPECT_EQ(op->getArray("tags")->getElement<std::string>(0), "things");
  EXPECT_FALSE(op->has("x-mmm-undocumented"));
  auto params = op->getArray("parameters");
  ASSERT_EQ(params->size(), 2u);
  EXPECT_EQ(params->getObject(0)->getValue<std::string>("in"), "path");
  EXPECT_TRUE(params->getObject(0)->getValue<bool>("required"));
  EXPECT_EQ(params->getObject(0)->getObject("schema")->getValue<std::string>("type"), "integer");
  EXPECT_FALSE(params->getObject(1)->getValue<bool>("required"));
  EXPECT_TRUE(op->getObject("requestBody")->getObject("content")->has("application/json"));
  auto responses = op->getObject("responses");
  EXPECT_EQ(responses->getObject("201")->getObject("content")->getObject("application/json")->getObject("schema")
                ->getValue<std::string>("$ref"),
            "#/components/schemas/Thing");
  EXPECT_EQ(responses->getObject("404")->getObject("content")->getObject("application/problem+json")
                ->getObject("schema")->getValue<std::string>("$ref"),
            "#/components/schemas/Problem");
  EXPECT_TRUE(responses->getObject("200")->getObject("content")->has("text/plain"));
  // needsSession: a 401 and both security schemes.
  EXPECT_TRUE(responses->has("401"));
  EXPECT_EQ(op->getArray("security")->size(), 2u);
  EXPECT_TRUE(doc->getObject("components")->getObject("schemas")->has("Thing"));
  EXPECT_TRUE(doc->getObject("components")->getObject("schemas")->has("Problem"));
  EXPECT_TRUE(docs.problems().empty());
  EXPECT_TRUE(docs.undocumented().empty());
}

TEST(OpenApiDocs, PathParametersNobodyDeclaredAreStrings) {
  ApiDocs docs;
  docs.addRoute("p", "GET", "/a/{x}/b/{y}");
  docs.describe("p", "GET", "/a/{x}/b/{y}", RouteDoc("A").path("y", R"({"type":"integer"})").answer(200, "OK"));
  auto params = operation(parse(docs), "/a/{x}/b/{y}", "get")->getArray("parameters");
  ASSERT_EQ(params->size(), 2u);
  auto x = params->getObject(1);
  EXPECT_EQ(x->getValue<std::string>("name"), "x");
  EXPECT_EQ(x->getValue<std::string>("in"), "path");
  EXPECT_TRUE(x->getValue<bool>("required"));
  EXPECT_EQ(x->getObject("schema")->getValue<std::string>("type"), "string");
}

TEST(OpenApiDocs, AnUndocumentedRouteIsListedAndMarked) {
  ApiDocs docs;
  docs.addRoute("p", "DELETE", "/v1/x/{id}");
  ASSERT_EQ(docs.undocumented().size(), 1u);
  EXPECT_EQ(docs.undocumented()[0], "DELETE /v1/x/{id} (p)");
  auto op = operation(parse(docs), "/v1/x/{id}", "delete");
  ASSERT_TRUE(op);
  EXPECT_TRUE(op->getValue<bool>("x-mmm-undocumented"));
  EXPECT_EQ(op->getArray("parameters")->getObject(0)->getValue<std::string>("name"), "id");
  EXPECT_TRUE(op->getObject("responses")->has("default"));
}

TEST(OpenApiDocs, RefusesWhatIsWrong) {
  ApiDocs docs;
  docs.addRoute("a", "GET", "/a/{id}");
  docs.addRoute("b", "GET", "/b");
  const auto ok = RouteDoc("A").answer(200, "OK");
  // Not this owner's route, or no such route.
  EXPECT_THROW(docs.describe("b", "GET", "/a/{id}", ok), std::invalid_argument);
  EXPECT_THROW(docs.describe("a", "POST", "/a/{id}", ok), std::invalid_argument);
  EXPECT_THROW(docs.describe("a", "GET", "/nowhere", ok), std::invalid_argument);
  // Bad schemas: not JSON, not an object.
  EXPECT_THROW(docs.describe("a", "GET", "/a/{id}", RouteDoc("A").answer(200, "OK", "{\"type\":")), std::invalid_argument);
  EXPECT_THROW(docs.describe("a", "GET", "/a/{id}", RouteDoc("A").answer(200, "OK", "[1]")), std::invalid_argument);
  EXPECT_THROW(docs.describe("a", "GET", "/a/{id}", RouteDoc("A").body("\"text\"").answer(200, "OK")),
               std::invalid_argument);
  EXPECT_THROW(docs.describe("a", "GET", "/a/{id}", RouteDoc("A").query("q", "nope").answer(200, "OK")),
               std::invalid_argument);
  // A path parameter the pattern lacks; no answer; an answer twice.
  EXPECT_THROW(docs.describe("a", "GET", "/a/{id}", RouteDoc("A").path("other").answer(200, "OK")), std::invalid_argument);
  EXPECT_THROW(docs.describe("a", "GET", "/a/{id}", RouteDoc("A")), std::invalid_argument);
  EXPECT_THROW(docs.describe("a", "GET", "/a/{id}", RouteDoc("A").answer(200, "OK").answer(200, "Again")),
               std::invalid_argument);
  // None of those documented it; now once, and not twice.
  EXPECT_EQ(docs.undocumented().size(), 2u);
  docs.describe("a", "GET", "/a/{id}", ok);
  EXPECT_THROW(docs.describe("a", "GET", "/a/{id}", ok), std::invalid_argument);
  // Schemas: bad names, not objects, another owner's name with another schema.
  EXPECT_THROW(docs.schema("a", "Bad Name", kThing), std::invalid_argument);
  EXPECT_THROW(docs.schema("a", "", kThing), std::invalid_argument);
  EXPECT_THROW(docs.schema("a", "Problem", kThing), std::invalid_argument);
  EXPECT_THROW(docs.schema("a", "Thing", "{not json"), std::invalid_argument);
  EXPECT_THROW(docs.schema("a", "Thing", "42"), std::invalid_argument);
  docs.schema("a", "Thing", kThing);
  docs.schema("b", "Thing", kThing);  // the same text: shared
  EXPECT_THROW(docs.schema("b", "Thing", R"({"type":"string"})"), std::invalid_argument);
  // A route twice.
  EXPECT_THROW(docs.addRoute("b", "GET", "/a/{id}"), std::invalid_argument);
}

TEST(OpenApiDocs, AnOwnerRemovedTakesItsPathsAndSchemas) {
  ApiDocs docs;
  docs.addRoute("", "GET", "/healthz");
  docs.describe("", "GET", "/healthz", RouteDoc("Up").answer(200, "OK"));
  docs.addRoute("chat", "GET", "/v1/channels");
  docs.addRoute("chat", "POST", "/v1/channels");
  docs.schema("chat", "Channel", kThing);
  docs.schema("chat", "Shared", kThing);
  docs.addRoute("meetups", "GET", "/v1/events");
  docs.schema("meetups", "Event", kThing);
  docs.schema("meetups", "Shared", kThing);
  auto before = parse(docs);
  EXPECT_TRUE(before->getObject("paths")->has("/v1/channels"));
  EXPECT_TRUE(before->getObject("components")->getObject("schemas")->has("Channel"));

  docs.removeOwner("chat");
  auto after = parse(docs);
  EXPECT_FALSE(after->getObject("paths")->has("/v1/channels"));
  EXPECT_TRUE(after->getObject("paths")->has("/v1/events"));
  EXPECT_TRUE(after->getObject("paths")->has("/healthz"));
  auto schemas = after->getObject("components")->getObject("schemas");
  EXPECT_FALSE(schemas->has("Channel"));
  EXPECT_TRUE(schemas->has("Event"));
  EXPECT_TRUE(schemas->has("Shared"));  // meetups declared it too
  bool chatTag = false;
  auto tags = after->getArray("tags");
  for (std::size_t i = 0; i < tags->size(); ++i) chatTag |= tags->getObject(i)->getValue<std::string>("name") == "chat";
  EXPECT_FALSE(chatTag);

  // Started again, the routes can come back and be documented.
  docs.addRoute("chat", "GET", "/v1/channels");
  docs.describe("chat", "GET", "/v1/channels", RouteDoc("List").answer(200, "OK"));
  EXPECT_TRUE(parse(docs)->getObject("paths")->has("/v1/channels"));
}

TEST(OpenApiDocs, TheRenderedTextIsCachedUntilSomethingChanges) {
  ApiDocs docs;
  docs.addRoute("p", "GET", "/a");
  auto first = docs.render();
  EXPECT_EQ(docs.render().get(), first.get());  // the same rendering
  docs.describe("p", "GET", "/a", RouteDoc("A").answer(200, "OK"));
  auto second = docs.render();
  EXPECT_NE(second.get(), first.get());
  EXPECT_NE(second->etag, first->etag);
  EXPECT_NE(second->json.find("\"summary\":\"A\""), std::string::npos);
  docs.schema("p", "S", kThing);
  auto third = docs.render();
  EXPECT_NE(third.get(), second.get());
  docs.rateLimited("p", "GET", "/a");
  auto fourth = docs.render();
  EXPECT_NE(fourth.get(), third.get());
  EXPECT_NE(fourth->json.find("\"429\""), std::string::npos);
  docs.removeOwner("p");
  EXPECT_NE(docs.render().get(), fourth.get());
  EXPECT_EQ(docs.render()->json.find("\"/a\""), std::string::npos);
}

TEST(OpenApiDocs, ARefToASchemaNobodyDeclaredIsAProblem) {
  ApiDocs docs;
  docs.addRoute("p", "GET", "/a");
  docs.describe("p", "GET", "/a", RouteDoc("A").answer(200, "OK", RouteDoc::arrayOf(RouteDoc::ref("Missing"))));
  docs.schema("p", "Holder", R"({"type":"object","properties":{"x":{"$ref":"#/components/schemas/AlsoMissing"}}})");
  auto problems = docs.problems();
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_NE(problems[0].find("'AlsoMissing'"), std::string::npos) << problems[0];
  EXPECT_NE(problems[1].find("'Missing'"), std::string::npos) << problems[1];
  EXPECT_NE(problems[1].find("GET /a"), std::string::npos) << problems[1];
  docs.schema("q", "Missing", kThing);
  docs.schema("q", "AlsoMissing", kThing);
  EXPECT_TRUE(docs.problems().empty());
  docs.removeOwner("q");
  EXPECT_EQ(docs.problems().size(), 2u);
}

TEST(OpenApiDocs, RateLimitedRoutesAnswer429AndOnlyTheirOwnerCanSaySo) {
  ApiDocs docs;
  docs.addRoute("p", "POST", "/a");
  docs.describe("p", "POST", "/a", RouteDoc("A").answer(201, "Made"));
  docs.rateLimited("q", "POST", "/a");  // not q's: ignored
  EXPECT_FALSE(operation(parse(docs), "/a", "post")->getObject("responses")->has("429"));
  docs.rateLimited("p", "POST", "/a");
  auto tooMany = operation(parse(docs), "/a", "post")->getObject("responses")->getObject("429");
  ASSERT_TRUE(tooMany);
  EXPECT_TRUE(tooMany->getObject("headers")->has("Retry-After"));
}

TEST(OpenApiDocs, ClearForgetsEverything) {
  ApiDocs docs;
  docs.addRoute("p", "GET", "/a");
  docs.schema("p", "S", kThing);
  docs.clear();
  auto doc = parse(docs);
  EXPECT_EQ(doc->getObject("paths")->size(), 0u);
  EXPECT_FALSE(doc->getObject("components")->getObject("schemas")->has("S"));
  docs.addRoute("p", "GET", "/a");  // not a duplicate any more
}

}  // namespace
