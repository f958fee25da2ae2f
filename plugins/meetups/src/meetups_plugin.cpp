// The meetups plugin: events with their line-ups (slots, capacity, waitlists), joining and
// leaving, search; recurring series and their regulars; calendar feeds; each event's (or
// series') chat channel when the chat plugin is enabled.
#include "calendar_api.hpp"
#include "event_repository.hpp"
#include "events_api.hpp"
#include "meetups_openapi.hpp"

#include <mmm/mmm.hpp>

#include <spdlog/logger.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace mmm::meetups {
namespace {

constexpr std::int64_t kDayMs = 24LL * 3600 * 1000;

/// Keeps every series' occurrences made ahead: at start, then every `interval`, up to the
/// horizon plus one interval (so that between two runs they never fall short of it). Each
/// node runs one; EventsApi::makeDueOccurrences is safe when they overlap.
class SeriesKeeper {
 public:
  SeriesKeeper(EventsApi& api, std::chrono::seconds interval, std::shared_ptr<spdlog::logger> log)
      : api_(api), interval_(interval), log_(std::move(log)), thread_([this] { run(); }) {}
  ~SeriesKeeper() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

 private:
  void run() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopping_) {
      lock.unlock();
      try {
        const auto ahead = api_.seriesSettings().horizonMs +
                           std::chrono::duration_cast<std::chrono::milliseconds>(interval_).count();
        api_.makeDueOccurrences(nowMillis() + ahead, [this] { return stopping_.load(); });
      } catch (const std::exception& e) {
        // The store may be away for a while: counted, logged, tried again next time.
        ++failures_;
        log_->error("series: making occurrences ahead failed ({} failed runs so far): {}", failures_, e.what());
      }
      lock.lock();
      wake_.wait_for(lock, interval_, [this] { return stopping_.load(); });
    }
  }

  EventsApi& api_;
  const std::chrono::seconds interval_;
  std::shared_ptr<spdlog::logger> log_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<bool> stopping_{false};  // set under mutex_ (for the wait), read without it between series
  std::size_t failures_ = 0;
  std::thread thread_;  // last: starts once the rest is built
};

class MeetupsPlugin final : public Plugin {
 public:
  ConfigSchema configSchema() const override {
    return ConfigSchema::map({
        {"rate_limits", rateLimitsSchema({{"events", 30, 3600}})},
        // How far ahead a series' occurrences are made (API.md: at least 90 days), and how
        // often each node checks.
        {"series_horizon_days", ConfigSchema::integer().range(90, 366).withDefault("90")},
        {"series_check_interval_s", ConfigSchema::integer().range(1, 86400).withDefault("3600")},
        // GET /v1/calendar/public.ics, the feed of upcoming events anyone may subscribe to.
        {"public_calendar", ConfigSchema::boolean().withDefault("true")},
    });
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
    const auto& config = host.config();
    SeriesSettings series;
    series.horizonMs = config["series_horizon_days"].as<std::int64_t>() * kDayMs;
    profiles_ = profiles;
    api_ = std::make_unique<EventsApi>(host.store(), *profiles_, host.pusher(), std::move(services), host.logger(),
                                       EventPolicy(Moderation::find(host.services())), series);
    api_->reconcileChannels();
    calendar_ = std::make_unique<CalendarApi>(
        host.store(), *api_, CalendarSettings{host.publicUrl(), config["public_calendar"].as<bool>()}, host.logger());

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
    host.route("GET", "/v1/series/{id}", [&api](Request& r) { return api.series(r); });
    host.route("POST", "/v1/series/{id}/join", [&api](Request& r) { return api.joinSeries(r); });
    host.route("DELETE", "/v1/series/{id}/members/me", [&api](Request& r) { return api.leaveSeries(r); });
    host.route("POST", "/v1/series/{id}/cancel", [&api](Request& r) { return api.cancelSeries(r); });

    CalendarApi& calendar = *calendar_;
    host.route("GET", "/v1/events/{id}/calendar.ics", [&calendar](Request& r) { return calendar.event(r); });
    host.route("GET", "/v1/calendar/feed", [&calendar](Request& r) { return calendar.feedState(r); });
    host.route("POST", "/v1/calendar/feed", [&calendar](Request& r) { return calendar.createFeed(r); });
    host.route("DELETE", "/v1/calendar/feed", [&calendar](Request& r) { return calendar.deleteFeed(r); });
    host.route("GET", "/v1/calendar/feed/{token}", [&calendar](Request& r) { return calendar.feed(r); });
    host.route("GET", "/v1/calendar/public.ics", [&calendar](Request& r) { return calendar.publicFeed(r); });
    // The URL each calendar entry links to: the web UI's page of the event.
    host.route("GET", "/events/{id}", [&calendar](Request& r) { return calendar.eventPage(r); });
    describeRoutes(host);
    ReportTarget::provide(host.services(), "event", std::make_shared<EventReportTarget>(api));

    keeper_ = std::make_unique<SeriesKeeper>(api, std::chrono::seconds(config["series_check_interval_s"].as<int>()),
                                             host.logger());
  }

  void stop() override { keeper_.reset(); }

 private:
  std::shared_ptr<ProfileDirectory> profiles_;
  std::unique_ptr<EventsApi> api_;
  std::unique_ptr<CalendarApi> calendar_;
  std::unique_ptr<SeriesKeeper> keeper_;
};

}  // namespace
}  // namespace mmm::meetups

MMM_PLUGIN(meetups, mmm::meetups::MeetupsPlugin, "1.2.0", "users", "chat,musicians")
