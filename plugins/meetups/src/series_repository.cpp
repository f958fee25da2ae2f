#include "series_repository.hpp"

#include <mmm/time.hpp>

#include <cstdio>

using namespace Poco::Data::Keywords;

namespace mmm::meetups {
namespace {

const auto ignore = [](const SqlRow&) {};

LocalDate parseDate(const std::string& text) {
  LocalDate d;
  if (std::sscanf(text.c_str(), "%d-%d-%d", &d.year, &d.month, &d.day) != 3)
    throw std::runtime_error("series: a stored first date is not YYYY-MM-DD: " + text);
  return d;
}

const std::string kSeriesColumns =
    "SELECT id, creator_id, COALESCE(channel_id, 0), recurrence, time_zone, first_date, day_seconds, title, location,"
    " description, duration_ms, lat, lon, online_url, capacity, cancelled, ended, made_count, made_until"
    " FROM series WHERE id = ?";

std::optional<Series> read(Store& store, DbSession& session, std::int64_t id) {
  std::optional<Series> found;
  store.query(session, kSeriesColumns, {id}, [&](const SqlRow& r) {
    Series s;
    s.id = r.int64(0);
    s.creatorId = r.int64(1);
    s.channelId = r.int64(2);
    s.recurrence = r.text(3);
    s.anchor = SeriesAnchor{r.text(4), parseDate(r.text(5)), static_cast<int>(r.int64(6))};
    s.model.title = r.text(7);
    s.model.location = r.text(8);
    s.model.description = r.text(9);
    if (!r.isNull(10)) s.durationMs = r.int64(10);
    s.model.point = r.isNull(11) ? std::optional<GeoPoint>() : GeoPoint{r.real(11), r.real(12)};
    s.model.onlineUrl = r.isNull(13) ? std::optional<std::string>() : r.text(13);
    s.model.capacity = r.isNull(14) ? std::optional<int>() : static_cast<int>(r.int64(14));
    s.cancelled = r.int64(15) != 0;
    s.ended = r.int64(16) != 0;
    s.madeCount = static_cast<int>(r.int64(17));
    s.madeUntil = r.int64(18);
    found = std::move(s);
  });
  if (!found) return found;
  std::vector<SlotSpec> slots;
  store.query(session, "SELECT instrument, places FROM series_slots WHERE series_id = ? ORDER BY ord", {id},
              [&](const SqlRow& r) { slots.push_back({r.text(0), static_cast<int>(r.int64(1))}); });
  found->model.slots = std::move(slots);
  return found;
}

void replaceSlots(Store& store, DbSession& tx, std::int64_t id, const std::vector<SlotSpec>& slots) {
  store.query(tx, "DELETE FROM series_slots WHERE series_id = ?", {id}, ignore);
  std::int64_t ord = 0;
  for (const auto& slot : slots)
    store.query(tx, "INSERT INTO series_slots (series_id, instrument, places, ord) VALUES (?, ?, ?, ?)",
                {id, std::string_view(slot.instrument), std::int64_t{slot.count}, ord++}, ignore);
}

}  // namespace

std::vector<std::string> SeriesRepository::schema() {
  return {
      "CREATE TABLE series ("
      " id {{pk}},"
      " creator_id BIGINT NOT NULL,"
      " recurrence VARCHAR(200) NOT NULL,"
      " time_zone VARCHAR(64) NOT NULL,"
      // The local date of the first occurrence (the rule counts from it) and the local time
      // of day every occurrence starts at.
      " first_date VARCHAR(10) NOT NULL,"
      " day_seconds INTEGER NOT NULL,"
      // What a new occurrence is made from.
      " title VARCHAR(255) NOT NULL,"
      " location VARCHAR(255) NOT NULL,"
      " description VARCHAR(4000) NOT NULL,"
      " duration_ms BIGINT NULL,"
      " lat DOUBLE NULL,"
      " lon DOUBLE NULL,"
      " online_url VARCHAR(500) NULL,"
      " capacity INTEGER NULL,"
      " channel_id BIGINT NULL,"
      " cancelled INTEGER NOT NULL DEFAULT 0,"
      // How far occurrences are made: the next index, the horizon, and whether any is left.
      " made_count INTEGER NOT NULL DEFAULT 0,"
      " made_until BIGINT NOT NULL DEFAULT 0,"
      " ended INTEGER NOT NULL DEFAULT 0,"
      " lock_seq BIGINT NOT NULL DEFAULT 0,"
      " created_at BIGINT NOT NULL"
      "){{table_options}}",
      "CREATE INDEX series_due ON series (ended, made_until, id)",
      "CREATE TABLE series_slots ("
      " series_id BIGINT NOT NULL REFERENCES series (id) ON DELETE CASCADE,"
      " instrument VARCHAR(40) NOT NULL,"
      " places INTEGER NOT NULL,"
      " ord INTEGER NOT NULL,"
      " PRIMARY KEY (series_id, instrument)"
      "){{table_options}}",
      "CREATE TABLE series_regulars ("
      " series_id BIGINT NOT NULL REFERENCES series (id) ON DELETE CASCADE,"
      " user_id BIGINT NOT NULL,"
      " instrument VARCHAR(40) NOT NULL DEFAULT '',"
      " joined_at BIGINT NOT NULL,"
      " PRIMARY KEY (series_id, user_id)"
      "){{table_options}}",
      "CREATE INDEX series_regulars_user ON series_regulars (user_id, series_id)",
      // An occurrence is made once, however many nodes try: (series, index) is unique.
      "ALTER TABLE events ADD COLUMN occurrence_index INTEGER NULL",
      "CREATE UNIQUE INDEX events_occurrence ON events (series_id, occurrence_index)",
  };
}

std::vector<std::string> SeriesRepository::schemaNextStart() {
  // Until the next run corrects it, a series made before is due once.
  return {"ALTER TABLE series ADD COLUMN next_start BIGINT NULL",
          "UPDATE series SET next_start = made_until + 1 WHERE ended = 0",
          "CREATE INDEX series_next ON series (next_start, id)"};
}

std::int64_t SeriesRepository::insert(Store& store, DbSession& tx, std::int64_t creatorId,
                                      const std::string& recurrence, const SeriesAnchor& anchor,
                                      const EventFields& model) {
  std::string rule = recurrence, zone = anchor.timezone, firstDate = formatDate(anchor.firstDate),
              title = *model.title, location = *model.location, description = model.description.value_or("");
  Poco::Int64 creator = creatorId, seconds = anchor.secondsOfDay, created = nowMillis();
  tx << "INSERT INTO series (creator_id, recurrence, time_zone, first_date, day_seconds, title, location, description,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      use(creator), use(rule), use(zone), use(firstDate), use(seconds), use(title), use(location), use(description),
      use(created), now;
  const auto id = store.lastInsertId(tx);
  EventFields details;  // the nullable columns, where given
  details.point = model.point;
  details.onlineUrl = model.onlineUrl;
  details.capacity = model.capacity;
  details.slots = model.slots;
  std::optional<std::optional<std::int64_t>> duration;
  if (model.endsAt && *model.endsAt) duration = **model.endsAt - *model.startsAt;
  updateModel(store, tx, id, details, duration, std::nullopt);
  return id;
}

std::optional<Series> SeriesRepository::find(Store& store, DbSession& session, std::int64_t id) {
  return read(store, session, id);
}

std::optional<Series> SeriesRepository::lock(Store& store, DbSession& tx, std::int64_t id, bool occurrencesToo) {
  // The writes take the rows' locks in MariaDB (SQLite's BEGIN IMMEDIATE holds the file).
  if (store.query(tx, "UPDATE series SET lock_seq = lock_seq + 1 WHERE id = ?", {id}, ignore) == 0) return std::nullopt;
  if (occurrencesToo)
    store.query(tx, "UPDATE events SET lineup_seq = lineup_seq + 1 WHERE series_id = ?", {id}, ignore);
  return read(store, tx, id);
}

void SeriesRepository::lockRow(Store& store, DbSession& tx, std::int64_t id) {
  store.query(tx, "UPDATE series SET lock_seq = lock_seq + 1 WHERE id = ?", {id}, ignore);
}

void SeriesRepository::setMade(Store& store, DbSession& tx, std::int64_t id, int madeCount, std::int64_t madeUntil,
                               std::optional<std::int64_t> nextStart) {
  store.query(tx, "UPDATE series SET made_count = ?, made_until = ?, ended = ? WHERE id = ?",
              {std::int64_t{madeCount}, madeUntil, std::int64_t{nextStart ? 0 : 1}, id}, ignore);
  if (nextStart)
    store.query(tx, "UPDATE series SET next_start = ? WHERE id = ?", {*nextStart, id}, ignore);
  else
    store.query(tx, "UPDATE series SET next_start = NULL WHERE id = ?", {id}, ignore);
}

std::optional<std::int64_t> SeriesRepository::seriesOf(Store& store, DbSession& session, std::int64_t eventId) {
  std::optional<std::int64_t> series;
  store.query(session, "SELECT series_id FROM events WHERE id = ?", {eventId}, [&](const SqlRow& r) {
    if (!r.isNull(0)) series = r.int64(0);
  });
  return series;
}

void SeriesRepository::setChannel(Store& store, DbSession& tx, std::int64_t id, std::int64_t channelId) {
  store.query(tx, "UPDATE series SET channel_id = ? WHERE id = ?", {channelId, id}, ignore);
  store.query(tx, "UPDATE events SET channel_id = ? WHERE series_id = ?", {channelId, id}, ignore);
}

void SeriesRepository::cancel(Store& store, DbSession& tx, std::int64_t id) {
  store.query(tx, "UPDATE series SET cancelled = 1, ended = 1, next_start = NULL WHERE id = ?", {id}, ignore);
}

void SeriesRepository::updateModel(Store& store, DbSession& tx, std::int64_t id, const EventFields& changes,
                                   const std::optional<std::optional<std::int64_t>>& durationMs,
                                   const std::optional<SeriesAnchor>& anchor) {
  Poco::Int64 key = id;
  const auto set = [&](const char* column, auto value) {
    tx << std::string("UPDATE series SET ") + column + " = ? WHERE id = ?", use(value), use(key), now;
  };
  const auto clear = [&](const std::string& columns) {
    tx << "UPDATE series SET " + columns + " WHERE id = ?", use(key), now;
  };
  if (changes.title) set("title", *changes.title);
  if (changes.location) set("location", *changes.location);
  if (changes.description) set("description", *changes.description);
  if (changes.point) {
    if (*changes.point) {
      double lat = (*changes.point)->lat, lon = (*changes.point)->lon;
      tx << "UPDATE series SET lat = ?, lon = ? WHERE id = ?", use(lat), use(lon), use(key), now;
    } else {
      clear("lat = NULL, lon = NULL");
    }
  }
  if (changes.onlineUrl) *changes.onlineUrl ? set("online_url", **changes.onlineUrl) : clear("online_url = NULL");
  if (changes.capacity) *changes.capacity ? set("capacity", Poco::Int64{**changes.capacity}) : clear("capacity = NULL");
  if (changes.slots) replaceSlots(store, tx, id, *changes.slots);
  if (durationMs) *durationMs ? set("duration_ms", Poco::Int64{**durationMs}) : clear("duration_ms = NULL");
  if (anchor) {
    set("time_zone", anchor->timezone);
    set("first_date", formatDate(anchor->firstDate));
    set("day_seconds", Poco::Int64{anchor->secondsOfDay});
  }
}

std::vector<Regular> SeriesRepository::regulars(Store& store, DbSession& session, std::int64_t id) {
  std::vector<Regular> regulars;
  store.query(session,
              "SELECT r.user_id, r.instrument FROM series_regulars r JOIN series s ON s.id = r.series_id"
              " WHERE r.series_id = ? ORDER BY CASE WHEN r.user_id = s.creator_id THEN 0 ELSE 1 END, r.joined_at,"
              " r.user_id",
              {id}, [&](const SqlRow& r) { regulars.push_back({r.int64(0), r.text(1)}); });
  return regulars;
}

std::optional<Regular> SeriesRepository::regular(Store& store, DbSession& session, std::int64_t id,
                                                 std::int64_t userId) {
  std::optional<Regular> found;
  store.query(session, "SELECT instrument FROM series_regulars WHERE series_id = ? AND user_id = ?", {id, userId},
              [&](const SqlRow& r) { found = Regular{userId, r.text(0)}; });
  return found;
}

void SeriesRepository::putRegular(Store& store, DbSession& tx, std::int64_t id, const Regular& regular) {
  const std::string_view instrument = regular.instrument;
  if (store.query(tx, "UPDATE series_regulars SET instrument = ? WHERE series_id = ? AND user_id = ?",
                  {instrument, id, regular.userId}, ignore) == 0)
    store.query(tx, "INSERT INTO series_regulars (series_id, user_id, instrument, joined_at) VALUES (?, ?, ?, ?)",
                {id, regular.userId, instrument, nowMillis()}, ignore);
}

void SeriesRepository::removeRegular(Store& store, DbSession& tx, std::int64_t id, std::int64_t userId) {
  store.query(tx, "DELETE FROM series_regulars WHERE series_id = ? AND user_id = ?", {id, userId}, ignore);
}

std::vector<std::int64_t> SeriesRepository::due(Store& store, DbSession& session, std::int64_t until,
                                                std::int64_t after, int limit) {
  std::vector<std::int64_t> ids;
  store.query(session, "SELECT id FROM series WHERE next_start <= ? AND id > ? ORDER BY id LIMIT ?",
              {until, after, std::int64_t{limit}}, [&](const SqlRow& r) { ids.push_back(r.int64(0)); });
  return ids;
}

std::vector<std::int64_t> SeriesRepository::occurrencesFrom(Store& store, DbSession& session, std::int64_t id,
                                                            std::int64_t from) {
  std::vector<std::int64_t> ids;
  store.query(session, "SELECT id FROM events WHERE series_id = ? AND starts_at >= ? ORDER BY starts_at, id",
              {id, from}, [&](const SqlRow& r) { ids.push_back(r.int64(0)); });
  return ids;
}

std::int64_t SeriesRepository::countFrom(Store& store, DbSession& session, std::int64_t id, std::int64_t from) {
  std::int64_t count = 0;
  store.query(session, "SELECT COUNT(*) FROM events WHERE series_id = ? AND starts_at >= ?", {id, from},
              [&](const SqlRow& r) { count = r.int64(0); });
  return count;
}

bool SeriesRepository::inAnyOccurrence(Store& store, DbSession& session, std::int64_t id, std::int64_t userId) {
  bool found = false;
  store.query(session,
              "SELECT 1 FROM event_members m JOIN events e ON e.id = m.event_id WHERE e.series_id = ? AND m.user_id = ?"
              " LIMIT 1",
              {id, userId}, [&](const SqlRow&) { found = true; });
  return found;
}

std::vector<std::int64_t> SeriesRepository::members(Store& store, DbSession& session, std::int64_t id) {
  std::vector<std::int64_t> users;
  store.query(session,
              "SELECT DISTINCT m.user_id FROM event_members m JOIN events e ON e.id = m.event_id WHERE e.series_id = ?"
              " ORDER BY m.user_id",
              {id}, [&](const SqlRow& r) { users.push_back(r.int64(0)); });
  return users;
}

}  // namespace mmm::meetups
