#include "event_repository.hpp"

#include "calendar_feeds.hpp"
#include "series_repository.hpp"

#include <mmm/time.hpp>

#include <algorithm>
#include <iterator>
#include <list>

using namespace Poco::Data::Keywords;

namespace mmm::meetups {
namespace {

// The waitlist position of the member row named `me` (0 while going).
constexpr const char* kPosition =
    "CASE WHEN me.waiting = 1 THEN (SELECT COUNT(*) FROM event_members w WHERE w.event_id = me.event_id"
    " AND w.instrument = me.instrument AND w.waiting = 1 AND w.place_key <= me.place_key) ELSE 0 END";
// The columns every read gives, in this order (readEvent). The counts are kept on the
// event's row by every line-up change, under the event's lock, so they are exact however
// many joins race; the viewer's row comes from the join named `me`, and their waitlist
// position is counted under the line-up's index.
constexpr const char* kColumnNames[] = {  // by their index in readEvent
    "e.id",                      // 0
    "e.title",                   // 1
    "e.starts_at",               // 2
    "e.location",                // 3
    "e.description",             // 4
    "e.creator_id",              // 5
    "COALESCE(e.channel_id, 0)", // 6
    "e.going_count",             // 7
    "e.waitlist_count",          // 8
    "me.waiting",                // 9
    "me.instrument",             // 10
    kPosition,                   // 11
    "e.ends_at",                 // 12
    "e.lat",                     // 13
    "e.lon",                     // 14
    "e.online_url",              // 15
    "e.time_zone",               // 16
    "e.cancelled",               // 17
    "e.capacity",                // 18
    "e.series_id",               // 19
    "e.slot_count",              // 20
    "e.occurrence_index",        // 21
    "e.revision",                // 22
    "e.updated_at"               // 23
};
constexpr int kColumnCount = static_cast<int>(std::size(kColumnNames));  // a read's own columns come after
const std::string kColumnList = [] {
  std::string list = "SELECT ";
  for (const char* name : kColumnNames) list.append(name).append(", ");
  list.resize(list.size() - 2);  // the last ", "
  return list;
}();
const std::string kColumns = kColumnList + " FROM events e ";
// Every event, with the viewer's row when they are a member (the first ?: the viewer).
const std::string kSelect = kColumns + "LEFT JOIN event_members me ON me.event_id = e.id AND me.user_id = ? ";

// Adding a column rebuilds a MariaDB table with its FULLTEXT index, which then takes the
// server's stop words unless told otherwise again (as migration 3 did).
Migration keepingStopWordsOff(Dialect dialect, Migration migration) {
  if (dialect == Dialect::MySQL) {
    migration.statements.insert(migration.statements.begin(), "SET SESSION innodb_ft_enable_stopword = 0");
    migration.statements.push_back("SET SESSION innodb_ft_enable_stopword = DEFAULT");
  }
  return migration;
}

// A MATCH finding this many events is walked in date order rather than by its matches.
constexpr std::int64_t kManyMatches = 2000;
// forMe ranks at most this many of the soonest matching events.
constexpr std::int64_t kMaxRanked = 2000;

// Fills `e` (a new one, read in place rather than moved into the page).
void readEvent(const SqlRow& r, Event& e) {
  e.id = r.int64(0);
  e.title = r.text(1);
  e.startsAt = r.int64(2);
  e.location = r.text(3);
  e.description = r.text(4);
  e.creatorId = r.int64(5);
  e.channelId = r.int64(6);
  e.goingCount = r.int64(7);
  e.waitlistCount = r.int64(8);
  if (!r.isNull(9)) e.rsvp = Rsvp{r.int64(9) != 0, r.text(10), r.int64(11)};
  if (!r.isNull(12)) e.endsAt = r.int64(12);
  if (!r.isNull(13)) e.point = GeoPoint{r.real(13), r.real(14)};
  if (!r.isNull(15)) e.onlineUrl = r.text(15);
  e.timezone = r.text(16);
  e.cancelled = r.int64(17) != 0;
  if (!r.isNull(18)) e.capacity = static_cast<int>(r.int64(18));
  if (!r.isNull(19)) e.seriesId = r.int64(19);
  e.slots.resize(static_cast<std::size_t>(r.int64(20)));  // filled in by loadSlots
  if (!r.isNull(21)) e.occurrenceIndex = static_cast<int>(r.int64(21));
  e.revision = r.int64(22);
  e.updatedAt = r.int64(23);
}

// Fills in the slots of `events` (two queries for the whole page, none when no event of
// it has slots: readEvent sized each event's slots by its slot_count).
void loadSlots(Store& store, DbSession& session, std::vector<Event>& events) {
  std::map<std::int64_t, Event*> byId;
  std::vector<std::int64_t> ids;
  for (auto& e : events) {
    if (e.slots.empty()) continue;
    e.slots.clear();
    byId[e.id] = &e;
    ids.push_back(e.id);
  }
  std::vector<std::int64_t> withSlots;
  forEachInList(ids, [&](const std::string& marks, const std::vector<SqlValue>& values) {
    store.query(session, "SELECT event_id, instrument, places FROM event_slots WHERE event_id IN (" + marks +
                             ") ORDER BY event_id, ord",
                values, [&](const SqlRow& r) {
                  const auto id = r.int64(0);
                  if (withSlots.empty() || withSlots.back() != id) withSlots.push_back(id);
                  byId[id]->slots.push_back({r.text(1), static_cast<int>(r.int64(2)), {}, {}});
                });
  });
  forEachInList(withSlots, [&](const std::string& marks, const std::vector<SqlValue>& values) {
    store.query(session, "SELECT event_id, instrument, waiting, user_id FROM event_members WHERE event_id IN (" + marks +
                             ") AND instrument <> '' ORDER BY event_id, instrument, waiting, place_key",
                values, [&](const SqlRow& r) {
                  auto& slots = byId[r.int64(0)]->slots;
                  const auto instrument = r.text(1);
                  auto slot = std::find_if(slots.begin(), slots.end(),
                                           [&](const SlotView& s) { return s.instrument == instrument; });
                  if (slot == slots.end()) return;  // not a slot any more (cannot happen: a PATCH moves them)
                  (r.int64(2) ? slot->waitlist : slot->going).push_back(r.int64(3));
                });
  });
}

// `expected`: how many rows the page may have (its LIMIT), room made for them at once.
std::vector<Event> select(Store& store, DbSession& session, const std::string& sql, const std::vector<SqlValue>& params,
                          std::int64_t expected = 0) {
  std::vector<Event> events;
  events.reserve(static_cast<std::size_t>(std::clamp<std::int64_t>(expected, 0, 256)));
  store.query(session, sql, params, [&](const SqlRow& r) { readEvent(r, events.emplace_back()); });
  loadSlots(store, session, events);
  return events;
}

// A WHERE clause under construction, with the text its parameters point into.
// (Built for every list request: appended in place, no temporaries; a list allocates
// nothing until a text is bound.)
struct Where {
  std::string sql;
  std::vector<SqlValue> params;
  std::list<std::string> texts;  // stable addresses for the string_views in params

  Where() {
    sql.reserve(256);
    sql = "1 = 1";
    params.reserve(8);
  }
  // A copy's params would still point into the original's texts.
  Where(const Where&) = delete;
  Where& operator=(const Where&) = delete;
  void add(std::string_view condition) {
    sql += " AND ";
    sql += condition;
  }
  void bind(std::int64_t v) { params.emplace_back(v); }
  void bind(std::string text) { params.emplace_back(std::string_view(texts.emplace_back(std::move(text)))); }
};

// A place is free in a slot while fewer hold one than it has.
constexpr const char* kSlotHasRoom =
    "s.places > (SELECT COUNT(*) FROM event_members m WHERE m.event_id = e.id AND m.instrument = s.instrument"
    " AND m.waiting = 0)";

// The conditions of every list shape but the text search (added by addTextSearch).
void addFilters(Where& where, const EventQuery& query) {
  where.add("e.starts_at >= ? AND e.starts_at <= ?");
  where.bind(query.from);
  where.bind(query.to);
  if (!query.cancelledToo) where.add("e.cancelled = 0");
  if (query.instrument) {
    where.add(std::string("EXISTS (SELECT 1 FROM event_slots s WHERE s.event_id = e.id AND s.instrument = ?") +
              (query.openOnly ? std::string(" AND ") + kSlotHasRoom : "") + ")");
    where.bind(*query.instrument);
  } else if (query.openOnly) {
    where.add(std::string("(e.capacity IS NULL OR e.capacity > (SELECT COUNT(*) FROM event_members m WHERE m.event_id = "
                          "e.id AND m.instrument = '' AND m.waiting = 0) OR EXISTS (SELECT 1 FROM event_slots s WHERE "
                          "s.event_id = e.id AND ") +
              kSlotHasRoom + "))");
  }
  if (!query.slotsFor.empty()) {
    where.add("EXISTS (SELECT 1 FROM event_slots s WHERE s.event_id = e.id AND s.instrument IN (" +
              inListMarks(query.slotsFor.size()) + "))");
    std::vector<std::string> slugs = query.slotsFor;
    padInList(slugs);
    for (auto& slug : slugs) where.bind(std::move(slug));
  }
}

// The text search: false when q has no word (nothing matches).
bool addTextSearch(Store& store, DbSession& session, Where& where, const std::string& text,
                   const FullTextLimits& limits) {
  const auto words = searchWords(text);
  if (words.empty()) return false;
  if (store.dialect() == Dialect::SQLite) {
    // SQLite cannot tell how many rows a MATCH finds, so it always walks the matches and
    // sorts them: fine for a rare word, but a word in half the events costs all of those.
    // Count up to a bound first: past it, walk the events in date order instead (the unary
    // + keeps SQLite from driving by the matches' ids) and stop at the page's end.
    static const std::string probe =
        "SELECT COUNT(*) FROM (SELECT rowid FROM events_text WHERE events_text MATCH ? LIMIT " +
        std::to_string(kManyMatches) + ")";
    const auto match = fts5Match(words);
    std::int64_t matches = 0;
    store.query(session, probe, {match}, [&](const SqlRow& r) { matches = r.int64(0); });
    where.add(std::string(matches < kManyMatches ? "e.id" : "+e.id") +
              " IN (SELECT rowid FROM events_text WHERE events_text MATCH ?)");
    where.bind(match);
    return true;
  }
  // MariaDB: the index for the words it holds, an expression for the others.
  const auto search = booleanSearch(words, limits.minTokenChars, limits.maxTokenChars);
  if (!search.against.empty()) {
    where.add("MATCH (e.title, e.location, e.description) AGAINST (? IN BOOLEAN MODE)");
    where.bind(search.against);
  }
  if (!search.wordStarts.empty()) {
    where.add("CONCAT_WS(' ', e.title, e.location, e.description) REGEXP ?");
    where.bind(search.wordStarts);
  }
  return true;
}

// An event found by a ranked search, before it is read in full.
struct Candidate {
  std::int64_t id = 0, startsAt = 0;
  std::optional<double> km;  // exact; nullopt: no coordinates (or no point to measure from)
  bool room = false;
};

// The page [offset, offset + limit) of `candidates` once sorted by `before`, read in full
// with their distances.
template <class Before>
std::vector<Event> rankedPage(Store& store, DbSession& session, std::vector<Candidate>& candidates, const Page& page,
                              std::int64_t viewer, Before before) {
  const auto begin = static_cast<std::size_t>(std::min<std::int64_t>(page.offset, candidates.size()));
  const auto end = std::min(candidates.size(), begin + static_cast<std::size_t>(page.limit));
  std::partial_sort(candidates.begin(), candidates.begin() + end, candidates.end(), before);
  std::vector<std::int64_t> ids;
  for (auto i = begin; i < end; ++i) ids.push_back(candidates[i].id);
  std::map<std::int64_t, std::optional<double>> km;
  for (auto i = begin; i < end; ++i) km[candidates[i].id] = candidates[i].km;
  auto events = EventRepository::findMany(store, session, ids, viewer);
  for (auto& e : events) e.distanceKm = km[e.id];
  return events;
}

}  // namespace

std::optional<int> Event::placesOf(const std::string& instrument) const {
  if (instrument.empty()) return capacity;
  for (const auto& s : slots)
    if (s.instrument == instrument) return s.count;
  return 0;
}

bool Event::hasSlot(const std::string& instrument) const {
  return std::any_of(slots.begin(), slots.end(), [&](const SlotView& s) { return s.instrument == instrument; });
}

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
  // Line-ups (API.md Part 2): the event's details, its slots, and each member's place.
  // Existing members keep their join order as their place's key; the event's counter of
  // keys starts past them.
  Migration lineups{
      4,
      "line-ups: slots, capacity, waitlists, venue details, cancelling",
      {"ALTER TABLE events ADD COLUMN ends_at BIGINT NULL",
       "ALTER TABLE events ADD COLUMN lat DOUBLE NULL",
       "ALTER TABLE events ADD COLUMN lon DOUBLE NULL",
       // The coordinates in hundredths of a degree, for the bounding box of a radius search.
       "ALTER TABLE events ADD COLUMN lat_e2 INTEGER NULL",
       "ALTER TABLE events ADD COLUMN lon_e2 INTEGER NULL",
       "ALTER TABLE events ADD COLUMN online_url VARCHAR(500) NULL",
       "ALTER TABLE events ADD COLUMN time_zone VARCHAR(64) NOT NULL DEFAULT 'UTC'",
       "ALTER TABLE events ADD COLUMN cancelled INTEGER NOT NULL DEFAULT 0",
       "ALTER TABLE events ADD COLUMN capacity INTEGER NULL",
       "ALTER TABLE events ADD COLUMN series_id BIGINT NULL",
       "ALTER TABLE events ADD COLUMN lineup_seq BIGINT NOT NULL DEFAULT 0",
       "CREATE INDEX events_place ON events (lat_e2, lon_e2)",
       "CREATE TABLE event_slots ("
       " event_id BIGINT NOT NULL REFERENCES events (id) ON DELETE CASCADE,"
       " instrument VARCHAR(40) NOT NULL,"
       " places INTEGER NOT NULL,"
       " ord INTEGER NOT NULL,"
       " PRIMARY KEY (event_id, instrument)"
       "){{table_options}}",
       "CREATE INDEX event_slots_instrument ON event_slots (instrument, event_id)",
       "ALTER TABLE event_members ADD COLUMN waiting INTEGER NOT NULL DEFAULT 0",
       "ALTER TABLE event_members ADD COLUMN instrument VARCHAR(40) NOT NULL DEFAULT ''",
       "ALTER TABLE event_members ADD COLUMN place_key BIGINT NOT NULL DEFAULT 0",
       "UPDATE event_members SET place_key = joined_at",
       "UPDATE events SET lineup_seq = COALESCE((SELECT MAX(m.joined_at) FROM event_members m WHERE m.event_id = events.id), 0)",
       // A pool's places and waitlist in order, its counts, and a waiter's position.
       "CREATE INDEX event_members_lineup ON event_members (event_id, instrument, waiting, place_key)"}};
  migrations.push_back(keepingStopWordsOff(dialect, std::move(lineups)));
  // What every read shows, kept on the event's row rather than counted per read (a page of
  // events cost a fifth more with the counts as subqueries).
  migrations.push_back(keepingStopWordsOff(
      dialect,
      {5,
       "line-up counts and the number of slots kept on the event",
       {"ALTER TABLE events ADD COLUMN going_count BIGINT NOT NULL DEFAULT 0",
        "ALTER TABLE events ADD COLUMN waitlist_count BIGINT NOT NULL DEFAULT 0",
        "ALTER TABLE events ADD COLUMN slot_count INTEGER NOT NULL DEFAULT 0",
        "UPDATE events SET"
        " going_count = (SELECT COUNT(*) FROM event_members m WHERE m.event_id = events.id AND m.waiting = 0),"
        " waitlist_count = (SELECT COUNT(*) FROM event_members m WHERE m.event_id = events.id AND m.waiting = 1),"
        " slot_count = (SELECT COUNT(*) FROM event_slots s WHERE s.event_id = events.id)"}}));
  // Series and calendars (API.md Part 2): recurring events and their regulars, what an
  // iCalendar SEQUENCE and DTSTAMP need, and the private feeds' tokens.
  Migration series{6, "series, event revisions, calendar feeds", SeriesRepository::schema()};
  for (const char* statement : {"ALTER TABLE events ADD COLUMN revision INTEGER NOT NULL DEFAULT 0",
                                "ALTER TABLE events ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0",
                                "UPDATE events SET updated_at = created_at"})
    series.statements.emplace_back(statement);
  for (auto& statement : CalendarFeeds::schema()) series.statements.push_back(std::move(statement));
  migrations.push_back(keepingStopWordsOff(dialect, std::move(series)));
  migrations.push_back({7, "series: the next occurrence to make", SeriesRepository::schemaNextStart()});
  // What the private calendar feed shows per RSVP (TENTATIVE with a waitlist position, or
  // CONFIRMED) changes with the line-up, not with the event: its DTSTAMP and SEQUENCE follow.
  migrations.push_back(keepingStopWordsOff(
      dialect, {8,
                "the private feed's DTSTAMP and SEQUENCE follow the line-up",
                {"ALTER TABLE events ADD COLUMN lineup_changes INTEGER NOT NULL DEFAULT 0",
                 "ALTER TABLE events ADD COLUMN lineup_changed_at BIGINT NOT NULL DEFAULT 0",
                 "ALTER TABLE event_members ADD COLUMN rsvp_revision INTEGER NOT NULL DEFAULT 0"}}));
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


std::int64_t EventRepository::insert(Store& store, DbSession& tx, std::int64_t creatorId, const EventFields& fields,
                                     bool channelStale) {
  std::string title = *fields.title, location = *fields.location, description = fields.description.value_or("");
  Poco::Int64 startsAt = *fields.startsAt, creator = creatorId, created = nowMillis(), stale = channelStale ? 1 : 0;
  tx << "INSERT INTO events (title, starts_at, location, description, creator_id, created_at, updated_at,"
        " channel_stale) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      use(title), use(startsAt), use(location), use(description), use(creator), use(created), use(created), use(stale),
      now;
  const auto id = store.lastInsertId(tx);
  EventFields details;  // the columns with defaults or NULLs: set where given
  details.endsAt = fields.endsAt;
  details.point = fields.point;
  details.onlineUrl = fields.onlineUrl;
  details.timezone = fields.timezone;
  details.capacity = fields.capacity;
  update(tx, id, details);
  if (fields.slots) replaceSlots(store, tx, id, *fields.slots);
  return id;
}

std::optional<Event> EventRepository::find(Store& store, DbSession& session, std::int64_t id, std::int64_t viewer) {
  static const std::string sql = kSelect + "WHERE e.id = ?";
  auto events = select(store, session, sql, {viewer, id});
  if (events.empty()) return std::nullopt;
  return std::move(events.front());
}

std::vector<Event> EventRepository::findMany(Store& store, DbSession& session, const std::vector<std::int64_t>& ids,
                                             std::int64_t viewer) {
  std::vector<Event> found;
  forEachInList(ids, [&](const std::string& marks, const std::vector<SqlValue>& values) {
    std::vector<SqlValue> params{viewer};
    params.insert(params.end(), values.begin(), values.end());
    auto events = select(store, session, kSelect + "WHERE e.id IN (" + marks + ")", params);
    std::move(events.begin(), events.end(), std::back_inserter(found));
  });
  std::map<std::int64_t, std::size_t> order;
  for (std::size_t i = 0; i < ids.size(); ++i) order.emplace(ids[i], i);
  std::sort(found.begin(), found.end(), [&](const Event& a, const Event& b) { return order[a.id] < order[b.id]; });
  return found;
}

std::vector<Event> EventRepository::list(Store& store, DbSession& session, const EventQuery& query,
                                         std::int64_t viewer, const FullTextLimits& limits) {
  Where where;
  addFilters(where, query);
  if (query.text && !addTextSearch(store, session, where, *query.text, limits)) return {};
  const Page page{query.limit, query.offset};

  if (query.near) {
    // A bounding box on the indexed, rounded coordinates, then the exact distance.
    const auto& near = *query.near;
    const auto box = boundingBox(near.lat, near.lon, near.radiusKm);
    where.add("e.lat_e2 BETWEEN ? AND ?");
    where.bind(std::int64_t{box.lat.min});
    where.bind(std::int64_t{box.lat.max});
    if (!box.allLongitudes()) {
      where.add(box.lon.size() == 1 ? "e.lon_e2 BETWEEN ? AND ?"
                                    : "(e.lon_e2 BETWEEN ? AND ? OR e.lon_e2 BETWEEN ? AND ?)");
      for (const auto& range : box.lon) {
        where.bind(std::int64_t{range.min});
        where.bind(std::int64_t{range.max});
      }
    }
    std::vector<Candidate> inside;
    store.query(session, "SELECT e.id, e.starts_at, e.lat, e.lon FROM events e WHERE " + where.sql, where.params,
                [&](const SqlRow& r) {
                  const double km = distanceKm(near.lat, near.lon, r.real(2), r.real(3));
                  if (km <= near.radiusKm) inside.push_back({r.int64(0), r.int64(1), km, false});
                });
    // Nearest first as reported (1 decimal), then soonest, then by id: stable across pages.
    return rankedPage(store, session, inside, page, viewer, [](const Candidate& a, const Candidate& b) {
      const double ka = roundKm(*a.km), kb = roundKm(*b.km);
      if (ka != kb) return ka < kb;
      return a.startsAt != b.startsAt ? a.startsAt < b.startsAt : a.id < b.id;
    });
  }

  if (query.forMe) {
    // The soonest events with a slot for one of the caller's instruments, ranked: a free
    // place in such a slot first, then nearest to the caller (those without coordinates
    // after), then soonest.
    std::vector<SqlValue> params;
    std::vector<std::string> slugs = query.slotsFor;
    padInList(slugs);
    for (const auto& slug : slugs) params.emplace_back(std::string_view(slug));
    params.insert(params.end(), where.params.begin(), where.params.end());
    params.emplace_back(kMaxRanked);
    const std::string sql =
        "SELECT e.id, e.starts_at, e.lat, e.lon, e.lat IS NULL, EXISTS (SELECT 1 FROM event_slots s WHERE s.event_id ="
        " e.id AND s.instrument IN (" + inListMarks(slugs.size()) + ") AND " + kSlotHasRoom + ") FROM events e WHERE " +
        where.sql + " ORDER BY e.starts_at, e.id LIMIT ?";
    std::vector<Candidate> ranked;
    store.query(session, sql, params, [&](const SqlRow& r) {
      Candidate c{r.int64(0), r.int64(1), std::nullopt, r.int64(5) != 0};
      if (query.forMeFrom && r.int64(4) == 0)
        c.km = distanceKm(query.forMeFrom->lat, query.forMeFrom->lon, r.real(2), r.real(3));
      ranked.push_back(c);
    });
    return rankedPage(store, session, ranked, page, viewer, [](const Candidate& a, const Candidate& b) {
      if (a.room != b.room) return a.room;
      if (a.km.has_value() != b.km.has_value()) return a.km.has_value();
      if (a.km && roundKm(*a.km) != roundKm(*b.km)) return roundKm(*a.km) < roundKm(*b.km);
      return a.startsAt != b.startsAt ? a.startsAt < b.startsAt : a.id < b.id;
    });
  }

  std::vector<SqlValue> params;
  params.reserve(where.params.size() + 3);
  params.emplace_back(viewer);
  params.insert(params.end(), where.params.begin(), where.params.end());
  params.emplace_back(std::int64_t{query.limit});
  params.emplace_back(query.offset);
  static constexpr std::string_view kOrder = " ORDER BY e.starts_at, e.id LIMIT ? OFFSET ?";
  std::string sql;
  sql.reserve(kSelect.size() + 6 + where.sql.size() + kOrder.size());
  sql.append(kSelect).append("WHERE ").append(where.sql).append(kOrder);
  return select(store, session, sql, params, query.limit);
}

std::vector<Event> EventRepository::joinedBy(Store& store, DbSession& session, std::int64_t viewer, const Page& page) {
  static const std::string sql = kColumns +
                                 "JOIN event_members me ON me.event_id = e.id AND me.user_id = ?"
                                 " ORDER BY e.starts_at, e.id LIMIT ? OFFSET ?";
  return select(store, session, sql, {viewer, std::int64_t{page.limit}, page.offset}, page.limit);
}

std::vector<FeedEntry> EventRepository::joinedSince(Store& store, DbSession& session, std::int64_t viewer,
                                                   std::int64_t from, int limit) {
  static const std::string sql = kColumnList +
                                 ", me.rsvp_revision, e.lineup_changed_at FROM events e"
                                 " JOIN event_members me ON me.event_id = e.id AND me.user_id = ?"
                                 " WHERE e.starts_at >= ? ORDER BY e.starts_at, e.id LIMIT ?";
  std::vector<FeedEntry> entries;
  std::vector<Event> events;
  store.query(session, sql, {viewer, from, std::int64_t{limit}}, [&](const SqlRow& r) {
    readEvent(r, events.emplace_back());
    entries.push_back({Event{}, r.int64(kColumnCount), r.int64(kColumnCount + 1)});
  });
  loadSlots(store, session, events);
  for (std::size_t i = 0; i < events.size(); ++i) entries[i].event = std::move(events[i]);
  return entries;
}

void EventRepository::update(DbSession& tx, std::int64_t id, const EventFields& fields) {
  Poco::Int64 key = id;
  const auto set = [&](const char* column, auto value) {
    tx << std::string("UPDATE events SET ") + column + " = ? WHERE id = ?", use(value), use(key), now;
  };
  const auto clear = [&](const std::string& columns) {
    tx << "UPDATE events SET " + columns + " WHERE id = ?", use(key), now;
  };
  if (fields.title) set("title", *fields.title);
  if (fields.startsAt) set("starts_at", Poco::Int64{*fields.startsAt});
  if (fields.location) set("location", *fields.location);
  if (fields.description) set("description", *fields.description);
  if (fields.endsAt) *fields.endsAt ? set("ends_at", Poco::Int64{**fields.endsAt}) : clear("ends_at = NULL");
  if (fields.point) {
    if (*fields.point) {
      double lat = (*fields.point)->lat, lon = (*fields.point)->lon;
      Poco::Int64 latE2 = toHundredths(lat), lonE2 = toHundredths(lon);
      tx << "UPDATE events SET lat = ?, lon = ?, lat_e2 = ?, lon_e2 = ? WHERE id = ?", use(lat), use(lon), use(latE2),
          use(lonE2), use(key), now;
    } else {
      clear("lat = NULL, lon = NULL, lat_e2 = NULL, lon_e2 = NULL");
    }
  }
  if (fields.onlineUrl) *fields.onlineUrl ? set("online_url", **fields.onlineUrl) : clear("online_url = NULL");
  if (fields.timezone) set("time_zone", *fields.timezone);
  if (fields.capacity) *fields.capacity ? set("capacity", Poco::Int64{**fields.capacity}) : clear("capacity = NULL");
}

void EventRepository::touch(Store& store, DbSession& tx, std::int64_t id) {
  store.query(tx, "UPDATE events SET revision = revision + 1, updated_at = ? WHERE id = ?", {nowMillis(), id},
              [](const SqlRow&) {});
}

void EventRepository::setOccurrence(Store& store, DbSession& tx, std::int64_t id, std::int64_t seriesId, int index,
                                    std::int64_t channelId) {
  store.query(tx, "UPDATE events SET series_id = ?, occurrence_index = ? WHERE id = ?", {seriesId, std::int64_t{index}, id},
              [](const SqlRow&) {});
  if (channelId) setChannel(tx, id, channelId);
}

void EventRepository::replaceSlots(Store& store, DbSession& tx, std::int64_t id, const std::vector<SlotSpec>& slots) {
  store.query(tx, "DELETE FROM event_slots WHERE event_id = ?", {id}, [](const SqlRow&) {});
  std::int64_t ord = 0;
  for (const auto& slot : slots)
    store.query(tx, "INSERT INTO event_slots (event_id, instrument, places, ord) VALUES (?, ?, ?, ?)",
                {id, std::string_view(slot.instrument), std::int64_t{slot.count}, ord++}, [](const SqlRow&) {});
  store.query(tx, "UPDATE events SET slot_count = ? WHERE id = ?", {ord, id}, [](const SqlRow&) {});
}

void EventRepository::cancel(Store& store, DbSession& tx, std::int64_t id) {
  store.query(tx, "UPDATE events SET cancelled = 1 WHERE id = ?", {id}, [](const SqlRow&) {});
}

void EventRepository::setChannel(DbSession& tx, std::int64_t id, std::int64_t channelId) {
  Poco::Int64 key = id, channel = channelId;
  tx << "UPDATE events SET channel_id = ? WHERE id = ?", use(channel), use(key), now;
}

void EventRepository::remove(DbSession& tx, std::int64_t id) {
  Poco::Int64 key = id;
  tx << "DELETE FROM event_members WHERE event_id = ?", use(key), now;
  tx << "DELETE FROM event_slots WHERE event_id = ?", use(key), now;
  tx << "DELETE FROM events WHERE id = ?", use(key), now;
}

std::optional<std::int64_t> EventRepository::lockLineup(Store& store, DbSession& tx, std::int64_t id) {
  // The write takes the row's exclusive lock in MariaDB before anything reads the line-up
  // (SQLite's BEGIN IMMEDIATE already holds the whole file).
  if (store.query(tx, "UPDATE events SET lineup_seq = lineup_seq + 1 WHERE id = ?", {id}, [](const SqlRow&) {}) == 0)
    return std::nullopt;
  std::int64_t seq = 0;
  store.query(tx, "SELECT lineup_seq FROM events WHERE id = ?", {id}, [&](const SqlRow& r) { seq = r.int64(0); });
  return seq;
}

Pool EventRepository::loadPool(Store& store, DbSession& tx, std::int64_t id, const std::string& instrument,
                               std::optional<int> places) {
  Pool pool{instrument, places, {}, {}};
  store.query(tx,
              "SELECT user_id, waiting, place_key FROM event_members WHERE event_id = ? AND instrument = ?"
              " ORDER BY waiting, place_key",
              {id, std::string_view(instrument)},
              [&](const SqlRow& r) { (r.int64(1) ? pool.waiting : pool.going).push_back({r.int64(0), r.int64(2)}); });
  return pool;
}

std::map<std::int64_t, Rsvp> EventRepository::rsvpsOf(Store& store, DbSession& session, std::int64_t id,
                                                      const std::vector<std::int64_t>& userIds) {
  std::map<std::int64_t, Rsvp> rsvps;
  forEachInList(userIds, [&](const std::string& marks, const std::vector<SqlValue>& ids) {
    std::vector<SqlValue> params{id};
    params.insert(params.end(), ids.begin(), ids.end());
    store.query(session,
                std::string("SELECT me.user_id, me.waiting, me.instrument, ") + kPosition +
                    " FROM event_members me WHERE me.event_id = ? AND me.user_id IN (" + marks + ")",
                params, [&](const SqlRow& r) { rsvps[r.int64(0)] = Rsvp{r.int64(1) != 0, r.text(2), r.int64(3)}; });
  });
  return rsvps;
}

std::optional<MemberRow> EventRepository::membership(Store& store, DbSession& tx, std::int64_t id,
                                                     std::int64_t userId) {
  std::optional<MemberRow> row;
  store.query(tx, "SELECT instrument, waiting, place_key FROM event_members WHERE event_id = ? AND user_id = ?",
              {id, userId}, [&](const SqlRow& r) { row = MemberRow{r.text(0), r.int64(1) != 0, r.int64(2)}; });
  return row;
}

void EventRepository::saveLineup(Store& store, DbSession& tx, std::int64_t id, const Lineup& lineup) {
  const std::int64_t at = nowMillis();  // of the joins, and of the line-up's change
  const auto done = [](const SqlRow&) {};
  const auto changes = lineup.changes();
  // A change of the line-up is counted on the event, and each place it changes takes the
  // count: what the private feed shows of a place (its SEQUENCE) only goes up, even across
  // leaving and joining again. Its time is the feed's DTSTAMP (waitlist positions move too).
  if (!changes.empty())
    store.query(tx, "UPDATE events SET lineup_changes = lineup_changes + 1, lineup_changed_at = ? WHERE id = ?",
                {at, id}, done);
  for (const auto& change : changes) {
    if (!change.row) {
      store.query(tx, "DELETE FROM event_members WHERE event_id = ? AND user_id = ?", {id, change.userId}, done);
      continue;
    }
    const std::int64_t waiting = change.row->waiting ? 1 : 0;
    const std::string_view instrument = change.row->instrument;
    if (change.existed)
      store.query(tx,
                  "UPDATE event_members SET instrument = ?, waiting = ?, place_key = ?,"
                  " rsvp_revision = (SELECT lineup_changes FROM events WHERE id = ?)"
                  " WHERE event_id = ? AND user_id = ?",
                  {instrument, waiting, change.row->key, id, id, change.userId}, done);
    else
      store.query(tx,
                  "INSERT INTO event_members"
                  " (event_id, user_id, joined_at, instrument, waiting, place_key, rsvp_revision)"
                  " VALUES (?, ?, ?, ?, ?, ?, (SELECT lineup_changes FROM events WHERE id = ?))",
                  {id, change.userId, at, instrument, waiting, change.row->key, id}, done);
  }
  // The counts every read shows, recounted under the lock, and the keys handed out.
  store.query(tx,
              "UPDATE events SET going_count = (SELECT COUNT(*) FROM event_members m WHERE m.event_id = ? AND"
              " m.waiting = 0), waitlist_count = (SELECT COUNT(*) FROM event_members m WHERE m.event_id = ? AND"
              " m.waiting = 1), lineup_seq = CASE WHEN lineup_seq < ? THEN ? ELSE lineup_seq END WHERE id = ?",
              {id, id, lineup.lastKey(), lineup.lastKey(), id}, done);
}

void EventRepository::markChannelStale(DbSession& tx, std::int64_t id) {
  Poco::Int64 key = id;
  tx << "UPDATE events SET channel_stale = 1 WHERE id = ?", use(key), now;
}

void EventRepository::markSeriesChannelStale(Store& store, DbSession& tx, std::int64_t seriesId) {
  store.query(tx, "UPDATE events SET channel_stale = 1 WHERE series_id = ?", {seriesId}, [](const SqlRow&) {});
}

std::vector<Event> EventRepository::staleChannels(Store& store, DbSession& tx, std::int64_t after, int limit) {
  // In MariaDB the rows stay locked until the commit: a node starting at the same time
  // waits, then finds them current. SQLite's BEGIN IMMEDIATE already holds the whole file.
  static const std::string select =
      "SELECT id, title, creator_id, COALESCE(channel_id, 0), series_id FROM events WHERE channel_stale = 1 AND id > ?"
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
                if (!r.isNull(4)) e.seriesId = r.int64(4);
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
