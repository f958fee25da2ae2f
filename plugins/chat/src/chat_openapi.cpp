// What API.md says of the chat plugin's routes, for the generated OpenAPI document. The
// schemas are the wire format: a change to a handler's answer belongs here too (the
// integration test compares real answers with them).
#include "chat_openapi.hpp"

#include <mmm/host.hpp>
#include <mmm/openapi.hpp>

#include <string>

namespace mmm::chat {
namespace {

const std::string kProfile = RouteDoc::ref("Profile");  // the users plugin's

// The newest message a channel's counts go up to (none: null).
const std::string kLastMessage = R"({"oneOf":[{"type":"null"},{"type":"object","required":["id","seq","createdAt"],
"properties":{"id":{"type":"integer"},"seq":{"type":"integer"},"createdAt":{"type":"string","format":"date-time"}}}],
"description":"The newest message of the channel, up to which the counts go"})";

const std::string kChannel = R"({"type":"object","description":"In lists also the caller's lastRead, unread, mentions and lastMessage",
"required":["id","name","description","private","members","createdAt","creator","editedAt"],
"properties":{"id":{"type":"integer","minimum":1},"name":{"type":"string","maxLength":255},
"description":{"type":"string","maxLength":4000},"private":{"type":"boolean"},
"members":{"type":"array","items":)" + kProfile + R"(},"createdAt":{"type":"string","format":"date-time"},
"creator":{"oneOf":[{"type":"null"},)" + kProfile + R"(]},"editedAt":{"type":["string","null"],"format":"date-time"},
"lastRead":{"type":"integer","minimum":0},"unread":{"type":"integer","minimum":0},"mentions":{"type":"integer","minimum":0},
"lastMessage":)" + kLastMessage + "}}";

const std::string kMessage = R"({"type":"object",
"required":["id","channelID","seq","body","createdAt","creator","editedAt","replyTo","reactions","mentions"],
"properties":{"id":{"type":"integer","minimum":1},"channelID":{"type":"integer","minimum":1},
"seq":{"type":"integer","minimum":1,"description":"Per channel 1, 2, 3… in commit order"},
"body":{"type":"string","minLength":1,"maxLength":4096},"createdAt":{"type":"string","format":"date-time"},
"creator":)" + kProfile + R"(,"editedAt":{"type":["string","null"],"format":"date-time"},
"replyTo":{"oneOf":[{"type":"null"},{"type":"object","required":["id","deleted"],"properties":{"id":{"type":"integer"},"deleted":{"const":true}}},
{"type":"object","required":["id","body","creator"],"properties":{"id":{"type":"integer"},
"body":{"type":"string","maxLength":200,"description":"The first 200 characters"},"creator":)" + kProfile + R"(}}]},
"reactions":{"type":"array","items":{"type":"object","required":["emoji","userIDs"],
"properties":{"emoji":{"type":"string"},"userIDs":{"type":"array","items":{"type":"integer"}}}}},
"mentions":{"type":"array","maxItems":20,"items":{"type":"integer"}}}})";

const std::string kReadState = R"({"type":"object","required":["channelID","lastRead","unread","mentions","lastMessage"],
"properties":{"channelID":{"type":"integer"},"lastRead":{"type":"integer","minimum":0},
"unread":{"type":"integer","minimum":0},"mentions":{"type":"integer","minimum":0},"lastMessage":)" + kLastMessage + "}}";

const char* const kId = R"({"type":"integer","minimum":1})";
const char* const kText = R"({"type":"string"})";
const char* const kJsonBody = "The body is not application/json";
const char* const kUserRef = R"({"type":"object","required":["id"],"properties":{"id":{"type":"integer","minimum":1}}})";

}  // namespace

void describeRoutes(Host& host) {
  host.schema("Channel", kChannel);
  host.schema("Message", kMessage);
  host.schema("ReadState", kReadState);
  const auto channel = RouteDoc::ref("Channel");
  const auto message = RouteDoc::ref("Message");
  const auto messages = RouteDoc::arrayOf(message);

  host.describe("GET", "/v1/channels",
                RouteDoc("Every public channel and every private one the caller belongs to, latest message first")
                    .needsSession()
                    .query("limit", R"({"type":"integer","minimum":1,"maximum":200,"default":100})")
                    .query("offset", R"({"type":"integer","minimum":0})")
                    .query("private", R"({"type":"boolean"})",
                           "true: only the private channels the caller belongs to; false: only the public ones")
                    .answer(200, "The channels, with the caller's read state", RouteDoc::arrayOf(channel))
                    .answer(400, "limit, offset or private out of range"));
  host.describe("POST", "/v1/channels",
                RouteDoc("Creates a channel; the caller is its creator and a member")
                    .needsSession()
                    .body(R"({"type":"object","required":["name"],"properties":{"name":{"type":"string","minLength":1,"maxLength":255},
"description":{"type":"string","maxLength":4000},"private":{"type":"boolean","default":false},
"members":{"type":"array","items":)" + std::string(kUserRef) + "}}}")
                    .answer(201, "The channel", channel)
                    .answer(400, "No name, or a field is invalid")
                    .answer(404, "A member is no user")
                    .answer(415, kJsonBody));
  host.describe("GET", "/v1/channels/{id}",
                RouteDoc("A channel's messages: the most recent, newest first; before (or beforeSeq) pages back; "
                         "after (or afterSeq) pages forward, oldest first")
                    .describe("`before` and `after` are message ids, compared as ids. `beforeSeq` and `afterSeq` "
                              "are seqs, a message's place in its channel: they have no gaps and follow commit "
                              "order, so a reader resuming with afterSeq misses nothing, even a message that "
                              "committed after one with a higher id.")
                    .needsSession()
                    .path("id", kId)
                    .query("before", R"({"type":"integer","minimum":1})", "Messages older than this message id")
                    .query("after", R"({"type":"integer","minimum":0})", "Messages newer than this message id")
                    .query("beforeSeq", R"({"type":"integer","minimum":1})", "Messages before this seq")
                    .query("afterSeq", R"({"type":"integer","minimum":0})", "Messages after this seq")
                    .query("limit", R"({"type":"integer","minimum":1,"maximum":100,"default":100})")
                    .answer(200, "The messages", messages)
                    .answer(400, "A query parameter is malformed, or more than one of the cursors")
                    .answer(403, "A private channel the caller is not a member of")
                    .answer(404, "No such channel"));
  host.describe("POST", "/v1/channels/{id}",
                RouteDoc("Posts a message; @userName of a reader mentions them")
                    .needsSession()
                    .path("id", kId)
                    .body(R"({"type":"object","required":["body"],"properties":{"body":{"type":"string","minLength":1,"maxLength":4096},
"replyTo":{"type":["integer","null"],"description":"A message of the same channel"}}})")
                    .answer(201, "The message", message)
                    .answer(400, "No body, a body too long, or replyTo not of this channel")
                    .answer(403, "Not a reader, or muted here (the detail says until when)")
                    .answer(404, "No such channel")
                    .answer(415, kJsonBody));
  host.describe("PATCH", "/v1/channels/{id}",
                RouteDoc("Renames or redescribes a channel (its creator)")
                    .needsSession()
                    .path("id", kId)
                    .body(R"({"type":"object","minProperties":1,"properties":{"name":{"type":"string","minLength":1,"maxLength":255},
"description":{"type":"string","maxLength":4000}}})")
                    .answer(200, "The channel", channel)
                    .answer(400, "Neither name nor description, or one is invalid")
                    .answer(403, "Not the creator")
                    .answer(404, "No such channel")
                    .answer(415, kJsonBody));
  host.describe("DELETE", "/v1/channels/{id}",
                RouteDoc("Deletes a channel (its creator; an event's channel goes with its event only)")
                    .needsSession()
                    .path("id", kId)
                    .answer(200, "Deleted", kText, "text/plain")
                    .answer(403, "Not the creator, or an event's channel")
                    .answer(404, "No such channel"));
  host.describe("POST", "/v1/channels/{id}/members",
                RouteDoc("Adds a member (the creator)")
                    .needsSession()
                    .path("id", kId)
                    .body(kUserRef)
                    .answer(201, "Added", kText, "text/plain")
                    .answer(400, "No id")
                    .answer(403, "Not the creator, or an event's channel")
                    .answer(404, "No such channel or user")
                    .answer(415, kJsonBody));
  host.describe("DELETE", "/v1/channels/{id}/members",
                RouteDoc("Removes a member (the creator; any member may remove themself)")
                    .needsSession()
                    .path("id", kId)
                    .body(kUserRef)
                    .answer(200, "Removed", kText, "text/plain")
                    .answer(400, "No id")
                    .answer(403, "Not the creator, or an event's channel")
                    .answer(404, "No such channel or member")
                    .answer(415, kJsonBody));
  host.describe("PUT", "/v1/channels/{id}/read",
                RouteDoc("Moves the caller's read marker forward (never back)")
                    .needsSession()
                    .path("id", kId)
                    .body(R"({"type":"object","required":["messageID"],"properties":{"messageID":{"type":"integer","minimum":1}}})")
                    .answer(200, "The read state", RouteDoc::ref("ReadState"))
                    .answer(400, "messageID is missing or not a message of this channel")
                    .answer(403, "Not a reader")
                    .answer(404, "No such channel")
                    .answer(415, kJsonBody));
  host.describe("POST", "/v1/channels/{id}/mutes",
                RouteDoc("Mutes a member (the channel's moderators)")
                    .needsSession()
                    .path("id", kId)
                    .body(R"({"type":"object","required":["id","minutes"],"properties":{"id":{"type":"integer","minimum":1},
"minutes":{"type":"integer","minimum":1,"maximum":10080}}})")
                    .answer(201, "Muted", R"({"type":"object","required":["channelID","id","until"],
"properties":{"channelID":{"type":"integer"},"id":{"type":"integer","description":"The user muted"},
"until":{"type":"string","format":"date-time"}}})")
                    .answer(400, "A field is missing or out of range")
                    .answer(403, "Not a moderator of the channel")
                    .answer(404, "No such channel or user")
                    .answer(409, "One cannot mute oneself")
                    .answer(415, kJsonBody));
  host.describe("DELETE", "/v1/channels/{id}/mutes/{userID}",
                RouteDoc("Unmutes a member (the channel's moderators)")
                    .needsSession()
                    .path("id", kId)
                    .path("userID", kId)
                    .answer(200, "Unmuted", kText, "text/plain")
                    .answer(403, "Not a moderator of the channel")
                    .answer(404, "No such channel"));
  host.describe("PATCH", "/v1/messages/{id}",
                RouteDoc("Edits a message (its author)")
                    .needsSession()
                    .path("id", kId)
                    .body(R"({"type":"object","required":["body"],"properties":{"body":{"type":"string","minLength":1,"maxLength":4096}}})")
                    .answer(200, "The message", message)
                    .answer(400, "No body, or a body too long")
                    .answer(403, "Not the author")
                    .answer(404, "No such message")
                    .answer(415, kJsonBody));
  host.describe("DELETE", "/v1/messages/{id}",
                RouteDoc("Deletes a message (its author, the channel's moderators, admins)")
                    .needsSession()
                    .path("id", kId)
                    .answer(200, "Deleted", kText, "text/plain")
                    .answer(403, "Neither the author nor a moderator")
                    .answer(404, "No such message"));
  const char* const emoji = R"({"type":"string","description":"One of GET /v1/reactions, percent-encoded"})";
  host.describe("PUT", "/v1/messages/{id}/reactions/{emoji}",
                RouteDoc("Adds the caller's reaction (idempotent)")
                    .needsSession()
                    .path("id", kId)
                    .path("emoji", emoji)
                    .answer(200, "The message", message)
                    .answer(400, "Not one of the server's reactions, or 20 different ones already")
                    .answer(403, "Not a reader")
                    .answer(404, "No such message"));
  host.describe("DELETE", "/v1/messages/{id}/reactions/{emoji}",
                RouteDoc("Removes the caller's reaction (idempotent)")
                    .needsSession()
                    .path("id", kId)
                    .path("emoji", emoji)
                    .answer(200, "The message", message)
                    .answer(400, "Not one of the server's reactions")
                    .answer(403, "Not a reader")
                    .answer(404, "No such message"));
  host.describe("GET", "/v1/reactions",
                RouteDoc("The reactions this server allows")
                    .needsSession()
                    .answer(200, "Emoji", R"({"type":"array","items":{"type":"string"}})"));
  host.describe("GET", "/v1/presence",
                RouteDoc("Which of these users are online (hold a WebSocket on some node)")
                    .needsSession()
                    .query("userIDs", R"({"type":"string","pattern":"^[0-9]+(,[0-9]+)*$"})", "Up to 100 ids, separated by commas",
                           true)
                    .answer(200, "Those online", R"({"type":"object","required":["online"],
"properties":{"online":{"type":"array","items":{"type":"integer"}}}})")
                    .answer(400, "userIDs missing, malformed or more than 100"));
}

}  // namespace mmm::chat
