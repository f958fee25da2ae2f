#include "event_repository.hpp"

#include <mmm/time.hpp>

using namespace Poco::Data::Keywords;

namespace mmm::meetups {
namespace {

// memberCount and joined are counted by the database from the members' primary key, so
// they are exact however many joins race.
constexpr const char* kSelect =
    "SELECT e.id, e.title, e.starts_at, e.location, e.description, e.creator_id, COALESCE(e.channel_id, 0),"
    " (SELECT COUNT(*) FROM event_members m WHERE m.event_id = e.id),"
    " (SELECT COUNT(*) FROM event_members j WHERE j.event_id = e.id AND j.user_id = ?)"
    " FROM events e ";

std::vector<Event> select(Store& store, DbSession& session, const std::string& sql,
                          std::initializer_list<SqlValue> params) {
  std::vector<Event> events;
  store.query(session, sql, params, [&](const SqlRow& r) {
    events.push_back({r.int64(0), r.text(1), r.int64(2), r.text(3), r.text(4), r.int64(5), r.int64(6), r.int64(7),
                      r.int64(8) > 0});
  });
  return events;
}

}  // namespace

std::vector<Migration> EventRepository::migrations() {
  return {{1,
           "events and members",
           {"CREATE TABLE events ("
            " id {{pk}},"
            " title VARCHAR(255) NOT NULL,"
            " starts_at BIGINT NOT NULL,"
            " location VARCHAR(255) NOT NULL,"
            " description VARCHAR(4000) NOT NULL,"
            " creator_id BIGINT NOT NULL,"
            " channel_id BIGINT NULL,"
            " created_at BIGINT NOT NULL"
            "){{table_options}}",
            // Listing is by date, soonest first, with the id as tie-breaker for stable pages.
            "CREATE INDEX events_starts_at ON events (starts_at, id)",
            "CREATE TABLE event_members ("
            " event_id BIGINT NOT NULL REFERENCES events (id) ON DELETE CASCADE,"
            " user_id BIGINT NOT NULL,"
            " joined_at BIGINT NOT NULL,"
            " PRIMARY KEY (event_id, user_id)"
            "){{table_options}}",
            "CREATE INDEX event_members_user ON event_members (user_id, event_id)"}}};
}

std::int64_t EventRepository::insert(DbSession& tx, const Sql& sql, const Event& event) {
  Event e = event;
  Poco::Int64 created = nowMillis();
  tx << "INSERT INTO events (title, starts_at, location, description, creator_id, created_at) VALUES (?, ?, ?, ?, ?, ?)",
      use(e.title), use(e.startsAt), use(e.location), use(e.description), use(e.creatorId), use(created), now;
  Poco::Int64 id = 0;
  tx << sql.lastInsertId(), into(id), now;
  return id;
}

std::optional<Event> EventRepository::find(Store& store, DbSession& session, std::int64_t id, std::int64_t viewer) {
  static const std::string sql = std::string(kSelect) + "WHERE e.id = ?";
  auto events = select(store, session, sql, {viewer, id});
  if (events.empty()) return std::nullopt;
  return events.front();
}

std::vector<Event> EventRepository::list(Store& store, DbSession& session, const EventQuery& query,
                                         std::int64_t viewer) {
  static const std::string range = std::string(kSelect) + "WHERE e.starts_at >= ? AND e.starts_at <= ?";
  static const std::string order = " ORDER BY e.starts_at, e.id LIMIT ? OFFSET ?";
  static const std::string all = range + order;
  static const std::string matching =
      range + " AND (e.title LIKE ? ESCAPE '!' OR e.description LIKE ? ESCAPE '!' OR e.location LIKE ? ESCAPE '!')" +
      order;
  const std::int64_t limit = query.limit, offset = query.offset;
  if (!query.text) return select(store, session, all, {viewer, query.from, query.to, limit, offset});
  const std::string pattern = likePattern(*query.text);
  return select(store, session, matching, {viewer, query.from, query.to, pattern, pattern, pattern, limit, offset});
}

std::vector<Event> EventRepository::joinedBy(Store& store, DbSession& session, std::int64_t viewer, const Page& page) {
  static const std::string sql = std::string(kSelect) +
                                 "JOIN event_members mine ON mine.event_id = e.id AND mine.user_id = ?"
                                 " ORDER BY e.starts_at, e.id LIMIT ? OFFSET ?";
  const std::int64_t limit = page.limit;
  return select(store, session, sql, {viewer, viewer, limit, page.offset});
}

void EventRepository::update(DbSession& tx, std::int64_t id, const EventFields& fields) {
  Poco::Int64 key = id;
  if (fields.title) {
    std::string value = *fields.title;
    tx << "UPDATE events SET title = ? WHERE id = ?", use(value), use(key), now;
  }
  if (fields.startsAt) {
    Poco::Int64 value = *fields.startsAt;
    tx << "UPDATE events SET starts_at = ? WHERE id = ?", use(value), use(key), now;
  }
  if (fields.location) {
    std::string value = *fields.location;
    tx << "UPDATE events SET location = ? WHERE id = ?", use(value), use(key), now;
  }
  if (fields.description) {
    std::string value = *fields.description;
    tx << "UPDATE events SET description = ? WHERE id = ?", use(value), use(key), now;
  }
}

void EventRepository::setChannel(DbSession& tx, std::int64_t id, std::int64_t channelId) {
  Poco::Int64 key = id, channel = channelId;
  tx << "UPDATE events SET channel_id = ? WHERE id = ?", use(channel), use(key), now;
}

bool EventRepository::replaceChannel(DbSession& tx, std::int64_t id, std::int64_t expected, std::int64_t channelId) {
  Poco::Int64 key = id, channel = channelId, old = expected;
  Poco::Data::Statement update(tx);
  update << "UPDATE events SET channel_id = ? WHERE id = ? AND COALESCE(channel_id, 0) = ?", use(channel), use(key),
      use(old);
  return update.execute() == 1;
}

void EventRepository::remove(DbSession& tx, std::int64_t id) {
  Poco::Int64 key = id;
  tx << "DELETE FROM event_members WHERE event_id = ?", use(key), now;
  tx << "DELETE FROM events WHERE id = ?", use(key), now;
}

bool EventRepository::addMember(DbSession& tx, const Sql& sql, std::int64_t eventId, std::int64_t userId) {
  Poco::Int64 event = eventId, user = userId, at = nowMillis();
  Poco::Data::Statement insert(tx);
  insert << sql.insertIgnore("event_members", {"event_id", "user_id", "joined_at"}), use(event), use(user), use(at);
  return insert.execute() == 1;
}

bool EventRepository::removeMember(DbSession& tx, std::int64_t eventId, std::int64_t userId) {
  Poco::Int64 event = eventId, user = userId;
  Poco::Data::Statement remove(tx);
  remove << "DELETE FROM event_members WHERE event_id = ? AND user_id = ?", use(event), use(user);
  return remove.execute() == 1;
}

std::vector<std::int64_t> EventRepository::members(DbSession& session, std::int64_t eventId) {
  Poco::Int64 event = eventId;
  std::vector<Poco::Int64> users;
  session << "SELECT user_id FROM event_members WHERE event_id = ? ORDER BY user_id", use(event), into(users), now;
  return {users.begin(), users.end()};
}

std::vector<std::int64_t> EventRepository::allIds(DbSession& session) {
  std::vector<Poco::Int64> ids;
  session << "SELECT id FROM events ORDER BY id", into(ids), now;
  return {ids.begin(), ids.end()};
}

}  // namespace mmm::meetups
