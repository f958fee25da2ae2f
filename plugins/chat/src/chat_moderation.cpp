#include "chat_moderation.hpp"

#include "chat_api.hpp"

#include <mmm/auth.hpp>
#include <mmm/error.hpp>
#include <mmm/input.hpp>
#include <mmm/json.hpp>
#include <mmm/json_writer.hpp>
#include <mmm/text.hpp>
#include <mmm/time.hpp>

#include <spdlog/logger.h>

using namespace Poco::Data::Keywords;

namespace mmm::chat {

std::vector<Migration> MuteRepository::migrations() {
  return {
      {1,
       "mutes",
       {"CREATE TABLE chat_mutes ("
        " channel_id BIGINT NOT NULL REFERENCES chat_channels (id) ON DELETE CASCADE,"
        " user_id BIGINT NOT NULL,"
        " until_at BIGINT NOT NULL,"
        " muted_by BIGINT NOT NULL,"
        " PRIMARY KEY (channel_id, user_id)"
        "){{table_options}}"}},
  };
}

void MuteRepository::mute(DbSession& tx, std::int64_t channelId, std::int64_t userId, std::int64_t until,
                          std::int64_t byId) {
  Poco::Int64 channel = channelId, user = userId, at = until, by = byId;
  tx << "DELETE FROM chat_mutes WHERE channel_id = ? AND user_id = ?", use(channel), use(user), now;
  tx << "INSERT INTO chat_mutes (channel_id, user_id, until_at, muted_by) VALUES (?, ?, ?, ?)", use(channel),
      use(user), use(at), use(by), now;
}

bool MuteRepository::unmute(DbSession& tx, std::int64_t channelId, std::int64_t userId) {
  Poco::Int64 channel = channelId, user = userId, count = 0;
  tx << "SELECT COUNT(*) FROM chat_mutes WHERE channel_id = ? AND user_id = ?", use(channel), use(user), into(count),
      now;
  if (!count) return false;
  tx << "DELETE FROM chat_mutes WHERE channel_id = ? AND user_id = ?", use(channel), use(user), now;
  return true;
}

std::optional<std::int64_t> MuteRepository::mutedUntil(Store& store, DbSession& session, std::int64_t channelId,
                                                        std::int64_t userId) {
  std::optional<std::int64_t> until;
  store.query(session, "SELECT until_at FROM chat_mutes WHERE channel_id = ? AND user_id = ? AND until_at > ?",
              {channelId, userId, nowMillis()}, [&](const SqlRow& row) { until = row.int64(0); });
  return until;
}

// --- the handlers (ChatApi's moderation routes)

Response ChatApi::mute(Request& request) {
  const auto user = authenticated(request).userId;
  const auto channelId = pathId(request.param("id"), "channel");
  const auto body = parseJsonObject(request);
  const auto target = integerField(body, "id");
  const auto minutes = integerField(body, "minutes");
  if (minutes < 1 || minutes > 10080) throw HttpError(400, "minutes must be from 1 to 10080 (a week)");
  if (target == user) throw HttpError(409, "you cannot mute yourself");
  const bool admin = policy_.isAdmin(user);
  if (!profiles_.find(target)) throw HttpError(404, "no such user");
  const std::int64_t until = nowMillis() + minutes * 60000;
  store_.transaction([&](DbSession& tx) {
    auto channel = ChatRepository::channel(store_, tx, channelId);
    if (!channel) throw HttpError(404, "no such channel");
    if (!ChatPolicy::moderates(*channel, user, admin))
      throw HttpError(403, "only the channel's moderators can mute its members");
    // A public channel's members are everyone; a private one's are its list.
    if (channel->isPrivate && !ChatRepository::isMember(store_, tx, channelId, target))
      throw HttpError(404, "that user is not a member of this channel");
    MuteRepository::mute(tx, channelId, target, until, user);
  });
  policy_.record({user, "channel.mute", "user", target,
                  "channel " + std::to_string(channelId) + " for " + std::to_string(minutes) + " minutes"});
  log_->info("{} moderator {} muted user {} in channel {} for {} min", request.id, user, target, channelId, minutes);
  JsonWriter json;
  json.beginObject()
      .field("channelID", channelId)
      .field("id", target)
      .field("until", rfc3339(until).view())
      .endObject();
  return Response::json(201, json.take());
}

Response ChatApi::unmute(Request& request) {
  const auto user = authenticated(request).userId;
  const auto channelId = pathId(request.param("id"), "channel");
  const auto target = pathId(request.param("userID"), "user");
  const bool admin = policy_.isAdmin(user);
  const bool lifted = store_.transaction([&](DbSession& tx) {
    auto channel = ChatRepository::channel(store_, tx, channelId);
    if (!channel) throw HttpError(404, "no such channel");
    if (!ChatPolicy::moderates(*channel, user, admin))
      throw HttpError(403, "only the channel's moderators can unmute its members");
    return MuteRepository::unmute(tx, channelId, target);
  });
  if (lifted) policy_.record({user, "channel.unmute", "user", target, "channel " + std::to_string(channelId)});
  return Response::text(200, "unmuted");
}

void ChatApi::refuseIfMuted(DbSession& session, std::int64_t channelId, std::int64_t userId) {
  if (auto until = MuteRepository::mutedUntil(store_, session, channelId, userId))
    throw HttpError(403, "you are muted in this channel until " + formatRfc3339(*until));
}

namespace {
std::optional<ReportTarget::Found> found(const std::optional<Message>& message) {
  if (!message) return std::nullopt;
  return ReportTarget::Found{message->creatorId, std::string(truncateUtf8(message->body, 200))};
}
}  // namespace

std::optional<ReportTarget::Found> MessageReportTarget::find(std::int64_t id) {
  return found(api_.store().read([&](DbSession& s) { return ChatRepository::message(api_.store(), s, id); }));
}

std::optional<ReportTarget::Found> MessageReportTarget::findFor(std::int64_t viewerId, std::int64_t id) {
  auto& store = api_.store();
  return found(store.read([&](DbSession& s) -> std::optional<Message> {
    auto message = ChatRepository::message(store, s, id);
    if (!message || ChatRepository::canRead(store, s, message->channelId, viewerId) != true) return std::nullopt;
    return message;
  }));
}

bool MessageReportTarget::remove(std::int64_t actorId, std::int64_t id) {
  return api_.removeMessage(actorId, id);
}

bool ChatApi::removeMessage(std::int64_t actorId, std::int64_t id) {
  std::optional<Channel> channel;
  store_.transaction([&](DbSession& tx) {
    auto message = ChatRepository::message(store_, tx, id);
    if (!message) return;
    channel = ChatRepository::channel(store_, tx, message->channelId);
    ChatRepository::deleteMessage(tx, id, message->channelId);
  });
  if (!channel) return false;
  log_->info("admin {} deleted message {} (reported)", actorId, id);
  pushes_.messageDelete(*channel, id);
  return true;
}

}  // namespace mmm::chat
