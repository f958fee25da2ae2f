// "Ann is typing…": client frames {"type":"typing","channelID":N} (Host::onClientFrame) become
// pushes {"type":"typing","channelID":N,"userID":U} to the channel's other readers, at most
// once per user and channel every 2 s on the whole cluster; from a non-reader, a member
// muted there, or for a channel that is not there, nothing.
#pragma once

#include "chat_pushes.hpp"

#include <mmm/sessions.hpp>
#include <mmm/store.hpp>

#include <chrono>
#include <cstdint>

namespace Poco::JSON {
class Object;
}

namespace mmm::chat {

class TypingFrames {
 public:
  static constexpr std::chrono::milliseconds kInterval{2000};

  TypingFrames(Store& store, SessionStore& counters, ChatPushes& pushes)
      : store_(store), counters_(counters), pushes_(pushes) {}
  void handle(std::int64_t userId, const Poco::JSON::Object& frame);

 private:
  Store& store_;
  SessionStore& counters_;
  ChatPushes& pushes_;
};

}  // namespace mmm::chat
