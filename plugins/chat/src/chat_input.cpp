#include "chat_input.hpp"

#include <mmm/error.hpp>
#include <mmm/input.hpp>
#include <mmm/json.hpp>

#include <algorithm>
#include <charconv>

namespace mmm::chat {

HistoryQuery parseHistoryQuery(const Request& request) {
  HistoryQuery query;
  auto number = [](const std::string& name, const std::string& value, std::int64_t min, std::int64_t max) {
    std::int64_t parsed = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), parsed);
    if (value.empty() || ec != std::errc() || end != value.data() + value.size() || parsed < min || parsed > max)
      throw HttpError(400, name + " must be a whole number from " + std::to_string(min) + " to " + std::to_string(max));
    return parsed;
  };
  if (auto before = request.queryParam("before")) query.before = number("before", *before, 1, INT64_MAX);
  if (auto after = request.queryParam("after")) query.after = number("after", *after, 0, INT64_MAX);
  if (query.before && query.after) throw HttpError(400, "give before or after, not both");
  if (auto limit = request.queryParam("limit")) query.limit = static_cast<int>(number("limit", *limit, 1, 100));
  return query;
}

Channel parseNewChannel(const Request& request, std::int64_t creatorId) {
  const auto body = parseJsonObject(request);
  auto name = stringField(body, "name", kMaxChannelName);
  if (!name || name->find_first_not_of(" \t") == std::string::npos) throw HttpError(400, "name is required");
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
  if (changes.name && changes.name->find_first_not_of(" \t") == std::string::npos)
    throw HttpError(400, "name must not be empty");
  return changes;
}

std::string parseMessageBody(const Request& request) {
  auto value = stringField(parseJsonObject(request), "body", kMaxMessageBody, TextRule::MultiLine);
  if (!value || value->empty()) throw HttpError(400, "body must be 1 to 4096 characters");
  return *value;
}

std::int64_t parseMemberId(const Request& request) { return integerField(parseJsonObject(request), "id"); }

}  // namespace mmm::chat
