// The meetups plugin's tables: events, their slots and their members (the line-up).
#pragma once

#include "event_input.hpp"
#include "event_search.hpp"
#include "lineup.hpp"

#include <mmm/input.hpp>
#include <mmm/store.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mmm::meetups {

/// A slot as shown: who holds its places and who waits, in order.
struct SlotView {
  std::string instrument;
  int count = 0;
  std::vector<std::int64_t> going, waitlist;
};

/// The viewer's place in the line-up.
struct Rsvp {
  bool waiting = false;
  std::string instrument;     // "": a general place
  std::int64_t position = 0;  // 1… on the waitlist; 0 while going
};

struct Event {
  std::int64_t id = 0;
  std::string title;
  std::int64_t startsAt = 0;  // UTC milliseconds
  std::string location, description;
  std::int64_t creatorId = 0;
  std::int64_t channelId = 0;  // 0: none
  std::int64_t goingCount = 0, waitlistCount = 0;
  std::optional<Rsvp> rsvp;  // of the viewer the event was read for
  std::optional<std::int64_t> endsAt;
  std::optional<GeoPoint> point;
  std::optional<std::string> onlineUrl;
  std::string timezone = "UTC";
  bool cancelled = false;
  std::optional<int> capacity;
  std::optional<std::int64_t> seriesId;
  std::optional<int> occurrenceIndex;  // its place in its series (0 first)
  std::int64_t revision = 0;           // raised by each change (iCalendar's SEQUENCE)
  std::int64_t updatedAt = 0;          // UTC ms of the last change (iCalendar's DTSTAMP)
  std::vector<SlotView> slots;
  std::optional<double> distanceKm;  // from the point a search was made around

  /// The places a pool has: a slot's count, or the capacity for the general places.
  std::optional<int> placesOf(const std::string& instrument) const;
  bool hasSlot(const std::string& instrument) const;
};

/// What MariaDB's FULLTEXT index holds: words of min to max characters (the server's
/// innodb_ft_min_token_size and innodb_ft_max_token_size). SQLite's FTS5 table holds all.
struct FullTextLimits {
  int minTokenChars = 1, maxTokenChars = 1 << 20;
};

/// An event of the private calendar feed, with what the owner's view of it adds to its
/// iCalendar DTSTAMP and SEQUENCE: a line-up change can move them up the waitlist (their
/// SUMMARY) and a change of their own place can confirm them or move them back (STATUS).
struct FeedEntry {
  Event event;
  std::int64_t rsvpRevision = 0;     // the event's count of line-up changes at the owner's place's last one
  std::int64_t lineupChangedAt = 0;  // UTC ms of the line-up's last change (0: none since this was kept)
};

class EventRepository {
 public:
  /// The schema: the same tables on both dialects; text search through an FTS5 table kept
  /// by triggers on SQLite, a FULLTEXT index on MariaDB.
  static std::vector<Migration> migrations(Dialect dialect);
  static FullTextLimits fullTextLimits(Store& store);

  // Each runs on the caller's session, inside the caller's transaction where it changes.
  /// The event's row with `fields` (title, startsAt, location required) and its slots.
  /// `channelStale`: the event's channel is not known to match it (chat is off).
  static std::int64_t insert(Store& store, DbSession& tx, std::int64_t creatorId, const EventFields& fields,
                             bool channelStale);
  // The reads run through Store::query (statements compiled once per connection), with
  // the slots and the viewer's RSVP.
  static std::optional<Event> find(Store& store, DbSession& session, std::int64_t id, std::int64_t viewer);
  /// Those of `ids` that exist, in the order given.
  static std::vector<Event> findMany(Store& store, DbSession& session, const std::vector<std::int64_t>& ids,
                                     std::int64_t viewer);
  static std::vector<Event> list(Store& store, DbSession& session, const EventQuery& query, std::int64_t viewer,
                                 const FullTextLimits& limits);
  static std::vector<Event> joinedBy(Store& store, DbSession& session, std::int64_t viewer, const Page& page);
  /// The events the viewer is going to or waiting for that start at or after `from`,
  /// soonest first, at most `limit` (a calendar feed).
  static std::vector<FeedEntry> joinedSince(Store& store, DbSession& session, std::int64_t viewer, std::int64_t from,
                                            int limit);
  /// The scalar fields given (not the slots: see replaceSlots).
  static void update(DbSession& tx, std::int64_t id, const EventFields& fields);
  /// Records a change calendars must see: a new revision, now.
  static void touch(Store& store, DbSession& tx, std::int64_t id);
  /// Makes the event an occurrence of a series, sharing its channel (0: none).
  static void setOccurrence(Store& store, DbSession& tx, std::int64_t id, std::int64_t seriesId, int index,
                            std::int64_t channelId);
  static void replaceSlots(Store& store, DbSession& tx, std::int64_t id, const std::vector<SlotSpec>& slots);
  static void cancel(Store& store, DbSession& tx, std::int64_t id);
  static void setChannel(DbSession& tx, std::int64_t id, std::int64_t channelId);
  static void remove(DbSession& tx, std::int64_t id);

  // The line-up. Every change takes the event's lock first, so that changes to one event's
  // line-up are serialised however many requests race (their counts are then exact).
  /// Locks the event's row until the commit; its last line-up key, nullopt when there is no
  /// such event.
  static std::optional<std::int64_t> lockLineup(Store& store, DbSession& tx, std::int64_t id);
  /// A pool of the line-up (a slot's, or the general places for "") with `places`.
  static Pool loadPool(Store& store, DbSession& tx, std::int64_t id, const std::string& instrument,
                       std::optional<int> places);
  /// The RSVPs of those of `userIds` in the event's line-up (one query per few hundred).
  static std::map<std::int64_t, Rsvp> rsvpsOf(Store& store, DbSession& session, std::int64_t id,
                                              const std::vector<std::int64_t>& userIds);
  /// The user's row in the event's line-up; nullopt when not a member.
  static std::optional<MemberRow> membership(Store& store, DbSession& tx, std::int64_t id, std::int64_t userId);
  /// Writes back what `lineup` changed, and its last key.
  static void saveLineup(Store& store, DbSession& tx, std::int64_t id, const Lineup& lineup);

  // Keeping event channels in step with events changed while the chat plugin was off:
  // such an event is marked stale, and the next start with chat on brings its channel in
  // line (EventsApi::reconcileChannels) and clears the mark.
  static void markChannelStale(DbSession& tx, std::int64_t id);
  /// Every occurrence of the series: its shared channel's members are checked at chat's next
  /// start (one of them was deleted while chat was off).
  static void markSeriesChannelStale(Store& store, DbSession& tx, std::int64_t seriesId);
  /// Up to `limit` stale events with ids above `after`, in id order (id, title, creator,
  /// channel, series only), locked against another node doing the same (MariaDB).
  static std::vector<Event> staleChannels(Store& store, DbSession& tx, std::int64_t after, int limit);
  /// The members (going or waiting) of each of `eventIds` (at most a few hundred), sorted.
  static std::map<std::int64_t, std::vector<std::int64_t>> membersOf(Store& store, DbSession& session,
                                                                     const std::vector<std::int64_t>& eventIds);
  static void markChannelsCurrent(Store& store, DbSession& tx, const std::vector<std::int64_t>& eventIds);
  /// A channel whose event was deleted while chat was off, for the next start to delete.
  static void addOrphanChannel(DbSession& tx, const Sql& sql, std::int64_t channelId);
  static std::vector<std::int64_t> orphanChannels(Store& store, DbSession& session, int limit);
  static void forgetOrphanChannels(Store& store, DbSession& tx, const std::vector<std::int64_t>& channelIds);
};

}  // namespace mmm::meetups
