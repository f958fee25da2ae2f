// What API.md says of the musicians plugin's routes, for the generated OpenAPI document. The
// schemas are the wire format: a change to a handler's answer belongs here too (the
// integration test compares real answers with them).
#include "musicians_openapi.hpp"

#include <mmm/host.hpp>
#include <mmm/openapi.hpp>

#include <string>

namespace mmm::musicians {
namespace {

// The fields a musician's owner writes (PUT replaces them all).
const std::string kFields = R"("instruments":{"type":"array","maxItems":10,"items":{"type":"object","required":["slug","level"],
"properties":{"slug":{"type":"string","description":"Of /v1/instruments, each once"},
"level":{"enum":["beginner","intermediate","advanced","pro"]}}}},
"genres":{"type":"array","maxItems":10,"items":{"type":"string","description":"Of /v1/genres"}},
"bio":{"type":"string","maxLength":2000},"links":{"type":"array","maxItems":5,"items":{"type":"string","pattern":"^https://","maxLength":500}},
"seeking":{"type":"string","maxLength":280},"available":{"type":"boolean"},
"area":{"description":"Stored and shown rounded to 2 decimals, about 1 km","oneOf":[{"type":"null"},{"type":"object","required":["name","lat","lon"],
"properties":{"name":{"type":"string","maxLength":100},"lat":{"type":"number","minimum":-90,"maximum":90},
"lon":{"type":"number","minimum":-180,"maximum":180}}}]})";

const std::string kMusician = R"({"type":"object","required":["user","instruments","genres","bio","links","seeking","available","area","updatedAt"],
"properties":{"user":{"$ref":"#/components/schemas/Profile"},)" + kFields + R"(,
"updatedAt":{"type":["string","null"],"format":"date-time","description":"null: never saved"},
"distanceKm":{"type":"number","description":"With near: great-circle distance, 1 decimal"}}})";

const char* const kVocabulary = R"({"type":"object","required":["slug","name"],"properties":{
"slug":{"type":"string","pattern":"^[a-z0-9-]+$"},"name":{"type":"string"},
"family":{"type":"string","description":"Instruments only"}}})";

const char* const kUserId = R"({"type":"string","pattern":"^([1-9][0-9]{0,18}|me)$"})";

}  // namespace

void describeRoutes(Host& host) {
  host.schema("Musician", kMusician);
  host.schema("VocabularyEntry", kVocabulary);
  const auto musician = RouteDoc::ref("Musician");
  const auto vocabulary = RouteDoc::arrayOf(RouteDoc::ref("VocabularyEntry"));

  host.describe("GET", "/v1/instruments",
                RouteDoc("The instruments musicians and slots name").needsSession().answer(200, "Instruments", vocabulary));
  host.describe("GET", "/v1/genres", RouteDoc("The genres musicians name").needsSession().answer(200, "Genres", vocabulary));
  host.describe("GET", "/v1/musicians",
                RouteDoc("Finds musicians: most recently updated first, or with near the nearest first")
                    .needsSession()
                    .query("instrument", R"({"type":"string"})", "A slug of /v1/instruments")
                    .query("level", R"({"enum":["beginner","intermediate","advanced","pro"]})",
                           "With instrument: that level or above")
                    .query("genre", R"({"type":"string"})", "A slug of /v1/genres")
                    .query("q", R"({"type":"string","maxLength":255})", "Words, each found in the user name, names, bio or seeking (case-insensitive; a leading @ is dropped)")
                    .query("available", R"({"type":"boolean"})")
                    .query("near", R"({"type":"string","pattern":"^-?[0-9.]+,-?[0-9.]+$"})", "LAT,LON")
                    .query("radiusKm", R"({"type":"number","minimum":1,"maximum":500,"default":25})", "With near")
                    .query("limit", R"({"type":"integer","minimum":1,"maximum":100,"default":20})")
                    .query("offset", R"({"type":"integer","minimum":0,"maximum":1000000})")
                    .answer(200, "The musicians", RouteDoc::arrayOf(musician))
                    .answer(400, "A query parameter is malformed, unknown or out of range"));
  host.describe("GET", "/v1/musicians/{id}",
                RouteDoc("A user's musician profile (empty if never saved)")
                    .needsSession()
                    .path("id", kUserId, "A user id, or `me`")
                    .answer(200, "The musician", musician)
                    .answer(404, "No such user"));
  host.describe("PUT", "/v1/musicians/{id}",
                RouteDoc("Replaces one's own musician profile")
                    .needsSession()
                    .path("id", kUserId, "`me` or one's own id")
                    .body(R"({"type":"object","properties":{)" + kFields + "}}")
                    .answer(200, "The musician", musician)
                    .answer(400, "A field is invalid, or an unknown slug")
                    .answer(403, "Another user's id")
                    .answer(404, "No such user")
                    .answer(415, "The body is not application/json"));
}

}  // namespace mmm::musicians
