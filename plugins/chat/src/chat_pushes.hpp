// Channels and messages as JSON (with their people's profiles), and the pushes that tell
// browsers about changes: the original's envelope ({type, …, userIDs}), sent to a private
// channel's members or, for a public channel, to everyone.
#pragma once

#include "chat_repository.hpp"

#include <mmm/bus.hpp>
#include <mmm/profiles.hpp>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

namespace mmm::chat {

class ChatJson {
 public:
  explicit ChatJson(ProfileDirectory& profiles) : profiles_(profiles) {}
  Poco::JSON::Array::Ptr channels(const std::vector<Channel>& channels);
  Poco::JSON::Object::Ptr channel(const Channel& channel);
  Poco::JSON::Array::Ptr messages(const std::vector<Message>& messages);
  Poco::JSON::Object::Ptr message(const Message& message);

 private:
  ProfileDirectory& profiles_;
};

class ChatPushes {
 public:
  ChatPushes(Pusher& pusher, ChatJson& json) : pusher_(pusher), json_(json) {}
  void messageNew(const Channel& channel, const Message& message);
  void messageUpdate(const Channel& channel, const Message& message);
  void messageDelete(const Channel& channel, std::int64_t messageId);
  void channelNew(const Channel& channel);
  void channelUpdate(const Channel& channel);
  /// `recipients`: those who could see it (a private channel's former members).
  void channelDelete(std::int64_t channelId, bool isPrivate, const std::vector<std::int64_t>& recipients);

 private:
  void send(Poco::JSON::Object::Ptr envelope, bool isPrivate, const std::vector<std::int64_t>& recipients);
  Pusher& pusher_;
  ChatJson& json_;
};

}  // namespace mmm::chat
