// The HTTP handlers of the Meetup events section of the API contract.
#pragma once

#include "event_policy.hpp"
#include "event_repository.hpp"

#include <mmm/channels.hpp>
#include <mmm/http.hpp>
#include <mmm/json_writer.hpp>
#include <mmm/profiles.hpp>
#include <mmm/store.hpp>

#include <functional>
#include <map>
#include <optional>
#include <memory>
#include <string>

namespace spdlog {
class logger;
}

namespace mmm::meetups {

class EventsApi {
 public:
  /// `channels` is null while the chat plugin is disabled: events then have no channel.
  EventsApi(Store& store, ProfileDirectory& profiles, std::shared_ptr<ManagedChannels> channels,
            std::shared_ptr<spdlog::logger> log, EventPolicy policy = EventPolicy(Moderation()));

  Response list(Request& request);     // GET /v1/events
  Response create(Request& request);   // POST /v1/events
  Response joined(Request& request);   // GET /v1/events/join
  Response join(Request& request);     // POST /v1/events/join
  Response get(Request& request);      // GET /v1/events/{id}
  Response patch(Request& request);    // PATCH /v1/events/{id}
  Response remove(Request& request);   // DELETE /v1/events/{id}
  Response leave(Request& request);    // DELETE /v1/events/{id}/members/me

  /// Gives every event changed while chat was off a channel with exactly its members and
  /// its title, and deletes the channels of events deleted meanwhile. Run at start; safe
  /// when several nodes start at once.
  void reconcileChannels();

  /// Deletes the event with its channel, after `authorise` (run in the transaction) lets
  /// it; false when there is no such event. `caller` as for EventRepository::find.
  bool deleteEvent(std::int64_t id, std::int64_t caller, const std::function<void(const Event&)>& authorise);
  std::optional<Event> findEvent(std::int64_t id);

 private:
  struct ReconcileCounts {
    std::size_t checked = 0, created = 0, renamed = 0, memberships = 0, deleted = 0, transactions = 0;
    ReconcileCounts& operator+=(const ReconcileCounts& o) {
      checked += o.checked, created += o.created, renamed += o.renamed, memberships += o.memberships;
      return *this;
    }
  };
  /// Brings the channels of these stale events in line, and marks the events current.
  ReconcileCounts reconcileBatch(DbSession& tx, const std::vector<Event>& events);
  /// The events as a JSON array, their creators' profiles fetched in one lookup.
  std::string toJson(const std::vector<Event>& events);
  void writeEvent(JsonWriter& json, const Event& event, const RenderedProfiles& creators) const;
  RenderedProfiles creators(const std::vector<Event>& events);
  Response eventResponse(int status, const Event& event);

  Store& store_;
  ProfileDirectory& profiles_;
  std::shared_ptr<ManagedChannels> channels_;
  std::shared_ptr<spdlog::logger> log_;
  EventPolicy policy_;
  const FullTextLimits fullText_;
};

/// Events for the users plugin's reports ("event").
class EventReportTarget final : public ReportTarget {
 public:
  explicit EventReportTarget(EventsApi& api) : api_(api) {}
  std::optional<Found> find(std::int64_t id) override;
  bool remove(std::int64_t actorId, std::int64_t id) override;

 private:
  EventsApi& api_;
};

}  // namespace mmm::meetups
