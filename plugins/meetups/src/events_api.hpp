// The HTTP handlers of the Meetup events and Line-ups sections of the API contract.
#pragma once

#include "event_policy.hpp"
#include "event_repository.hpp"

#include <mmm/bus.hpp>
#include <mmm/channels.hpp>
#include <mmm/http.hpp>
#include <mmm/json_writer.hpp>
#include <mmm/musicians.hpp>
#include <mmm/profiles.hpp>
#include <mmm/store.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace spdlog {
class logger;
}

namespace mmm::meetups {

/// The other plugins' services the events use, each null while its plugin is disabled.
struct EventServices {
  std::shared_ptr<ManagedChannels> channels;            // chat: each event's channel
  std::shared_ptr<ChannelAnnouncements> announcements;  // chat: "Cancelled: …"
  std::shared_ptr<MusicianDirectory> musicians;         // musicians: slugs, forMe
};

class EventsApi {
 public:
  EventsApi(Store& store, ProfileDirectory& profiles, Pusher& pusher, EventServices services,
            std::shared_ptr<spdlog::logger> log, EventPolicy policy = EventPolicy(Moderation()));

  Response list(Request& request);          // GET /v1/events
  Response create(Request& request);        // POST /v1/events
  Response joined(Request& request);        // GET /v1/events/join
  Response join(Request& request);          // POST /v1/events/join
  Response get(Request& request);           // GET /v1/events/{id}
  Response patch(Request& request);         // PATCH /v1/events/{id}
  Response remove(Request& request);        // DELETE /v1/events/{id}
  Response leave(Request& request);         // DELETE /v1/events/{id}/members/me
  Response removeMember(Request& request);  // DELETE /v1/events/{id}/members/{userID}
  Response cancel(Request& request);        // POST /v1/events/{id}/cancel

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
  /// Who a line-up change moved, for the pushes after the commit.
  struct Moves {
    std::vector<std::int64_t> promoted, demoted;
    void add(const Lineup& lineup) {
      promoted.insert(promoted.end(), lineup.promoted().begin(), lineup.promoted().end());
      demoted.insert(demoted.end(), lineup.demoted().begin(), lineup.demoted().end());
    }
  };

  /// Brings the channels of these stale events in line, and marks the events current.
  ReconcileCounts reconcileBatch(DbSession& tx, const std::vector<Event>& events);
  /// The event in a transaction that holds its line-up's lock, with that lock's last key;
  /// 404 when there is none.
  std::pair<Event, std::int64_t> lockedEvent(DbSession& tx, std::int64_t id, std::int64_t viewer);
  /// Takes the user out of the line-up (and the event's channel), promoting who waits.
  void leaveLineup(DbSession& tx, const Event& event, std::int64_t lastKey, std::int64_t userId,
                   const MemberRow& row, Moves& moves);
  /// After the commit: event-update to its members and `alsoTo`, rsvp-update to those moved.
  void pushChange(std::int64_t eventId, const std::vector<std::int64_t>& alsoTo, const Moves& moves);
  bool isInstrument(const std::string& slug) const;

  /// The events as a JSON array, the profiles they show fetched in one lookup.
  std::string toJson(const std::vector<Event>& events);
  /// `forViewer`: with the viewer's `rsvp` and `joined` (pushes to everyone have neither).
  void writeEvent(JsonWriter& json, const Event& event, const RenderedProfiles& profiles, bool forViewer) const;
  RenderedProfiles profilesOf(const std::vector<Event>& events);
  Response eventResponse(int status, const Event& event);

  Store& store_;
  ProfileDirectory& profiles_;
  Pusher& pusher_;
  EventServices services_;
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
