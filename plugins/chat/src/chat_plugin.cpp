// The chat plugin: channels and messages over HTTP, pushes to browsers, and the channel
// service for other plugins.
#include "chat_api.hpp"
#include "chat_moderation.hpp"
#include "chat_repository.hpp"
#include "chat_typing.hpp"
#include "chat_openapi.hpp"

#include <mmm/mmm.hpp>

#include <optional>

namespace mmm::chat {
namespace {

class ChatPlugin final : public Plugin {
 public:
  ConfigSchema configSchema() const override {
    // API.md's default for messages; channels are limited too (a flood of public channels
    // costs every other user's channel list).
    // Reaction changes: 60 a minute per user (API.md).
    std::string reactions = "[";
    for (const auto& emoji : ReactionSet::defaults()) reactions += (reactions.size() > 1 ? ", \"" : "\"") + emoji + "\"";
    return ConfigSchema::map({
        {"rate_limits", rateLimitsSchema({{"messages", 20, 10}, {"channels", 30, 3600}, {"reactions", 60, 60}})},
        // What people may react with (at most 32 characters each).
        {"reactions", ConfigSchema::list(ConfigSchema::string()).withDefault(reactions + "]")},
    });
  }

  void start(Host& host) override {
    std::optional<ReactionSet> reactions;
    try {
      reactions.emplace(host.config()["reactions"].as<std::vector<std::string>>());
    } catch (const std::invalid_argument& e) {
      throw ConfigError(std::string("plugin 'chat': ") + e.what());
    }
    host.store().migrate("chat", ChatRepository::migrations(host.store().dialect()));
    host.store().migrate(MuteRepository::kMigrationOwner, MuteRepository::migrations());
    profiles_ = host.services().find<ProfileDirectory>();
    if (!profiles_) throw std::runtime_error("the users plugin's profile directory is not available");
    api_ = std::make_unique<ChatApi>(host.store(), *profiles_, host.pusher(), host.logger(),
                                     ChatPolicy(Moderation::find(host.services())), std::move(*reactions),
                                     host.services().find<UserNameDirectory>());  // no @mentions without it
    ChatApi& api = *api_;
    host.route("GET", "/v1/channels", [&api](Request& r) { return api.listChannels(r); });
    const auto messages = rateLimit(host, "messages", RateLimit::Key::User);
    const auto channels = rateLimit(host, "channels", RateLimit::Key::User);
    host.route("POST", "/v1/channels", [&api](Request& r) { return api.createChannel(r); }, channels);
    host.route("GET", "/v1/channels/{id}", [&api](Request& r) { return api.history(r); });
    host.route("POST", "/v1/channels/{id}", [&api](Request& r) { return api.post(r); }, messages);
    host.route("PATCH", "/v1/channels/{id}", [&api](Request& r) { return api.patchChannel(r); });
    host.route("DELETE", "/v1/channels/{id}", [&api](Request& r) { return api.deleteChannel(r); });
    host.route("POST", "/v1/channels/{id}/members", [&api](Request& r) { return api.addMember(r); });
    host.route("DELETE", "/v1/channels/{id}/members", [&api](Request& r) { return api.removeMember(r); });
    host.route("PUT", "/v1/channels/{id}/read", [&api](Request& r) { return api.markRead(r); });
    host.route("POST", "/v1/channels/{id}/mutes", [&api](Request& r) { return api.mute(r); });
    host.route("DELETE", "/v1/channels/{id}/mutes/{userID}", [&api](Request& r) { return api.unmute(r); });
    host.route("PATCH", "/v1/messages/{id}", [&api](Request& r) { return api.editMessage(r); });
    host.route("DELETE", "/v1/messages/{id}", [&api](Request& r) { return api.deleteMessage(r); });
    const auto reacting = rateLimit(host, "reactions", RateLimit::Key::User);
    host.route("PUT", "/v1/messages/{id}/reactions/{emoji}", [&api](Request& r) { return api.addReaction(r); }, reacting);
    host.route("DELETE", "/v1/messages/{id}/reactions/{emoji}", [&api](Request& r) { return api.removeReaction(r); },
               reacting);
    host.route("GET", "/v1/reactions", [&api](Request& r) { return api.reactionSet(r); });
    typing_ = std::make_unique<TypingFrames>(host.store(), host.sessions().store(), api.pushes());
    host.onClientFrame("typing", [typing = typing_.get()](std::int64_t user, const Poco::JSON::Object& frame) {
      typing->handle(user, frame);
    });
    // Presence: those who share a private channel with someone hear when they come and go;
    // anyone may ask who of a list is online.
    host.onPresence([&api](std::int64_t user, bool online) {
      auto people = api.store().read([&](DbSession& s) { return ChatRepository::companions(api.store(), s, user); });
      api.pushes().presence(user, online, people);
    });
    host.route("GET", "/v1/presence", [&host](Request& r) {
      authenticated(r);
      JsonWriter json(256);
      json.beginObject().key("online").beginArray();
      for (auto id : host.online(parsePresenceQuery(r))) json.value(id);
      return Response::json(200, json.endArray().endObject().take());
    });
    describeRoutes(host);
    host.services().provide<ManagedChannels>(std::make_shared<ManagedChannelsService>(api));
    host.services().provide<ChannelAnnouncements>(std::make_shared<ChannelAnnouncementsService>(api));
    ReportTarget::provide(host.services(), "message", std::make_shared<MessageReportTarget>(api));
  }

 private:
  std::shared_ptr<ProfileDirectory> profiles_;
  std::unique_ptr<ChatApi> api_;
  std::unique_ptr<TypingFrames> typing_;
};

}  // namespace
}  // namespace mmm::chat

MMM_PLUGIN(chat, mmm::chat::ChatPlugin, "1.0.0", "users", "")
