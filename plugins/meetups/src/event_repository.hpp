// The meetups plugin's tables: events and their members.
#pragma once

#include "event_search.hpp"

#include <mmm/input.hpp>
#include <mmm/store.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mmm::meetups {

struct Event {
  std::int64_t id = 0;
  std::string title;
  std::int64_t startsAt = 0;  // UTC milliseconds
  std::string location, description;
  std::int64_t creatorId = 0;
  std::int64_t channelId = 0;  // 0: none
  std::int64_t memberCount = 0;
  bool joined = false;  // by the viewer the event was read for
};

struct EventFields {
  std::optional<std::string> title, location, description;
  std::optional<std::int64_t> startsAt;
};

/// What MariaDB's FULLTEXT index holds: words of min to max characters (the server's
/// innodb_ft_min_token_size and innodb_ft_max_token_size). SQLite's FTS5 table holds all.
struct FullTextLimits {
  int minTokenChars = 1, maxTokenChars = 1 << 20;
};

class EventRepository {
 public:
  /// The schema: the same tables on both dialects; text search through an FTS5 table kept
  /// by triggers on SQLite, a FULLTEXT index on MariaDB.
  static std::vector<Migration> migrations(Dialect dialect);
  static FullTextLimits fullTextLimits(Store& store);

  // Each runs on the caller's session, inside the caller's transaction where it changes.
  /// `channelStale`: the event's channel is not known to match it (chat is off).
  static std::int64_t insert(DbSession& tx, const Sql& sql, const Event& event, bool channelStale);
  // The reads run through Store::query (statements compiled once per connection).
  static std::optional<Event> find(Store& store, DbSession& session, std::int64_t id, std::int64_t viewer);
  static std::vector<Event> list(Store& store, DbSession& session, const EventQuery& query, std::int64_t viewer,
                                 const FullTextLimits& limits);
  static std::vector<Event> joinedBy(Store& store, DbSession& session, std::int64_t viewer, const Page& page);
  static void update(DbSession& tx, std::int64_t id, const EventFields& fields);
  static void setChannel(DbSession& tx, std::int64_t id, std::int64_t channelId);
  static void remove(DbSession& tx, std::int64_t id);
  /// True when the user was not a member before.
  static bool addMember(DbSession& tx, const Sql& sql, std::int64_t eventId, std::int64_t userId);
  /// True when the user was a member.
  static bool removeMember(DbSession& tx, std::int64_t eventId, std::int64_t userId);

  // Keeping event channels in step with events changed while the chat plugin was off:
  // such an event is marked stale, and the next start with chat on brings its channel in
  // line (EventsApi::reconcileChannels) and clears the mark.
  static void markChannelStale(DbSession& tx, std::int64_t id);
  /// Up to `limit` stale events with ids above `after`, in id order (id, title, creator,
  /// channel only), locked against another node doing the same (MariaDB).
  static std::vector<Event> staleChannels(Store& store, DbSession& tx, std::int64_t after, int limit);
  /// The members of each of `eventIds` (at most a few hundred), sorted.
  static std::map<std::int64_t, std::vector<std::int64_t>> membersOf(Store& store, DbSession& session,
                                                                     const std::vector<std::int64_t>& eventIds);
  static void markChannelsCurrent(Store& store, DbSession& tx, const std::vector<std::int64_t>& eventIds);
  /// A channel whose event was deleted while chat was off, for the next start to delete.
  static void addOrphanChannel(DbSession& tx, const Sql& sql, std::int64_t channelId);
  static std::vector<std::int64_t> orphanChannels(Store& store, DbSession& session, int limit);
  static void forgetOrphanChannels(Store& store, DbSession& tx, const std::vector<std::int64_t>& channelIds);
};

}  // namespace mmm::meetups
