// The HTTP handlers of the Meetup events and Line-ups sections of the API contract.
#pragma once

#include "event_policy.hpp"
#include "event_repository.hpp"
#include "series_repository.hpp"

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

/// How far ahead a series' occurrences are made (API.md: at least 90 days).
struct SeriesSettings {
  std::int64_t horizonMs = 90LL * 24 * 3600 * 1000;
};

class EventsApi {
 public:
  EventsApi(Store& store, ProfileDirectory& profiles, Pusher& pusher, EventServices services,
            std::shared_ptr<spdlog::logger> log, EventPolicy policy = EventPolicy(Moderation()),
            SeriesSettings series = {});

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

  // Series (series_api.cpp).
  Response series(Request& request);       // GET /v1/series/{id}
  Response joinSeries(Request& request);   // POST /v1/series/{id}/join
  Response leaveSeries(Request& request);  // DELETE /v1/series/{id}/members/me
  Response cancelSeries(Request& request); // POST /v1/series/{id}/cancel

  /// Makes the occurrences of every series that are due by `until` (UTC ms), one series per
  /// transaction; returns how many were made. Safe when several nodes run it at once: a
  /// series' row is locked while its occurrences are made, and (series, index) is unique.
  /// `stopping`, when given, is asked between series: true ends the run early.
  std::size_t makeDueOccurrences(std::int64_t until, const std::function<bool()>& stopping = {});
  const SeriesSettings& seriesSettings() const { return seriesSettings_; }
  /// Whether a slug names an instrument (the musicians plugin's vocabulary, or a slug's
  /// syntax while it is disabled).
  bool isInstrument(const std::string& slug) const;
  const FullTextLimits& fullTextLimits() const { return fullText_; }

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
  /// Who a change moved, each told with an rsvp-update giving why ("reason").
  struct Moves {
    std::vector<std::int64_t> promoted, demoted;
    std::vector<std::int64_t> unslotted;  // their slot is gone: a general place or its waitlist
    void add(const Lineup& lineup) {
      promoted.insert(promoted.end(), lineup.promoted().begin(), lineup.promoted().end());
      demoted.insert(demoted.end(), lineup.demoted().begin(), lineup.demoted().end());
    }
  };

  Response createSeries(Request& request, std::int64_t creator, const EventFields& fields);
  Response patchSeries(Request& request, std::int64_t caller, const Event& occurrence, const EventFields& fields);
  /// Applies a PATCH to one event, its line-up following (as `caller`, after checking they
  /// may); the event as it was before.
  Event applyChanges(DbSession& tx, std::int64_t id, const EventFields& fields, std::int64_t caller, bool admin,
                     Moves& moves);
  /// Puts the user in the event's line-up with `instrument` ("" general), or moves them
  /// there; false when they already hold exactly that.
  bool joinLineup(DbSession& tx, const Event& event, std::int64_t lastKey, std::int64_t userId,
                  const std::string& instrument, Moves& moves);
  /// Makes the series' occurrences that start by `until`, each with the regulars, in a
  /// transaction holding the series' lock; their ids.
  std::vector<std::int64_t> makeOccurrences(DbSession& tx, Series& series, std::int64_t until);
  /// makeOccurrences in a transaction of its own; how many were made.
  std::size_t extendSeries(std::int64_t seriesId, std::int64_t until);
  /// Makes sure the series has `count` upcoming occurrences, or all it will ever have.
  void ensureUpcoming(std::int64_t seriesId, int count);
  Response seriesResponse(int status, std::int64_t seriesId, std::int64_t viewer);
  /// The channel a member of the event's line-up belongs to stays theirs while they are in
  /// any occurrence of its series; true when they left it.
  bool leaveChannel(DbSession& tx, const Event& event, std::int64_t userId);

  /// Adds to the channel those of `want` it lacks and removes those it has beyond (both
  /// sorted); how many changed.
  std::size_t syncMembers(DbSession& tx, std::int64_t channel, const std::vector<std::int64_t>& want,
                          const std::vector<std::int64_t>& have);
  /// Brings the channels of these stale events in line, and marks the events current.
  ReconcileCounts reconcileBatch(DbSession& tx, const std::vector<Event>& events);
  /// The series of an occurrence (read outside a transaction): a change to an occurrence's
  /// line-up takes its series' lock first, the order every series-wide change takes them in,
  /// so that the series channel's members (everyone in any occurrence) change in order.
  std::optional<std::int64_t> seriesOfEvent(std::int64_t id);
  /// The event in a transaction that holds its line-up's lock, with that lock's last key;
  /// 404 when there is none.
  std::pair<Event, std::int64_t> lockedEvent(DbSession& tx, std::int64_t id, std::int64_t viewer);
  /// Takes the user out of the line-up (and the event's channel, unless they are in another
  /// occurrence of its series), promoting who waits; true when they left the channel.
  bool leaveLineup(DbSession& tx, const Event& event, std::int64_t lastKey, std::int64_t userId,
                   const MemberRow& row, Moves& moves);
  /// After the commit: event-update to its members and `alsoTo`, rsvp-update to those moved.
  void pushChange(std::int64_t eventId, const std::vector<std::int64_t>& alsoTo, const Moves& moves);

  /// The events as a JSON array, the profiles they show fetched in one lookup.
  std::string toJson(const std::vector<Event>& events);
  /// `forViewer`: with the viewer's `rsvp` and `joined` (pushes to everyone have neither).
  void writeEvent(JsonWriter& json, const Event& event, const RenderedProfiles& profiles, bool forViewer) const;
  RenderedProfiles profilesOf(const std::vector<Event>& events, std::vector<std::int64_t> alsoUsers = {});
  Response eventResponse(int status, const Event& event);

  Store& store_;
  ProfileDirectory& profiles_;
  Pusher& pusher_;
  EventServices services_;
  std::shared_ptr<spdlog::logger> log_;
  EventPolicy policy_;
  SeriesSettings seriesSettings_;
  const FullTextLimits fullText_;
};

/// Events for the users plugin's reports ("event").
class EventReportTarget final : public ReportTarget {
 public:
  explicit EventReportTarget(EventsApi& api) : api_(api) {}
  std::optional<Found> find(std::int64_t id) override;
  std::optional<Found> findFor(std::int64_t, std::int64_t id) override { return find(id); }  // events are public
  bool remove(std::int64_t actorId, std::int64_t id) override;

 private:
  EventsApi& api_;
};

}  // namespace mmm::meetups
