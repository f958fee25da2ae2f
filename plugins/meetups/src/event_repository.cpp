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

std::vector<Event> read(Poco::Data::Statement& statement) {
  std::vector<Poco::Int64> ids, starts, creators, channels, counts, joined;
  std::vector<std::string> titles, locations, descriptions;
  statement, into(ids), into(titles), into(starts), into(locations), into(descriptions), into(creators),
      into(channels), into(counts), into(joined), now;
  std::vector<Event> events(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i)
    events[i] = {ids[i],     titles[i],   starts[i], locations[i], descriptions[i],
                 creators[i], channels[i], counts[i], joined[i] > 0};
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

std::optional<Event> EventRepository::find(DbSession& session, std::int64_t id, std::int64_t viewer) {
  Poco::Int64 v = viewer, key = id;
  Poco::Data::Statement select(session);
  select << kSelect << "WHERE e.id = ?", use(v), use(key);
  auto events = read(select);
  if (events.empty()) return std::nullopt;
  return events.front();
}

std::vector<Event> EventRepository::list(DbSession& session, const EventQuery& query, std::int64_t viewer) {
  Poco::Int64 v = viewer, from = query.from, to = query.to, limit = query.limit, offset = query.offset;
  std::string pattern = query.text ? likePattern(*query.text) : "";
  Poco::Data::Statement select(session);
  select << kSelect << "WHERE e.starts_at >= ? AND e.starts_at <= ?", use(v), use(from), use(to);
  if (query.text)
    select << " AND (e.title LIKE ? ESCAPE '!' OR e.description LIKE ? ESCAPE '!' OR e.location LIKE ? ESCAPE '!')",
        use(pattern), use(pattern), use(pattern);
  select << " ORDER BY e.starts_at, e.id LIMIT ? OFFSET ?", use(limit), use(offset);
  return read(select);
}

std::vector<Event> EventRepository::joinedBy(DbSession& session, std::int64_t viewer) {
  Poco::Int64 v = viewer, member = viewer;
  Poco::Data::Statement select(session);
  select << kSelect << "JOIN event_members mine ON mine.event_id = e.id AND mine.user_id = ? ORDER BY e.starts_at, e.id",
      use(v), use(member);
  return read(select);
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
