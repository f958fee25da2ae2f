#include "chat_typing.hpp"

#include "chat_repository.hpp"

#include <Poco/JSON/Object.h>

#include <algorithm>
#include <optional>

namespace mmm::chat {

void TypingFrames::handle(std::int64_t userId, const Poco::JSON::Object& frame) {
  if (!frame.has("channelID") || !frame.get("channelID").isInteger()) return;
  std::int64_t channelId = 0;
  try {
    channelId = frame.getValue<Poco::Int64>("channelID");
  } catch (const Poco::Exception&) {
    return;  // past the int64 range
  }
  if (channelId < 1) return;
  // The cluster-wide throttle first: of a burst, one frame reaches the store.
  if (counters_.increment("chat.typing:" + std::to_string(userId) + ":" + std::to_string(channelId), kInterval) != 1)
    return;
  auto channel = store_.read([&](DbSession& s) { return ChatRepository::channel(store_, s, channelId); });
  if (!channel) return;
  if (channel->isPrivate && !std::binary_search(channel->members.begin(), channel->members.end(), userId)) return;
  pushes_.typing(*channel, userId);
}

}  // namespace mmm::chat
