#include "chat_pushes.hpp"

#include <mmm/time.hpp>

#include <algorithm>

namespace mmm::chat {
namespace {

void timeOrNull(JsonWriter& json, std::int64_t millis) {
  if (millis)
    json.value(rfc3339(millis).view());
  else
    json.null();
}

std::vector<std::int64_t> sortedUnique(std::vector<std::int64_t> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

}  // namespace

ChatJson::Profiles ChatJson::channelPeople(const std::vector<Channel>& channels) {
  std::vector<std::int64_t> people;
  for (const auto& c : channels) {
    people.insert(people.end(), c.members.begin(), c.members.end());
    if (c.creatorId) people.push_back(c.creatorId);
  }
  return Profiles(profiles_.findMany(sortedUnique(std::move(people))));  // one lookup for the whole list
}

ChatJson::Profiles ChatJson::authors(const std::vector<Message>& messages) {
  std::vector<std::int64_t> people;
  people.reserve(messages.size());
  for (const auto& m : messages) {
    people.push_back(m.creatorId);
    if (m.replyTo && !m.replyTo->deleted) people.push_back(m.replyTo->creatorId);
  }
  return Profiles(profiles_.findMany(sortedUnique(std::move(people))));  // one lookup for the whole page
}

// Keys in sorted order, as Poco::JSON::Object wrote them before.
void ChatJson::writeChannel(JsonWriter& json, const Channel& c, const Profiles& profiles, const ReadState* state) {
  json.beginObject().field("createdAt", rfc3339(c.createdAt).view()).key("creator");
  profiles.write(json, c.creatorId);
  json.field("description", c.description).key("editedAt");
  timeOrNull(json, c.editedAt);
  json.field("id", c.id);
  if (state) {
    writeLastMessage(json, *state);
    json.field("lastRead", state->lastRead);
  }
  json.key("members").beginArray();
  for (auto id : c.members)
    if (profiles.contains(id)) profiles.write(json, id);
  json.endArray();
  if (state) json.field("mentions", state->mentions);
  json.field("name", c.name).field("private", c.isPrivate);
  if (state) json.field("unread", state->unread);
  json.endObject();
}

// "lastMessage": {"createdAt","id","seq"} or null: the newest message the counts go up to.
void ChatJson::writeLastMessage(JsonWriter& json, const ReadState& state) {
  json.key("lastMessage");
  if (state.lastMessage)
    json.beginObject()
        .field("createdAt", rfc3339(state.lastMessage->createdAt).view())
        .field("id", state.lastMessage->id)
        .field("seq", state.lastMessage->seq)
        .endObject();
  else
    json.null();
}

std::string ChatJson::readState(const ReadState& state) {
  JsonWriter json(160);
  json.beginObject().field("channelID", state.channelId);
  writeLastMessage(json, state);
  json.field("lastRead", state.lastRead).field("mentions", state.mentions).field("unread", state.unread).endObject();
  return json.take();
}

void ChatJson::writeMessage(JsonWriter& json, const Message& m, const Profiles& profiles) {
  json.beginObject()
      .field("body", m.body)
      .field("channelID", m.channelId)
      .field("createdAt", rfc3339(m.createdAt).view())
      .key("creator");
  profiles.write(json, m.creatorId);
  json.key("editedAt");
  timeOrNull(json, m.editedAt);
  json.field("id", m.id).key("mentions").beginArray();
  for (auto id : m.mentions) json.value(id);
  json.endArray().key("reactions").beginArray();
  for (const auto& r : m.reactions) {
    json.beginObject().field("emoji", r.emoji).key("userIDs").beginArray();
    for (auto id : r.userIds) json.value(id);
    json.endArray().endObject();
  }
  json.endArray().key("replyTo");
  if (!m.replyTo) {
    json.null();
  } else if (m.replyTo->deleted) {
    json.beginObject().field("deleted", true).field("id", m.replyTo->id).endObject();
  } else {
    json.beginObject().field("body", m.replyTo->body).key("creator");
    profiles.write(json, m.replyTo->creatorId);
    json.field("id", m.replyTo->id).endObject();
  }
  json.field("seq", m.seq).endObject();
}

std::string ChatJson::channels(const std::vector<Channel>& channels, const std::map<std::int64_t, ReadState>* states) {
  const auto profiles = channelPeople(channels);
  JsonWriter json(256 + channels.size() * 512);
  json.beginArray();
  for (const auto& c : channels) {
    const ReadState* state = nullptr;
    if (states)
      if (auto it = states->find(c.id); it != states->end()) state = &it->second;
    writeChannel(json, c, profiles, state);
  }
  return json.endArray().take();
}

std::string ChatJson::channel(const Channel& channel) {
  JsonWriter json(512);
  writeChannel(json, channel, channelPeople({channel}));
  return json.take();
}

std::string ChatJson::messages(const std::vector<Message>& messages) {
  const auto profiles = authors(messages);
  JsonWriter json(256 + messages.size() * 320);
  json.beginArray();
  for (const auto& m : messages) writeMessage(json, m, profiles);
  return json.endArray().take();
}

std::string ChatJson::message(const Message& message) {
  JsonWriter json(512);
  writeMessage(json, message, authors({message}));
  return json.take();
}

void ChatPushes::send(JsonWriter& envelope, bool isPrivate, const std::vector<std::int64_t>& recipients,
                      std::int64_t except) {
  envelope.key("userIDs");
  if (isPrivate) {
    std::vector<std::int64_t> to;
    to.reserve(recipients.size());
    for (auto id : recipients)
      if (id != except) to.push_back(id);
    envelope.beginArray();
    for (auto id : to) envelope.value(id);
    envelope.endArray().endObject();
    pusher_.push(to, envelope.take());
  } else if (except) {
    envelope.null().endObject();
    pusher_.pushToAllBut(except, envelope.take());
  } else {
    envelope.null().endObject();
    pusher_.pushToAll(envelope.take());
  }
}

// Envelope keys in sorted order too: channel/channelID/message/messageID, type, userIDs.
void ChatPushes::messageNew(const Channel& channel, const Message& message) {
  JsonWriter envelope(512);
  envelope.beginObject().key("message").raw(json_.message(message)).field("type", "message-new");
  send(envelope, channel.isPrivate, channel.members);
}

void ChatPushes::messageUpdate(const Channel& channel, const Message& message) {
  JsonWriter envelope(512);
  envelope.beginObject().key("message").raw(json_.message(message)).field("type", "message-update");
  send(envelope, channel.isPrivate, channel.members);
}

void ChatPushes::messageDelete(const Channel& channel, std::int64_t messageId) {
  JsonWriter envelope;
  envelope.beginObject()
      .field("channelID", channel.id)
      .field("messageID", messageId)
      .field("type", "message-delete");
  send(envelope, channel.isPrivate, channel.members);
}

void ChatPushes::typing(const Channel& channel, std::int64_t userId) {
  JsonWriter envelope(128);
  envelope.beginObject().field("channelID", channel.id).field("type", "typing").field("userID", userId);
  send(envelope, channel.isPrivate, channel.members, /*except=*/userId);  // to the other readers
}

void ChatPushes::presence(std::int64_t userId, bool online, const std::vector<std::int64_t>& recipients) {
  if (recipients.empty()) return;
  // No userIDs: the recipients are people who share some private channel with the user,
  // and none may learn who else does.
  JsonWriter envelope(96);
  envelope.beginObject().field("online", online).field("type", "presence").field("userID", userId).endObject();
  pusher_.push(recipients, envelope.take());
}

void ChatPushes::readUpdate(std::int64_t userId, const ReadState& state) {
  JsonWriter envelope(224);
  envelope.beginObject().field("channelID", state.channelId);
  ChatJson::writeLastMessage(envelope, state);
  envelope.field("lastRead", state.lastRead)
      .field("mentions", state.mentions)
      .field("type", "read-update")
      .field("unread", state.unread);
  send(envelope, true, {userId});
}

void ChatPushes::channelNew(const Channel& channel) {
  JsonWriter envelope(512);
  envelope.beginObject().key("channel").raw(json_.channel(channel)).field("type", "channel-new");
  send(envelope, channel.isPrivate, channel.members);
}

void ChatPushes::channelUpdate(const Channel& channel) {
  JsonWriter envelope(512);
  envelope.beginObject().key("channel").raw(json_.channel(channel)).field("type", "channel-update");
  send(envelope, channel.isPrivate, channel.members);
}

void ChatPushes::channelDelete(std::int64_t channelId, bool isPrivate, const std::vector<std::int64_t>& recipients) {
  JsonWriter envelope;
  envelope.beginObject().field("channelID", channelId).field("type", "channel-delete");
  send(envelope, isPrivate, recipients);
}

}  // namespace mmm::chat
