#include "chat_typing.hpp"

#include "chat_moderation.hpp"
#include "chat_repository.hpp"

#include <Poco/JSON/Object.h>

#include <algorithm>
#include <optional>

namespace mmm::chat {

void TypingFrames::handle(std::int64_t userId, const Poco::JSON::Object& frame) {
  if (!frame.has("channelID") || !frame.get("channelID").isInteger() || frame.get("channelID").isBoolean()) return;
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
  auto channel = store_.read([&](DbSession& s) -> std::optional<Channel> {
    auto found = ChatRepository::channel(store_, s, channelId);
    if (!found) return std::nullopt;
    if (found->isPrivate && !std::binary_search(found->members.begin(), found->members.end(), userId))
      return std::nullopt;  // not a reader
    if (MuteRepository::mutedUntil(store_, s, channelId, userId)) return std::nullopt;  // cannot post anyway
    return found;
  });
  if (channel) pushes_.typing(*channel, userId);
}

}  // namespace mmm::chat
