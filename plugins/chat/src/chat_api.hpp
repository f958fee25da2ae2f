// The HTTP handlers of the Chat section of the API contract, and the service other
// plugins use for the channels they own.
#pragma once

#include "chat_input.hpp"
#include "chat_policy.hpp"
#include "chat_pushes.hpp"
#include "chat_reactions.hpp"
#include "chat_repository.hpp"

#include <mmm/channels.hpp>
#include <mmm/http.hpp>
#include <mmm/profiles.hpp>
#include <mmm/store.hpp>

#include <memory>

namespace spdlog {
class logger;
}

namespace mmm::chat {

/// A channel name made from another plugin's text (an event title): at most the 255
/// characters a name may have, cut between characters.
std::string managedChannelName(const std::string& text);

class ChatApi {
 public:
  ChatApi(Store& store, ProfileDirectory& profiles, Pusher& pusher, std::shared_ptr<spdlog::logger> log,
          ChatPolicy policy = ChatPolicy(Moderation()), ReactionSet reactions = ReactionSet(ReactionSet::defaults()),
          std::shared_ptr<UserNameDirectory> names = nullptr);

  Response listChannels(Request& request);    // GET /v1/channels
  Response createChannel(Request& request);   // POST /v1/channels
  Response history(Request& request);         // GET /v1/channels/{id}
  Response post(Request& request);            // POST /v1/channels/{id}
  Response patchChannel(Request& request);    // PATCH /v1/channels/{id}
  Response deleteChannel(Request& request);   // DELETE /v1/channels/{id}
  Response addMember(Request& request);       // POST /v1/channels/{id}/members
  Response removeMember(Request& request);    // DELETE /v1/channels/{id}/members
  Response editMessage(Request& request);     // PATCH /v1/messages/{id}
  Response deleteMessage(Request& request);   // DELETE /v1/messages/{id}
  Response markRead(Request& request);        // PUT /v1/channels/{id}/read
  Response addReaction(Request& request);     // PUT /v1/messages/{id}/reactions/{emoji}
  Response removeReaction(Request& request);  // DELETE /v1/messages/{id}/reactions/{emoji}
  Response reactionSet(Request& request);     // GET /v1/reactions
  Response mute(Request& request);            // POST /v1/channels/{id}/mutes (chat_moderation.cpp)
  Response unmute(Request& request);          // DELETE /v1/channels/{id}/mutes/{userID}

  /// Deletes a message as admin `actorId` (a resolved report) and pushes it; false when gone.
  bool removeMessage(std::int64_t actorId, std::int64_t id);

  ChatJson& json() { return json_; }
  ChatPushes& pushes() { return pushes_; }
  Store& store() { return store_; }

 private:
  /// The channel, if the caller may read it: 404 when there is none, 403 when private and
  /// the caller is not a member.
  Channel readable(DbSession& session, std::int64_t channelId, std::int64_t userId);
  /// 403, saying until when, while `userId` is muted in the channel.
  void refuseIfMuted(DbSession& session, std::int64_t channelId, std::int64_t userId);
  /// The users `body` @-names (in order, distinct; none without a UserNameDirectory): a
  /// store read, so outside the transaction.
  std::vector<std::int64_t> named(const std::string& body);
  /// Those of `named` who can read `channel` (everyone, or its members), at most kMaxMentions.
  static std::vector<std::int64_t> mentionable(const Channel& channel, const std::vector<std::int64_t>& named);
  /// The caller's reaction on or off (idempotent): the message, pushed when it changed.
  Response react(Request& request, bool on);

  Store& store_;
  ProfileDirectory& profiles_;
  ChatJson json_;
  ChatPushes pushes_;
  std::shared_ptr<spdlog::logger> log_;
  ChatPolicy policy_;
  ReactionSet reactions_;
  std::shared_ptr<UserNameDirectory> names_;
};

/// ManagedChannels for other plugins (the meetups plugin's event channels).
class ManagedChannelsService final : public ManagedChannels {
 public:
  explicit ManagedChannelsService(ChatApi& api) : api_(api) {}
  std::int64_t create(DbSession& tx, const std::string& name, std::int64_t creatorId,
                      const std::vector<std::int64_t>& memberIds) override;
  bool exists(DbSession& tx, std::int64_t channelId) override;
  void rename(DbSession& tx, std::int64_t channelId, const std::string& name) override;
  void addMember(DbSession& tx, std::int64_t channelId, std::int64_t userId) override;
  void removeMember(DbSession& tx, std::int64_t channelId, std::int64_t userId) override;
  std::vector<std::int64_t> members(DbSession& tx, std::int64_t channelId) override;
  std::map<std::int64_t, State> describe(DbSession& tx, const std::vector<std::int64_t>& channelIds) override;
  void remove(DbSession& tx, std::int64_t channelId) override;
  void notifyCreated(std::int64_t channelId) override;
  void notifyChanged(std::int64_t channelId) override;
  void notifyDeleted(std::int64_t channelId, const std::vector<std::int64_t>& formerMembers) override;

 private:
  ChatApi& api_;
};

/// ChannelAnnouncements for other plugins (an event's "Cancelled: …" message).
class ChannelAnnouncementsService final : public ChannelAnnouncements {
 public:
  explicit ChannelAnnouncementsService(ChatApi& api) : api_(api) {}
  std::int64_t post(DbSession& tx, std::int64_t channelId, std::int64_t authorId, const std::string& body) override;
  void notifyPosted(std::int64_t channelId, std::int64_t messageId) override;

 private:
  ChatApi& api_;
};

}  // namespace mmm::chat
