// The chat's moderation: mutes (a channel's moderators silence a member there for a while;
// their own table, under their own migration owner "chat-moderation") and messages as
// report targets. The handlers are ChatApi's (chat_api.hpp).
#pragma once

#include <mmm/moderation.hpp>
#include <mmm/store.hpp>

#include <cstdint>
#include <optional>
#include <vector>

namespace mmm::chat {

class MuteRepository {
 public:
  static constexpr const char* kMigrationOwner = "chat-moderation";
  static std::vector<Migration> migrations();

  /// Replaces any mute `userId` had in the channel.
  static void mute(DbSession& tx, std::int64_t channelId, std::int64_t userId, std::int64_t until, std::int64_t byId);
  /// False when there was none.
  static bool unmute(DbSession& tx, std::int64_t channelId, std::int64_t userId);
  /// Until when (epoch ms) `userId` is muted in the channel, if they are now.
  static std::optional<std::int64_t> mutedUntil(Store& store, DbSession& session, std::int64_t channelId,
                                                std::int64_t userId);
};

class ChatApi;

/// Messages for the users plugin's reports ("message").
class MessageReportTarget final : public ReportTarget {
 public:
  explicit MessageReportTarget(ChatApi& api) : api_(api) {}
  std::optional<Found> find(std::int64_t id) override;
  /// Hidden from those who may not read its channel (a private one they are not in).
  std::optional<Found> findFor(std::int64_t viewerId, std::int64_t id) override;
  bool remove(std::int64_t actorId, std::int64_t id) override;

 private:
  ChatApi& api_;
};

}  // namespace mmm::chat
