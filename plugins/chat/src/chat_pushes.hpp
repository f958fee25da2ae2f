// Channels and messages as JSON (with their people's profiles), and the pushes that tell
// browsers about changes: the original's envelope ({type, …, userIDs}), sent to a private
// channel's members or, for a public channel, to everyone.
#pragma once

#include "chat_repository.hpp"

#include <mmm/bus.hpp>
#include <mmm/json_writer.hpp>
#include <mmm/profiles.hpp>

#include <map>
#include <string>

namespace mmm::chat {

class ChatJson {
 public:
  explicit ChatJson(ProfileDirectory& profiles) : profiles_(profiles) {}
  // Serialized JSON; the people in them are looked up in one query per call.
  /// An array; with `states`, each channel with the caller's lastRead, unread, mentions and
  /// lastMessage (GET /v1/channels).
  std::string channels(const std::vector<Channel>& channels, const std::map<std::int64_t, ReadState>* states = nullptr);
  /// {"channelID","lastMessage","lastRead","mentions","unread"}
  static std::string readState(const ReadState& state);
  /// "lastMessage": {"createdAt","id","seq"} or null, the newest message the counts go up to.
  static void writeLastMessage(JsonWriter& json, const ReadState& state);
  std::string channel(const Channel& channel);                 // an object
  std::string messages(const std::vector<Message>& messages);  // an array
  std::string message(const Message& message);                 // an object

 private:
  using Profiles = RenderedProfiles;
  Profiles channelPeople(const std::vector<Channel>& channels);
  Profiles authors(const std::vector<Message>& messages);
  static void writeChannel(JsonWriter& json, const Channel& channel, const Profiles& profiles,
                           const ReadState* state = nullptr);
  static void writeMessage(JsonWriter& json, const Message& message, const Profiles& profiles);
  ProfileDirectory& profiles_;
};

class ChatPushes {
 public:
  ChatPushes(Pusher& pusher, ChatJson& json) : pusher_(pusher), json_(json) {}
  void messageNew(const Channel& channel, const Message& message);
  void messageUpdate(const Channel& channel, const Message& message);
  void messageDelete(const Channel& channel, std::int64_t messageId);
  /// {"type":"typing","channelID","userID"} to the channel's readers but `userId` (a public
  /// channel's go to everyone: clients skip their own).
  void typing(const Channel& channel, std::int64_t userId);
  /// {"type":"presence","userID","online"} to `recipients` (who share a private channel).
  void presence(std::int64_t userId, bool online, const std::vector<std::int64_t>& recipients);
  /// To the reader's own sockets: {"type":"read-update", …ChatJson::readState}.
  void readUpdate(std::int64_t userId, const ReadState& state);
  void channelNew(const Channel& channel);
  void channelUpdate(const Channel& channel);
  /// `recipients`: those who could see it (a private channel's former members).
  void channelDelete(std::int64_t channelId, bool isPrivate, const std::vector<std::int64_t>& recipients);

 private:
  /// Ends `envelope` (an open object whose keys so far sort before "userIDs") and sends it:
  /// to `recipients` in a private channel, else to everyone; never to user `except` (0: none).
  void send(JsonWriter& envelope, bool isPrivate, const std::vector<std::int64_t>& recipients,
            std::int64_t except = 0);
  Pusher& pusher_;
  ChatJson& json_;
};

}  // namespace mmm::chat
