#include "chat_pushes.hpp"

#include <mmm/json.hpp>
#include <mmm/time.hpp>

#include <algorithm>

namespace mmm::chat {
namespace {

Poco::Dynamic::Var timeOrNull(std::int64_t millis) {
  return millis ? Poco::Dynamic::Var(formatRfc3339(millis)) : Poco::Dynamic::Var();
}

Poco::Dynamic::Var profileOrNull(const std::map<std::int64_t, Profile>& profiles, std::int64_t id) {
  auto it = profiles.find(id);
  return it == profiles.end() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(it->second.toJson());
}

}  // namespace

Poco::JSON::Array::Ptr ChatJson::channels(const std::vector<Channel>& channels) {
  std::vector<std::int64_t> people;
  for (const auto& c : channels) {
    people.insert(people.end(), c.members.begin(), c.members.end());
    if (c.creatorId) people.push_back(c.creatorId);
  }
  std::sort(people.begin(), people.end());
  people.erase(std::unique(people.begin(), people.end()), people.end());
  const auto profiles = profiles_.findMany(people);  // one lookup for the whole list
  Poco::JSON::Array::Ptr array = new Poco::JSON::Array;
  for (const auto& c : channels) {
    Poco::JSON::Object::Ptr json = new Poco::JSON::Object;
    json->set("id", static_cast<Poco::Int64>(c.id));
    json->set("name", c.name);
    json->set("description", c.description);
    json->set("private", c.isPrivate);
    Poco::JSON::Array::Ptr members = new Poco::JSON::Array;
    for (auto id : c.members)
      if (auto it = profiles.find(id); it != profiles.end()) members->add(it->second.toJson());
    json->set("members", members);
    json->set("createdAt", formatRfc3339(c.createdAt));
    json->set("creator", profileOrNull(profiles, c.creatorId));
    json->set("editedAt", timeOrNull(c.editedAt));
    array->add(json);
  }
  return array;
}

Poco::JSON::Object::Ptr ChatJson::channel(const Channel& channel) { return channels({channel})->getObject(0); }

Poco::JSON::Array::Ptr ChatJson::messages(const std::vector<Message>& messages) {
  std::vector<std::int64_t> authors;
  for (const auto& m : messages) authors.push_back(m.creatorId);
  std::sort(authors.begin(), authors.end());
  authors.erase(std::unique(authors.begin(), authors.end()), authors.end());
  const auto profiles = profiles_.findMany(authors);
  Poco::JSON::Array::Ptr array = new Poco::JSON::Array;
  for (const auto& m : messages) {
    Poco::JSON::Object::Ptr json = new Poco::JSON::Object;
    json->set("id", static_cast<Poco::Int64>(m.id));
    json->set("channelID", static_cast<Poco::Int64>(m.channelId));
    json->set("body", m.body);
    json->set("createdAt", formatRfc3339(m.createdAt));
    json->set("creator", profileOrNull(profiles, m.creatorId));
    json->set("editedAt", timeOrNull(m.editedAt));
    array->add(json);
  }
  return array;
}

Poco::JSON::Object::Ptr ChatJson::message(const Message& message) { return messages({message})->getObject(0); }

void ChatPushes::send(Poco::JSON::Object::Ptr envelope, bool isPrivate, const std::vector<std::int64_t>& recipients) {
  if (isPrivate) {
    Poco::JSON::Array::Ptr ids = new Poco::JSON::Array;
    for (auto id : recipients) ids->add(static_cast<Poco::Int64>(id));
    envelope->set("userIDs", ids);
    pusher_.push(recipients, toJson(envelope));
  } else {
    envelope->set("userIDs", Poco::Dynamic::Var());
    pusher_.pushToAll(toJson(envelope));
  }
}

void ChatPushes::messageNew(const Channel& channel, const Message& message) {
  Poco::JSON::Object::Ptr envelope = new Poco::JSON::Object;
  envelope->set("type", "message-new");
  envelope->set("message", json_.message(message));
  send(envelope, channel.isPrivate, channel.members);
}

void ChatPushes::messageUpdate(const Channel& channel, const Message& message) {
  Poco::JSON::Object::Ptr envelope = new Poco::JSON::Object;
  envelope->set("type", "message-update");
  envelope->set("message", json_.message(message));
  send(envelope, channel.isPrivate, channel.members);
}

void ChatPushes::messageDelete(const Channel& channel, std::int64_t messageId) {
  Poco::JSON::Object::Ptr envelope = new Poco::JSON::Object;
  envelope->set("type", "message-delete");
  envelope->set("messageID", static_cast<Poco::Int64>(messageId));
  envelope->set("channelID", static_cast<Poco::Int64>(channel.id));
  send(envelope, channel.isPrivate, channel.members);
}

void ChatPushes::channelNew(const Channel& channel) {
  Poco::JSON::Object::Ptr envelope = new Poco::JSON::Object;
  envelope->set("type", "channel-new");
  envelope->set("channel", json_.channel(channel));
  send(envelope, channel.isPrivate, channel.members);
}

void ChatPushes::channelUpdate(const Channel& channel) {
  Poco::JSON::Object::Ptr envelope = new Poco::JSON::Object;
  envelope->set("type", "channel-update");
  envelope->set("channel", json_.channel(channel));
  send(envelope, channel.isPrivate, channel.members);
}

void ChatPushes::channelDelete(std::int64_t channelId, bool isPrivate, const std::vector<std::int64_t>& recipients) {
  Poco::JSON::Object::Ptr envelope = new Poco::JSON::Object;
  envelope->set("type", "channel-delete");
  envelope->set("channelID", static_cast<Poco::Int64>(channelId));
  send(envelope, isPrivate, recipients);
}

}  // namespace mmm::chat
