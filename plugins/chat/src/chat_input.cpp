#include "chat_input.hpp"

#include <mmm/error.hpp>
#include <mmm/input.hpp>
#include <mmm/json.hpp>
#include <mmm/unicode.hpp>

#include <algorithm>

namespace mmm::chat {

HistoryQuery parseHistoryQuery(const Request& request) {
  HistoryQuery query;
  if (auto before = request.queryParam("before")) query.before = queryInteger("before", *before, 1, INT64_MAX);
  if (auto after = request.queryParam("after")) query.after = queryInteger("after", *after, 0, INT64_MAX);
  if (query.before && query.after) throw HttpError(400, "give before or after, not both");
  query.limit = static_cast<int>(queryInteger(request, "limit", 1, 100, query.limit));
  return query;
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

std::string parseMessageBody(const Request& request) {
  auto value = stringField(parseJsonObject(request), "body", kMaxMessageBody, TextRule::MultiLine);
  if (!value || value->empty()) throw HttpError(400, "body must be 1 to 4096 characters");
  return *value;
}

std::int64_t parseMemberId(const Request& request) { return integerField(parseJsonObject(request), "id"); }

}  // namespace mmm::chat
