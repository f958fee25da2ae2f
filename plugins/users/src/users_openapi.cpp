// What API.md says of the users plugin's routes, for the generated OpenAPI document. The
// schemas here are the wire format: a change to a handler's answer belongs here too (the
// integration test compares real answers with them).
#include "users_openapi.hpp"

#include <mmm/host.hpp>
#include <mmm/openapi.hpp>

namespace mmm::users {
namespace {

const char* const kProfile = R"({"type":"object","description":"A user as others see it",
"required":["id","userName","firstName","lastName","photoURL"],
"properties":{"id":{"type":"integer","minimum":1},"userName":{"type":"string","maxLength":255},
"firstName":{"type":"string","maxLength":128},"lastName":{"type":"string","maxLength":128},
"photoURL":{"type":"string","format":"uri","description":"Gravatar of the trimmed, lower-cased email"}}})";

const char* const kUser = R"({"type":"object","description":"One's own profile: with one's roles",
"required":["id","userName","firstName","lastName","photoURL","roles"],
"properties":{"id":{"type":"integer","minimum":1},"userName":{"type":"string"},"firstName":{"type":"string"},
"lastName":{"type":"string"},"photoURL":{"type":"string","format":"uri"},
"roles":{"type":"array","items":{"enum":["admin"]}}}})";

const char* const kReport = R"({"type":"object","required":["id","kind","targetID","reason","state","createdAt","reporterID"],
"properties":{"id":{"type":"integer","minimum":1},"kind":{"enum":["message","event","user"]},
"targetID":{"type":"integer"},"reason":{"type":"string","minLength":1,"maxLength":1000},
"state":{"enum":["open","resolved"]},"createdAt":{"type":"string","format":"date-time"},
"reporterID":{"type":"integer"},"action":{"type":["string","null"],"description":"How it was resolved"},
"target":{"description":"For admins: what was reported, or null when it is gone",
"oneOf":[{"type":"null"},{"type":"object","properties":{"authorID":{"type":"integer"},"excerpt":{"type":"string"}}}]}}})";

const char* const kAuditEntry = R"({"type":"object","required":["id","action","actorID","targetKind","targetID","reason","createdAt"],
"properties":{"id":{"type":"integer"},"action":{"type":"string"},"actorID":{"type":"integer"},
"targetKind":{"type":"string"},"targetID":{"type":"integer"},"reason":{"type":"string"},
"createdAt":{"type":"string","format":"date-time"}}})";

const char* const kSuspension = R"({"type":"object","required":["id","reason","until"],
"properties":{"id":{"type":"integer","description":"The user suspended"},"reason":{"type":"string"},
"until":{"type":["string","null"],"format":"date-time","description":"null: until lifted"}}})";

const char* const kUserId = R"({"type":"string","pattern":"^([1-9][0-9]{0,18}|me)$"})";
const char* const kId = R"({"type":"integer","minimum":1})";
const char* const kText = R"({"type":"string"})";

}  // namespace

void describeRoutes(Host& host) {
  host.schema("Profile", kProfile);
  host.schema("User", kUser);
  host.schema("Report", kReport);
  host.schema("AuditEntry", kAuditEntry);
  host.schema("Suspension", kSuspension);
  const auto profile = RouteDoc::ref("Profile");
  const std::string tokenHeader = "The session token is in the response's `Authorization: Bearer TOKEN` header "
                                  "(and in the session cookie).";

  host.describe("POST", "/v1/users",
                RouteDoc("Sign up: a new user, signed in")
                    .describe(tokenHeader)
                    .body(R"({"type":"object","required":["email","password","passwordConf","userName"],
"properties":{"email":{"type":"string","format":"email"},"password":{"type":"string","minLength":8,"maxLength":1024},
"passwordConf":{"type":"string","description":"Equal to password"},
"userName":{"type":"string","minLength":1,"maxLength":255,"description":"No white space"},
"firstName":{"type":"string","maxLength":128},"lastName":{"type":"string","maxLength":128}}})")
                    .answer(201, "Signed up and signed in", profile)
                    .answer(400, "A field is missing or invalid")
                    .answer(409, "The email or the user name is taken")
                    .answer(415, "The body is not application/json")
                    .answer(503, "Too many sign-ups are waiting for their password hash"));
  host.describe("GET", "/v1/users/{id}",
                RouteDoc("A user's profile; `me` is the caller, with their roles")
                    .needsSession()
                    .path("id", kUserId, "A user id, or `me`")
                    .answer(200, "The profile (one's own: a User)",
                            R"({"oneOf":[{"$ref":"#/components/schemas/User"},{"$ref":"#/components/schemas/Profile"}]})")
                    .answer(404, "No such user, or the id is not a number"));
  host.describe("PATCH", "/v1/users/{id}",
                RouteDoc("Changes one's own names")
                    .needsSession()
                    .path("id", kUserId, "`me` or one's own id")
                    .body(R"({"type":"object","minProperties":1,"properties":{"firstName":{"type":"string","maxLength":128},
"lastName":{"type":"string","maxLength":128}}})")
                    .answer(200, "The updated profile", profile)
                    .answer(400, "Nothing to update, or a name is invalid")
                    .answer(403, "Another user's id")
                    .answer(404, "No such user")
                    .answer(415, "The body is not application/json"));
  host.describe("POST", "/v1/sessions",
                RouteDoc("Sign in")
                    .describe(tokenHeader)
                    .body(R"({"type":"object","required":["email","password"],
"properties":{"email":{"type":"string"},"password":{"type":"string","maxLength":1024}}})")
                    .answer(201, "Signed in", profile)
                    .answer(400, "A field is missing")
                    .answer(401, "Wrong email or password (the same answer for both)")
                    .answer(403, "The account is suspended; the detail says why and until when")
                    .answer(415, "The body is not application/json")
                    .answer(429, "Too many failed sign-ins for this email (from this address)")
                    .answer(503, "Too many sign-ins are waiting for their password check"));
  host.describe("DELETE", "/v1/sessions/{which}",
                RouteDoc("Sign out: this session (`mine`) or every session of the caller (`all`)")
                    .needsSession()
                    .path("which", R"({"enum":["mine","all"]})")
                    .answer(200, "Signed out", kText, "text/plain")
                    .answer(403, "Neither mine nor all"));
  host.describe("POST", "/v1/users/{id}/suspend",
                RouteDoc("Suspends a user (admins): their sessions end on every node")
                    .needsSession()
                    .path("id", kId)
                    .body(R"({"type":"object","required":["reason"],"properties":{"reason":{"type":"string","minLength":1},
"until":{"type":"string","format":"date-time","description":"In the future; absent: until lifted"}}})")
                    .answer(200, "Suspended", RouteDoc::ref("Suspension"))
                    .answer(400, "No reason, or until is not a future RFC 3339 time")
                    .answer(403, "Not an admin")
                    .answer(404, "No such user")
                    .answer(409, "One cannot suspend oneself")
                    .answer(415, "The body is not application/json"));
  host.describe("DELETE", "/v1/users/{id}/suspend",
                RouteDoc("Lifts a suspension (admins)")
                    .needsSession()
                    .path("id", kId)
                    .answer(200, "Lifted", kText, "text/plain")
                    .answer(403, "Not an admin")
                    .answer(404, "No such user"));
  host.describe("GET", "/v1/audit",
                RouteDoc("The audit log of admin and moderator actions, newest first (admins)")
                    .needsSession()
                    .query("limit", R"({"type":"integer","minimum":1,"maximum":200,"default":100})")
                    .query("offset", R"({"type":"integer","minimum":0,"maximum":1000000000,"default":0})")
                    .answer(200, "Entries", RouteDoc::arrayOf(RouteDoc::ref("AuditEntry")))
                    .answer(400, "limit or offset out of range")
                    .answer(403, "Not an admin"));
  host.describe("POST", "/v1/reports",
                RouteDoc("Reports a message, an event or a user")
                    .needsSession()
                    .body(R"({"type":"object","required":["kind","id","reason"],
"properties":{"kind":{"enum":["message","event","user"]},"id":{"type":"integer","minimum":1,"description":"The target's id"},
"reason":{"type":"string","minLength":1,"maxLength":1000}}})")
                    .answer(201, "Reported", RouteDoc::ref("Report"))
                    .answer(200, "The same reporter reported that target already", RouteDoc::ref("Report"))
                    .answer(400, "A field is missing or invalid")
                    .answer(404, "No such target, one hidden from the caller (a message in a private channel they "
                                 "are not in), or its kind's plugin is disabled")
                    .answer(415, "The body is not application/json"));
  host.describe("GET", "/v1/reports",
                RouteDoc("Reports, newest first (admins)")
                    .needsSession()
                    .query("state", R"({"enum":["open","resolved"],"default":"open"})")
                    .query("limit", R"({"type":"integer","minimum":1,"maximum":200,"default":100})")
                    .query("offset", R"({"type":"integer","minimum":0,"maximum":1000000000,"default":0})")
                    .answer(200, "Reports, each with its target", RouteDoc::arrayOf(RouteDoc::ref("Report")))
                    .answer(400, "state, limit or offset invalid")
                    .answer(403, "Not an admin"));
  host.describe("POST", "/v1/reports/{id}/resolve",
                RouteDoc("Resolves a report (admins): dismiss it, delete the target, or suspend its author")
                    .needsSession()
                    .path("id", kId)
                    .body(R"({"type":"object","required":["action"],"properties":{"action":{"enum":["dismiss","delete","suspend"]}}})")
                    .answer(200, "Resolved", RouteDoc::ref("Report"))
                    .answer(400, "Unknown action, or delete of a user")
                    .answer(403, "Not an admin")
                    .answer(404, "No such report")
                    .answer(409, "Resolved already, or the target is gone")
                    .answer(415, "The body is not application/json"));
}

}  // namespace mmm::users
