// GET /v1/openapi.json from a real server: valid OpenAPI 3.1 by a real validator, every
// route documented and every documented operation routed, a disabled plugin's paths and
// schemas absent, and real answers conforming to the schemas documented for them (so the
// document cannot drift from the handlers unnoticed).
#include "api_fixture.hpp"
#include "meetups_fixture.hpp"
#include "openapi_check.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace mmm::test {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;
using Var = Poco::Dynamic::Var;

const std::string kAllPlugins = kUsersPlugin + kChatPlugin + kMeetupsPlugin + "  - name: musicians\n";

std::string lower(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string mediaType(const std::string& contentType) {
  auto type = contentType.substr(0, contentType.find(';'));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  return lower(type);
}

bool isObject(const Var& v) { return v.type() == typeid(Object::Ptr); }
bool isArray(const Var& v) { return v.type() == typeid(Array::Ptr); }

bool hasType(const Var& value, const std::string& type) {
  if (type == "null") return value.isEmpty();
  if (value.isEmpty()) return false;
  if (type == "object") return isObject(value);
  if (type == "array") return isArray(value);
  if (type == "string") return value.isString();
  if (type == "boolean") return value.isBoolean();
  if (type == "integer") return value.isInteger() && !value.isBoolean();
  if (type == "number") return value.isNumeric() && !value.isBoolean();
  return false;
}

std::string show(const Var& value) {
  if (value.isEmpty()) return "null";
  std::ostringstream out;
  Poco::JSON::Stringifier::condense(value, out);
  return out.str().substr(0, 200);
}

// `value` against `schema` as far as the document uses JSON Schema: $ref, type, const, enum,
// required, properties (an answer's key that the schema does not list is a mismatch too:
// the document must name every field), items and oneOf. Mismatches go to `errors`.
void conform(const Var& value, Object::Ptr schema, const Object::Ptr& doc, const std::string& where,
             std::vector<std::string>& errors) {
  if (!schema) return;
  while (schema->has("$ref")) {
    const auto ref = schema->getValue<std::string>("$ref");
    const std::string prefix = "#/components/schemas/";
    auto target = doc->getObject("components")->getObject("schemas")->getObject(ref.substr(prefix.size()));
    if (!target) {
      errors.push_back(where + ": $ref " + ref + " points at nothing");
      return;
    }
    schema = target;
  }
  if (schema->has("oneOf")) {
    auto alternatives = schema->getArray("oneOf");
    std::string why;
    for (std::size_t i = 0; i < alternatives->size(); ++i) {
      std::vector<std::string> mine;
      conform(value, alternatives->getObject(i), doc, where, mine);
      if (mine.empty()) return;
      why += (why.empty() ? "" : " | ") + mine.front();
    }
    errors.push_back(where + ": " + show(value) + " matches no alternative (" + why + ")");
    return;
  }
  if (schema->has("type")) {
    std::vector<std::string> types;
    auto t = schema->get("type");
    if (isArray(t)) {
      auto list = t.extract<Array::Ptr>();
      for (std::size_t i = 0; i < list->size(); ++i) types.push_back(list->getElement<std::string>(i));
    } else {
      types.push_back(t.convert<std::string>());
    }
    bool any = false;
    for (const auto& type : types) any = any || hasType(value, type);
    if (!any) {
      errors.push_back(where + ": " + show(value) + " is not of type " + show(t));
      return;
    }
  }
  if (schema->has("const") && show(schema->get("const")) != show(value))
    errors.push_back(where + ": " + show(value) + " is not " + show(schema->get("const")));
  if (schema->has("enum")) {
    auto options = schema->getArray("enum");
    bool found = false;
    for (std::size_t i = 0; i < options->size(); ++i) found = found || show(options->get(i)) == show(value);
    if (!found) errors.push_back(where + ": " + show(value) + " is not one of " + show(schema->get("enum")));
  }
  if (isObject(value)) {
    auto object = value.extract<Object::Ptr>();
    if (auto required = schema->getArray("required"))
      for (std::size_t i = 0; i < required->size(); ++i) {
        const auto key = required->getElement<std::string>(i);
        if (!object->has(key)) errors.push_back(where + ": no required \"" + key + "\" in " + show(value));
      }
    if (auto properties = schema->getObject("properties"))
      for (const auto& [key, member] : *object) {
        if (!properties->has(key))
          errors.push_back(where + ": \"" + key + "\" is not documented");
        else
          conform(member, properties->getObject(key), doc, where + "." + key, errors);
      }
  }
  if (isArray(value) && schema->has("items")) {
    auto array = value.extract<Array::Ptr>();
    for (std::size_t i = 0; i < array->size(); ++i)
      conform(array->get(i), schema->getObject("items"), doc, where + "[" + std::to_string(i) + "]", errors);
  }
}

class OpenApiTest : public ApiTest {
 protected:
  Object::Ptr fetchDocument() {
    auto reply = call("GET", "/v1/openapi.json");
    EXPECT_EQ(reply.status, 200) << reply.body.substr(0, 500);
    EXPECT_EQ(reply.header("content-type"), "application/json");
    text_ = reply.body;
    doc_ = json(reply);
    return doc_;
  }

  Object::Ptr operation(const std::string& method, const std::string& pattern) {
    auto item = doc_->getObject("paths")->getObject(pattern);
    return item ? item->getObject(lower(method)) : nullptr;
  }

  /// The reply's status is documented for METHOD `pattern`, with the reply's media type, and
  /// a JSON body conforms to the schema documented for it.
  void expectDocumented(const std::string& method, const std::string& pattern, const HttpReply& reply) {
    SCOPED_TRACE(method + " " + pattern + " → " + std::to_string(reply.status) + " " + reply.body.substr(0, 300));
    auto op = operation(method, pattern);
    ASSERT_TRUE(op) << "not documented at all";
    auto answer = op->getObject("responses")->getObject(std::to_string(reply.status));
    ASSERT_TRUE(answer) << "this status is not documented";
    const auto type = mediaType(reply.header("content-type"));
    auto content = answer->getObject("content");
    if (!content) {
      EXPECT_TRUE(reply.body.empty()) << "documented without a body";
      return;
    }
    Object::Ptr media;
    for (const auto& [documented, value] : *content)
      if (mediaType(documented) == type) media = content->getObject(documented);
    ASSERT_TRUE(media) << "the media type " << type << " is not documented";
    if (type != "application/json" && type != "application/problem+json") return;
    Poco::JSON::Parser parser;
    const Var body = parser.parse(reply.body);
    std::vector<std::string> errors;
    conform(body, media->getObject("schema"), doc_, method + " " + pattern, errors);
    for (const auto& e : errors) ADD_FAILURE() << e;
  }

  HttpReply checked(const std::string& method, const std::string& target, const std::string& pattern,
                    const std::string& body = "", const std::string& token = "") {
    auto reply = call(method, target, body, token);
    expectDocumented(method, pattern, reply);
    return reply;
  }

  std::string text_;
  Object::Ptr doc_;
};

TEST_P(OpenApiTest, TheDocumentIsValidOpenApi31AndDocumentsEveryRoute) {
  startServer(kAllPlugins);
  newAccount();  // (a POST for the log check)
  auto doc = fetchDocument();
  ASSERT_TRUE(doc);
  EXPECT_EQ(doc->getValue<std::string>("openapi"), "3.1.0");

  const auto run = runOpenApiCheck(text_);
  EXPECT_EQ(run.exitCode, 0) << run.err;
  EXPECT_EQ(run.out, "valid 3.1\n") << run.err;

  std::set<std::string> tags;
  int operations = 0;
  for (const auto& [path, item] : *doc->getObject("paths")) {
    for (const auto& [method, value] : *doc->getObject("paths")->getObject(path)) {
      auto op = doc->getObject("paths")->getObject(path)->getObject(method);
      ++operations;
      EXPECT_FALSE(op->has("x-mmm-undocumented")) << method << " " << path << " is not documented";
      EXPECT_TRUE(op->has("summary")) << method << " " << path;
      tags.insert(op->getArray("tags")->getElement<std::string>(0));
    }
  }
  // The core's 5 routes and the plugins' (54 when this was written): none went missing.
  EXPECT_GE(operations, 59);
  EXPECT_EQ(tags, (std::set<std::string>{"core", "users", "meetups", "chat", "musicians"}));
  for (const char* schema : {"Problem", "Profile", "User", "Event", "Slot", "Series", "Channel", "Message", "Musician", "Report"})
    EXPECT_TRUE(doc->getObject("components")->getObject("schemas")->has(schema)) << schema;

  // A route with a rate limit answers 429 (chat's reactions); one whose limit is off does not.
  auto reacting = doc->getObject("paths")->getObject("/v1/messages/{id}/reactions/{emoji}")->getObject("put");
  ASSERT_TRUE(reacting->getObject("responses")->has("429"));
  EXPECT_TRUE(reacting->getObject("responses")->getObject("429")->getObject("headers")->has("Retry-After"));
  EXPECT_FALSE(doc->getObject("paths")->getObject("/v1/channels")->getObject("post")->getObject("responses")->has("429"));

  // Revalidation: the same document is 304 by its ETag.
  auto first = call("GET", "/v1/openapi.json");
  const auto etag = first.header("etag");
  ASSERT_FALSE(etag.empty());
  EXPECT_EQ(first.header("cache-control"), "no-cache");
  auto again = call("GET", "/v1/openapi.json", "", "", "If-None-Match: " + etag + "\r\n");
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(call("GET", "/v1/openapi.json", "", "", "If-None-Match: \"other\", " + etag + "\r\n").status, 304);
  EXPECT_EQ(call("GET", "/v1/openapi.json", "", "", "If-None-Match: \"other\"\r\n").status, 200);
}

// Each documented operation, sent without a session (no side effects: those that need one
// answer 401), reaches a handler: not the core's "no such resource" 404, not a 405. And
// what it answers is documented for it.
TEST_P(OpenApiTest, EveryDocumentedOperationIsRouted) {
  startServer(kAllPlugins);
  newAccount();
  auto doc = fetchDocument();
  ASSERT_TRUE(doc);
  const std::map<std::string, std::string> values{
      {"which", "mine"}, {"token", "not-a-token.ics"}, {"emoji", "%F0%9F%91%8D"}};
  int sent = 0;
  for (const auto& [pattern, item] : *doc->getObject("paths")) {
    std::string target;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
      if (pattern[i] != '{') {
        target += pattern[i];
        continue;
      }
      const auto close = pattern.find('}', i);
      const auto name = pattern.substr(i + 1, close - i - 1);
      target += values.count(name) ? values.at(name) : "1";
      i = close;
    }
    for (const auto& [method, value] : *doc->getObject("paths")->getObject(pattern)) {
      const std::string upper = [m = method] {
        std::string out = m;
        for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        return out;
      }();
      const bool withBody = upper == "POST" || upper == "PUT" || upper == "PATCH";
      auto reply = call(upper, target, withBody ? "{}" : "");
      ++sent;
      SCOPED_TRACE(upper + " " + target);
      EXPECT_NE(reply.status, 405) << reply.body;
      if (reply.status == 404) {
        EXPECT_EQ(json(reply)->getValue<std::string>("detail").rfind("no such resource", 0), std::string::npos)
            << "not routed: " << reply.body;
      }
      expectDocumented(upper, pattern, reply);
    }
  }
  EXPECT_GE(sent, 59);
}

TEST_P(OpenApiTest, ADisabledPluginsPathsAndSchemasAreAbsent) {
  startServer(kUsersPlugin + "  - name: chat\n    enabled: false\n" + kMeetupsPlugin + "  - name: musicians\n");
  newAccount();
  auto doc = fetchDocument();
  ASSERT_TRUE(doc);
  const auto run = runOpenApiCheck(text_);
  EXPECT_EQ(run.exitCode, 0) << run.err;
  auto paths = doc->getObject("paths");
  for (const auto& [path, item] : *paths) {
    for (const char* prefix : {"/v1/channels", "/v1/messages", "/v1/reactions", "/v1/presence"})
      EXPECT_NE(path.rfind(prefix, 0), 0u) << path << " is chat's";
    for (const auto& [method, value] : *paths->getObject(path))
      EXPECT_NE(paths->getObject(path)->getObject(method)->getArray("tags")->getElement<std::string>(0), "chat");
  }
  auto schemas = doc->getObject("components")->getObject("schemas");
  for (const char* name : {"Channel", "Message", "ReadState"}) EXPECT_FALSE(schemas->has(name)) << name;
  for (const char* name : {"Profile", "Event", "Series", "Musician", "Problem"}) EXPECT_TRUE(schemas->has(name)) << name;
  EXPECT_TRUE(paths->has("/v1/events"));
  EXPECT_TRUE(paths->has("/v1/users/{id}"));
  EXPECT_TRUE(paths->has("/v1/musicians"));
  EXPECT_TRUE(paths->has("/healthz"));
  EXPECT_TRUE(paths->has("/v1/openapi.json"));

  // With chat enabled again (a restart on the same store), its paths are back.
  startServer(kAllPlugins);
  newAccount();
  EXPECT_TRUE(fetchDocument()->getObject("paths")->has("/v1/channels/{id}"));
  EXPECT_TRUE(doc_->getObject("components")->getObject("schemas")->has("Message"));
}

// Real answers, success and error, conform to what the document says of them.
TEST_P(OpenApiTest, RealAnswersConformToTheDocumentedSchemas) {
  startServer(kAllPlugins);
  ASSERT_TRUE(fetchDocument());
  const std::string password = unique("pw-secret-");
  keepSecret(password);
  const std::string email = unique("ada") + "@example.org";
  auto signedUp = checked("POST", "/v1/users", "/v1/users",
                          R"({"email":")" + email + R"(","password":")" + password + R"(","passwordConf":")" +
                              password + R"(","userName":")" + unique("ada") + R"(","firstName":"Ada","lastName":"L"})");
  ASSERT_EQ(signedUp.status, 201);
  Account a{email, password, "", tokenOf(signedUp), json(signedUp)->getValue<Poco::Int64>("id")};
  Account b = newAccount();
  const std::string bId = std::to_string(b.id);

  // users
  checked("GET", "/v1/users/me", "/v1/users/{id}", "", a.token);
  checked("GET", "/v1/users/" + bId, "/v1/users/{id}", "", a.token);
  checked("GET", "/v1/users/999999", "/v1/users/{id}", "", a.token);
  checked("GET", "/v1/users/me", "/v1/users/{id}");  // 401
  checked("PATCH", "/v1/users/me", "/v1/users/{id}", R"({"firstName":"Augusta"})", a.token);
  checked("PATCH", "/v1/users/" + bId, "/v1/users/{id}", R"({"firstName":"X"})", a.token);  // 403
  checked("POST", "/v1/sessions", "/v1/sessions", R"({"email":")" + email + R"(","password":"wrong-password"})");
  checked("POST", "/v1/reports", "/v1/reports", R"({"kind":"user","id":)" + bId + R"(,"reason":"spam"})", a.token);
  checked("GET", "/v1/reports", "/v1/reports", "", a.token);  // 403: not an admin
  checked("GET", "/v1/audit", "/v1/audit", "", a.token);

  // musicians
  checked("GET", "/v1/instruments", "/v1/instruments", "", a.token);
  checked("GET", "/v1/genres", "/v1/genres", "", a.token);
  checked("GET", "/v1/musicians/me", "/v1/musicians/{id}", "", a.token);  // never saved
  checked("PUT", "/v1/musicians/me", "/v1/musicians/{id}",
          R"({"instruments":[{"slug":"bass","level":"advanced"}],"genres":["folk"],"bio":"Hi","links":["https://example.org/a"],)"
          R"("seeking":"a drummer","available":true,"area":{"name":"Ballard","lat":47.6712,"lon":-122.3845}})",
          a.token);
  checked("GET", "/v1/musicians?near=47.67,-122.38", "/v1/musicians", "", a.token);
  checked("GET", "/v1/musicians?limit=0", "/v1/musicians", "", a.token);  // 400

  // meetups: an event with a slot, joined by b
  const auto start = iso(daysAhead(10));
  auto created = checked("POST", "/v1/events", "/v1/events",
                         R"({"title":"Folk jam","datetime":")" + start +
                             R"(","location":"Ballard Commons","description":"Bring a fiddle","lat":47.67,"lon":-122.38,)"
                             R"("capacity":5,"slots":[{"instrument":"bass","count":1}]})",
                         a.token);
  ASSERT_EQ(created.status, 201) << created.body;
  const auto eventId = std::to_string(json(created)->getValue<Poco::Int64>("id"));
  checked("GET", "/v1/events/" + eventId, "/v1/events/{id}", "", a.token);
  checked("GET", "/v1/events/999999", "/v1/events/{id}", "", a.token);
  checked("POST", "/v1/events/join", "/v1/events/join", R"({"id":)" + eventId + R"(,"instrument":"bass"})", b.token);
  checked("GET", "/v1/events/join", "/v1/events/join", "", b.token);
  checked("GET", "/v1/events?near=47.6,-122.3", "/v1/events", "", b.token);
  checked("GET", "/v1/events?from=yesterday", "/v1/events", "", b.token);  // 400
  checked("PATCH", "/v1/events/" + eventId, "/v1/events/{id}", R"({"title":"Other"})", b.token);  // 403
  checked("PATCH", "/v1/events/" + eventId, "/v1/events/{id}", R"({"location":"Elsewhere"})", a.token);
  auto raw = request(port_, "POST", "/v1/events", "Authorization: Bearer " + a.token + "\r\n", "{}");
  expectDocumented("POST", "/v1/events", raw);  // 415
  checked("GET", "/v1/events/" + eventId + "/calendar.ics", "/v1/events/{id}/calendar.ics", "", a.token);
  checked("GET", "/v1/calendar/feed", "/v1/calendar/feed", "", a.token);
  checked("POST", "/v1/calendar/feed", "/v1/calendar/feed", "", a.token);
  checked("GET", "/v1/calendar/public.ics", "/v1/calendar/public.ics");
  checked("GET", "/events/" + eventId, "/events/{id}");

  // a series
  const auto day = onOrAfter(today() + 3, 0);  // a Sunday
  auto series = checked("POST", "/v1/events", "/v1/events",
                        R"({"title":"Weekly","datetime":")" + iso(day * kDayMs + 18 * kHourMs) +
                            R"(","location":"Hall","description":"","recurrence":"FREQ=WEEKLY;BYDAY=SU"})",
                        a.token);
  ASSERT_EQ(series.status, 201) << series.body;
  const auto seriesId = std::to_string(json(series)->getValue<Poco::Int64>("seriesID"));
  checked("GET", "/v1/series/" + seriesId, "/v1/series/{id}", "", a.token);
  checked("POST", "/v1/series/" + seriesId + "/join", "/v1/series/{id}/join", "{}", b.token);

  // chat
  auto channels = checked("GET", "/v1/channels", "/v1/channels", "", b.token);
  auto channel = checked("POST", "/v1/channels", "/v1/channels", R"({"name":"Band","private":true})", a.token);
  ASSERT_EQ(channel.status, 201) << channel.body;
  const auto channelId = std::to_string(json(channel)->getValue<Poco::Int64>("id"));
  checked("GET", "/v1/channels/" + channelId, "/v1/channels/{id}", "", b.token);  // 403: private
  checked("POST", "/v1/channels/" + channelId + "/members", "/v1/channels/{id}/members", R"({"id":)" + bId + "}",
          a.token);
  auto message = checked("POST", "/v1/channels/" + channelId, "/v1/channels/{id}",
                         R"({"body":"hello @)" + b.userName + R"("})", a.token);
  EXPECT_EQ(json(message)->getArray("mentions")->size(), 1u) << message.body;
  ASSERT_EQ(message.status, 201) << message.body;
  const auto messageId = std::to_string(json(message)->getValue<Poco::Int64>("id"));
  checked("POST", "/v1/channels/" + channelId, "/v1/channels/{id}",
          R"({"body":"a reply","replyTo":)" + messageId + "}", a.token);
  checked("PUT", "/v1/messages/" + messageId + "/reactions/%F0%9F%91%8D", "/v1/messages/{id}/reactions/{emoji}", "",
          a.token);
  checked("GET", "/v1/channels/" + channelId, "/v1/channels/{id}", "", a.token);
  checked("GET", "/v1/channels/" + channelId, "/v1/channels/{id}", "", b.token);
  checked("PUT", "/v1/channels/" + channelId + "/read", "/v1/channels/{id}/read", R"({"messageID":)" + messageId + "}",
          a.token);
  checked("GET", "/v1/channels", "/v1/channels", "", a.token);
  checked("PATCH", "/v1/messages/" + messageId, "/v1/messages/{id}", R"({"body":"edited"})", a.token);
  checked("GET", "/v1/reactions", "/v1/reactions", "", a.token);
  checked("GET", "/v1/presence?userIDs=" + bId, "/v1/presence", "", a.token);
  checked("GET", "/v1/presence", "/v1/presence", "", a.token);  // 400
  checked("DELETE", "/v1/messages/" + messageId, "/v1/messages/{id}", "", a.token);

  // core
  checked("GET", "/healthz", "/healthz");
  checked("GET", "/readyz", "/readyz");
  checked("GET", "/v1/ws", "/v1/ws", "", a.token);  // 400: not an upgrade

  checked("DELETE", "/v1/sessions/mine", "/v1/sessions/{which}", "", a.token);
}

// The checker itself rejects what the document must not be, so the tests above can fail.
TEST(OpenApiCheck, RejectsBrokenDocuments) {
  const std::string info = R"("info":{"title":"T","version":"1"})";
  const std::string fine = R"({"openapi":"3.1.0",)" + info + R"(,"paths":{"/a":{"get":{"responses":{"200":{"description":"OK",)"
                           R"("content":{"application/json":{"schema":{"$ref":"#/components/schemas/A"}}}}}}}},)"
                           R"("components":{"schemas":{"A":{"type":"object"}}}})";
  auto ok = runOpenApiCheck(fine);
  EXPECT_EQ(ok.exitCode, 0) << ok.err;
  EXPECT_EQ(ok.out, "valid 3.1\n");
  const std::vector<std::pair<std::string, std::string>> broken{
      {"no info", R"({"openapi":"3.1.0","paths":{}})"},
      {"a path not starting with /",
       R"({"openapi":"3.1.0",)" + info + R"(,"paths":{"a":{"get":{"responses":{"200":{"description":"OK"}}}}}})"},
      {"a response without description",
       R"({"openapi":"3.1.0",)" + info + R"(,"paths":{"/a":{"get":{"responses":{"200":{}}}}}})"},
      {"a dangling $ref", [&] {
         std::string text = fine;
         return text.replace(text.find("schemas/A\""), 10, "schemas/B\"");
       }()},
      {"a schema that is no JSON Schema", [&] {
         std::string text = fine;
         return text.replace(text.find(R"({"type":"object"})"), 17, R"({"type":"thing"})");
       }()},
      {"not JSON", "{"}};
  for (const auto& [what, document] : broken) {
    auto run = runOpenApiCheck(document);
    EXPECT_EQ(run.exitCode, 1) << what << ": " << run.out;
    EXPECT_FALSE(run.err.empty()) << what;
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, OpenApiTest, ::testing::Values(Backends::SQLiteMemory), backendsName);

}  // namespace
}  // namespace mmm::test
