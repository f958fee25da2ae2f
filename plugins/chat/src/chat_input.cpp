#include "chat_input.hpp"

#include <mmm/error.hpp>
#include <mmm/input.hpp>
#include <mmm/json.hpp>
#include <mmm/unicode.hpp>

#include <algorithm>

namespace mmm::chat {

HistoryQuery parseHistoryQuery(const Request& request) {
  HistoryQuery query;
  int cursors = 0;
  const auto cursor = [&](const char* name, std::int64_t min, std::optional<std::int64_t>& into, HistoryQuery::By by) {
    if (auto value = request.queryParam(name)) {
      into = queryInteger(name, *value, min, INT64_MAX);
      query.by = by;
      ++cursors;
    }
  };
  cursor("before", 1, query.before, HistoryQuery::By::Id);
  cursor("after", 0, query.after, HistoryQuery::By::Id);
  cursor("beforeSeq", 1, query.before, HistoryQuery::By::Seq);
  cursor("afterSeq", 0, query.after, HistoryQuery::By::Seq);
  if (cursors > 1) throw HttpError(400, "give one of before, after, beforeSeq and afterSeq, not more");
  query.limit = static_cast<int>(queryInteger(request, "limit", 1, 100, query.limit));
  return query;
}

ChatRepository::Kinds channelKinds(const Request& request) {
  const auto value = request.queryParam("private");
  if (!value) return ChatRepository::Kinds::Both;
  if (*value == "true") return ChatRepository::Kinds::Private;
  if (*value == "false") return ChatRepository::Kinds::Public;
  throw HttpError(400, "private must be true or false");
}

Channel parseNewChannel(const Request& request, std::int64_t creatorId) {
  const auto body = parseJsonObject(request);
  auto name = stringField(body, "name", kMaxChannelName);
  if (!name) throw HttpError(400, "name is required");
  if (isInvisible(*name)) throw HttpError(400, "name must have a visible character");
  Channel channel;
  channel.name = *name;
  channel.description = stringField(body, "description", kMaxChannelDescription, TextRule::MultiLine).value_or("");
  if (body->has("private") && !body->isNull("private")) {
    if (!body->get("private").isBoolean()) throw HttpError(400, "private must be true or false");
    channel.isPrivate = body->getValue<bool>("private");
  }
  channel.creatorId = creatorId;  // the caller, never the body (fix)
  std::vector<std::int64_t> members{creatorId};
  if (body->has("members") && !body->isNull("members")) {
    auto list = body->getArray("members");
    if (!list) throw HttpError(400, "members must be a list of {id}");
    if (list->size() > 1000) throw HttpError(400, "at most 1000 members at once");
    for (std::size_t i = 0; i < list->size(); ++i) {
      auto item = list->getObject(i);
      if (!item) throw HttpError(400, "members must be a list of {id}");
      members.push_back(integerField(item, "id"));
    }
  }
  std::sort(members.begin(), members.end());
  members.erase(std::unique(members.begin(), members.end()), members.end());
  channel.members = std::move(members);
  return channel;
}

ChannelChanges parseChannelChanges(const Request& request) {
  const auto body = parseJsonObject(request);
  ChannelChanges changes{stringField(body, "name", kMaxChannelName),
                         stringField(body, "description", kMaxChannelDescription, TextRule::MultiLine)};
  if (!changes.name && !changes.description) throw HttpError(400, "nothing to update: give name and/or description");
  if (changes.name && isInvisible(*changes.name)) throw HttpError(400, "name must have a visible character");
  return changes;
}

namespace {

// A message, new or edited, has something to read: white space alone would be an empty
// bubble (an edit one marked "edited").
std::string messageBody(const Poco::JSON::Object::Ptr& json) {
  auto value = stringField(json, "body", kMaxMessageBody, TextRule::MultiLine);
  if (!value || value->empty()) throw HttpError(400, "body must be 1 to 4096 characters");
  if (isInvisible(*value)) throw HttpError(400, "body must have a visible character");
  return *value;
}

bool isSpace(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; }
bool opensMention(char c) { return isSpace(c) || c == '(' || c == '[' || c == '{' || c == '"' || c == '\''; }
bool endsSentence(char c) {
  return c == '.' || c == ',' || c == '!' || c == '?' || c == ':' || c == ';' || c == ')' || c == ']' || c == '}' ||
         c == '"' || c == '\'';
}

}  // namespace

std::string parseMessageBody(const Request& request) { return messageBody(parseJsonObject(request)); }

NewMessage parseNewMessage(const Request& request) {
  const auto json = parseJsonObject(request);
  NewMessage message{messageBody(json), std::nullopt};
  if (json->has("replyTo") && !json->isNull("replyTo")) {
    message.replyTo = integerField(json, "replyTo");
    if (*message.replyTo < 1) throw HttpError(400, "replyTo must be a message id");
  }
  return message;
}

std::vector<MentionCandidate> mentionCandidates(const std::string& body, std::size_t limit) {
  std::vector<MentionCandidate> found;
  for (std::size_t at = body.find('@'); at != std::string::npos && found.size() < limit; at = body.find('@', at + 1)) {
    if (at > 0 && !opensMention(body[at - 1])) continue;
    std::size_t end = at + 1;
    while (end < body.size() && !isSpace(body[end])) ++end;
    MentionCandidate candidate{body.substr(at + 1, end - at - 1), {}};
    std::size_t keep = candidate.name.size();
    while (keep > 0 && endsSentence(candidate.name[keep - 1])) --keep;
    if (keep < candidate.name.size()) candidate.trimmed = candidate.name.substr(0, keep);
    if (candidate.name.empty()) continue;
    const bool seen = std::any_of(found.begin(), found.end(), [&](const MentionCandidate& c) { return c.name == candidate.name; });
    if (!seen) found.push_back(std::move(candidate));
  }
  return found;
}

std::int64_t parseReadMarker(const Request& request) { return integerField(parseJsonObject(request), "messageID"); }

std::vector<std::int64_t> parsePresenceQuery(const Request& request) {
  const auto list = request.queryParam("userIDs");
  if (!list || list->empty()) throw HttpError(400, "userIDs is required: up to 100 user ids, separated by commas");
  std::vector<std::int64_t> ids;
  std::size_t from = 0;
  for (;;) {
    const auto comma = list->find(',', from);
    const auto item = list->substr(from, comma == std::string::npos ? std::string::npos : comma - from);
    if (ids.size() == 100) throw HttpError(400, "userIDs takes at most 100 ids");
    const auto id = queryInteger("userIDs", item, 1, INT64_MAX);
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
    if (comma == std::string::npos) break;
    from = comma + 1;
  }
  return ids;
}

std::int64_t parseMemberId(const Request& request) { return integerField(parseJsonObject(request), "id"); }

}  // namespace mmm::chat
