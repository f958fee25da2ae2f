// The meetups plugin: events with their line-ups (slots, capacity, waitlists), joining and
// leaving, search; each event's chat channel when the chat plugin is enabled.
#include "event_repository.hpp"
#include "events_api.hpp"

#include <mmm/mmm.hpp>

namespace mmm::meetups {
namespace {

class MeetupsPlugin final : public Plugin {
 public:
  ConfigSchema configSchema() const override {
    return ConfigSchema::map({{"rate_limits", rateLimitsSchema({{"events", 30, 3600}})}});
  }

  void start(Host& host) override {
    host.store().migrate("meetups", EventRepository::migrations(host.store().dialect()));
    auto profiles = host.services().find<ProfileDirectory>();
    if (!profiles) throw std::runtime_error("the users plugin's profile directory is not available");
    // Each null while its plugin is disabled.
    EventServices services{host.services().find<ManagedChannels>(), host.services().find<ChannelAnnouncements>(),
                           host.services().find<MusicianDirectory>()};
    if (!services.channels) host.logger()->info("chat is disabled: events have no channels");
    if (!services.musicians)
      host.logger()->info("musicians is disabled: slots take any slug, and GET /v1/events?forMe=true answers 400");
    profiles_ = profiles;
    api_ = std::make_unique<EventsApi>(host.store(), *profiles_, host.pusher(), std::move(services), host.logger(),
                                       EventPolicy(Moderation::find(host.services())));
    api_->reconcileChannels();

    EventsApi& api = *api_;
    host.route("GET", "/v1/events", [&api](Request& r) { return api.list(r); });
    host.route("POST", "/v1/events", [&api](Request& r) { return api.create(r); },
               rateLimit(host, "events", RateLimit::Key::User));
    host.route("GET", "/v1/events/join", [&api](Request& r) { return api.joined(r); });
    host.route("POST", "/v1/events/join", [&api](Request& r) { return api.join(r); });
    host.route("GET", "/v1/events/{id}", [&api](Request& r) { return api.get(r); });
    host.route("PATCH", "/v1/events/{id}", [&api](Request& r) { return api.patch(r); });
    host.route("DELETE", "/v1/events/{id}", [&api](Request& r) { return api.remove(r); });
    host.route("DELETE", "/v1/events/{id}/members/me", [&api](Request& r) { return api.leave(r); });
    host.route("DELETE", "/v1/events/{id}/members/{userID}", [&api](Request& r) { return api.removeMember(r); });
    host.route("POST", "/v1/events/{id}/cancel", [&api](Request& r) { return api.cancel(r); });
    ReportTarget::provide(host.services(), "event", std::make_shared<EventReportTarget>(api));
  }

 private:
  std::shared_ptr<ProfileDirectory> profiles_;
  std::unique_ptr<EventsApi> api_;
};

}  // namespace
}  // namespace mmm::meetups

MMM_PLUGIN(meetups, mmm::meetups::MeetupsPlugin, "1.1.0", "users", "chat,musicians")
