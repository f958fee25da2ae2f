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

// A MATCH finding this many events is walked in date order rather than by its matches.
constexpr std::int64_t kManyMatches = 2000;

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

std::vector<Migration> EventRepository::migrations(Dialect dialect) {
  std::vector<Migration> migrations{
      {1,
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
        "CREATE INDEX event_members_user ON event_members (user_id, event_id)"}},
      // Every existing event starts stale: the first start after this checks each once.
      {2,
       "event channels brought in step at start only where something changed",
       {"ALTER TABLE events ADD COLUMN channel_stale INTEGER NOT NULL DEFAULT 1",
        "CREATE INDEX events_channel_stale ON events (channel_stale, id)",
        "CREATE TABLE event_orphan_channels (channel_id BIGINT NOT NULL PRIMARY KEY){{table_options}}"}},
  };
  if (dialect == Dialect::SQLite) {
    // An external-content FTS5 table over the events' text, kept by triggers; '_' is a word
    // character as it is in InnoDB's parser.
    const std::string columns = "title, location, description";
    const std::string add = "INSERT INTO events_text (rowid, " + columns + ") VALUES (new.id, new.title, new.location, new.description);";
    const std::string drop = "INSERT INTO events_text (events_text, rowid, " + columns +
                             ") VALUES ('delete', old.id, old.title, old.location, old.description);";
    migrations.push_back(
        {3,
         "full-text search over title, location and description",
         {"CREATE VIRTUAL TABLE events_text USING fts5(" + columns +
              ", content='events', content_rowid='id', tokenize=\"unicode61 remove_diacritics 2 tokenchars '_'\")",
          "CREATE TRIGGER events_text_insert AFTER INSERT ON events BEGIN " + add + " END",
          "CREATE TRIGGER events_text_delete AFTER DELETE ON events BEGIN " + drop + " END",
          "CREATE TRIGGER events_text_update AFTER UPDATE OF " + columns + " ON events BEGIN " + drop + " " + add + " END",
          "INSERT INTO events_text (events_text) VALUES ('rebuild')"}});
  } else {
    // InnoDB keeps the index in step with the table by itself, and builds it for the rows
    // there are. Without stop words ("the", "who", "with" are words a musician searches for);
    // the setting is read when the index is made.
    migrations.push_back({3,
                          "full-text search over title, location and description",
                          {"SET SESSION innodb_ft_enable_stopword = 0",
                           "CREATE FULLTEXT INDEX events_text ON events (title, location, description)",
                           "SET SESSION innodb_ft_enable_stopword = DEFAULT"}});
  }
  return migrations;
}

FullTextLimits EventRepository::fullTextLimits(Store& store) {
  FullTextLimits limits;
  if (store.dialect() != Dialect::MySQL) return limits;
  store.read([&](DbSession& session) {
    store.query(session, "SELECT @@innodb_ft_min_token_size, @@innodb_ft_max_token_size", {}, [&](const SqlRow& r) {
      limits.minTokenChars = static_cast<int>(r.int64(0));
      limits.maxTokenChars = static_cast<int>(r.int64(1));
    });
  });
  return limits;
}

std::int64_t EventRepository::insert(DbSession& tx, const Sql& sql, const Event& event, bool channelStale) {
  Event e = event;
  Poco::Int64 created = nowMillis(), stale = channelStale ? 1 : 0;
  tx << "INSERT INTO events (title, starts_at, location, description, creator_id, created_at, channel_stale)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
      use(e.title), use(e.startsAt), use(e.location), use(e.description), use(e.creatorId), use(created), use(stale),
      now;
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
                                         std::int64_t viewer, const FullTextLimits& limits) {
  static const std::string range = std::string(kSelect) + "WHERE e.starts_at >= ? AND e.starts_at <= ?";
  static const std::string order = " ORDER BY e.starts_at, e.id LIMIT ? OFFSET ?";
  static const std::string all = range + order;
  const std::int64_t limit = query.limit, offset = query.offset;
  if (!query.text) return select(store, session, all, {viewer, query.from, query.to, limit, offset});
  const auto words = searchWords(*query.text);
  if (words.empty()) return {};
  if (store.dialect() == Dialect::SQLite) {
    // SQLite cannot tell how many rows a MATCH finds, so it always walks the matches and
    // sorts them: fine for a rare word, but a word in half the events costs all of those.
    // Count up to a bound first: past it, walk the events in date order instead (the unary
    // + keeps SQLite from driving by the matches' ids) and stop at the page's end.
    static const std::string probe =
        "SELECT COUNT(*) FROM (SELECT rowid FROM events_text WHERE events_text MATCH ? LIMIT " +
        std::to_string(kManyMatches) + ")";
    static const std::string byMatches =
        range + " AND e.id IN (SELECT rowid FROM events_text WHERE events_text MATCH ?)" + order;
    static const std::string byDate =
        range + " AND +e.id IN (SELECT rowid FROM events_text WHERE events_text MATCH ?)" + order;
    const auto match = fts5Match(words);
    std::int64_t matches = 0;
    store.query(session, probe, {match}, [&](const SqlRow& r) { matches = r.int64(0); });
    return select(store, session, matches < kManyMatches ? byMatches : byDate,
                  {viewer, query.from, query.to, match, limit, offset});
  }
  // MariaDB: the index for the words it holds, an expression for the others; three shapes.
  static const std::string indexed = " AND MATCH (e.title, e.location, e.description) AGAINST (? IN BOOLEAN MODE)";
  static const std::string starts = " AND CONCAT_WS(' ', e.title, e.location, e.description) REGEXP ?";
  static const std::string both = range + indexed + starts + order, indexOnly = range + indexed + order,
                           startsOnly = range + starts + order;
  const auto search = booleanSearch(words, limits.minTokenChars, limits.maxTokenChars);
  const std::string_view against = search.against, wordStarts = search.wordStarts;
  if (search.wordStarts.empty())
    return select(store, session, indexOnly, {viewer, query.from, query.to, against, limit, offset});
  if (search.against.empty())
    return select(store, session, startsOnly, {viewer, query.from, query.to, wordStarts, limit, offset});
  return select(store, session, both, {viewer, query.from, query.to, against, wordStarts, limit, offset});
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

void EventRepository::markChannelStale(DbSession& tx, std::int64_t id) {
  Poco::Int64 key = id;
  tx << "UPDATE events SET channel_stale = 1 WHERE id = ?", use(key), now;
}

std::vector<Event> EventRepository::staleChannels(Store& store, DbSession& tx, std::int64_t after, int limit) {
  // In MariaDB the rows stay locked until the commit: a node starting at the same time
  // waits, then finds them current. SQLite's BEGIN IMMEDIATE already holds the whole file.
  static const std::string select =
      "SELECT id, title, creator_id, COALESCE(channel_id, 0) FROM events WHERE channel_stale = 1 AND id > ?"
      " ORDER BY id LIMIT ?";
  static const std::string selectForUpdate = select + " FOR UPDATE";
  std::vector<Event> events;
  store.query(tx, store.dialect() == Dialect::MySQL ? selectForUpdate : select, {after, std::int64_t{limit}},
              [&](const SqlRow& r) {
                Event e;
                e.id = r.int64(0);
                e.title = r.text(1);
                e.creatorId = r.int64(2);
                e.channelId = r.int64(3);
                events.push_back(std::move(e));
              });
  return events;
}

std::map<std::int64_t, std::vector<std::int64_t>> EventRepository::membersOf(Store& store, DbSession& session,
                                                                             const std::vector<std::int64_t>& eventIds) {
  std::map<std::int64_t, std::vector<std::int64_t>> members;
  forEachInList(eventIds, [&](const std::string& marks, const std::vector<SqlValue>& ids) {
    store.query(session, "SELECT event_id, user_id FROM event_members WHERE event_id IN (" + marks + ") ORDER BY event_id, user_id",
                ids, [&](const SqlRow& r) { members[r.int64(0)].push_back(r.int64(1)); });
  });
  return members;
}

void EventRepository::markChannelsCurrent(Store& store, DbSession& tx, const std::vector<std::int64_t>& eventIds) {
  forEachInList(eventIds, [&](const std::string& marks, const std::vector<SqlValue>& ids) {
    store.query(tx, "UPDATE events SET channel_stale = 0 WHERE id IN (" + marks + ")", ids, [](const SqlRow&) {});
  });
}

void EventRepository::addOrphanChannel(DbSession& tx, const Sql& sql, std::int64_t channelId) {
  Poco::Int64 channel = channelId;
  tx << sql.insertIgnore("event_orphan_channels", {"channel_id"}), use(channel), now;
}

std::vector<std::int64_t> EventRepository::orphanChannels(Store& store, DbSession& session, int limit) {
  std::vector<std::int64_t> channels;
  store.query(session, "SELECT channel_id FROM event_orphan_channels ORDER BY channel_id LIMIT ?", {std::int64_t{limit}},
              [&](const SqlRow& r) { channels.push_back(r.int64(0)); });
  return channels;
}

void EventRepository::forgetOrphanChannels(Store& store, DbSession& tx, const std::vector<std::int64_t>& channelIds) {
  forEachInList(channelIds, [&](const std::string& marks, const std::vector<SqlValue>& ids) {
    store.query(tx, "DELETE FROM event_orphan_channels WHERE channel_id IN (" + marks + ")", ids, [](const SqlRow&) {});
  });
}

}  // namespace mmm::meetups
