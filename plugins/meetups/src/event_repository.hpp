// The meetups plugin's tables: events and their members.
#pragma once

#include "event_search.hpp"

#include <mmm/input.hpp>
#include <mmm/store.hpp>

#include <cstdint>
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

class EventRepository {
 public:
  static std::vector<Migration> migrations();

  // Each runs on the caller's session, inside the caller's transaction where it changes.
  static std::int64_t insert(DbSession& tx, const Sql& sql, const Event& event);
  // The reads run through Store::query (statements compiled once per connection).
  static std::optional<Event> find(Store& store, DbSession& session, std::int64_t id, std::int64_t viewer);
  static std::vector<Event> list(Store& store, DbSession& session, const EventQuery& query, std::int64_t viewer);
  static std::vector<Event> joinedBy(Store& store, DbSession& session, std::int64_t viewer, const Page& page);
  static void update(DbSession& tx, std::int64_t id, const EventFields& fields);
  static void setChannel(DbSession& tx, std::int64_t id, std::int64_t channelId);
  /// Sets the channel only if it is still `expected` (0: none); false when another node
  /// got there first.
  static bool replaceChannel(DbSession& tx, std::int64_t id, std::int64_t expected, std::int64_t channelId);
  static void remove(DbSession& tx, std::int64_t id);
  /// True when the user was not a member before.
  static bool addMember(DbSession& tx, const Sql& sql, std::int64_t eventId, std::int64_t userId);
  /// True when the user was a member.
  static bool removeMember(DbSession& tx, std::int64_t eventId, std::int64_t userId);
  static std::vector<std::int64_t> members(DbSession& session, std::int64_t eventId);
  static std::vector<std::int64_t> allIds(DbSession& session);
};

}  // namespace mmm::meetups
