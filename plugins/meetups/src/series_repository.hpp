// The meetups plugin's series (API.md, "Series"): a recurrence, the template each new
// occurrence is made from, how far occurrences are made, and the regulars.
#pragma once

#include "event_input.hpp"
#include "recurrence.hpp"

#include <mmm/store.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mmm::meetups {

struct Series {
  std::int64_t id = 0;
  std::int64_t creatorId = 0;
  std::int64_t channelId = 0;  // 0: none
  std::string recurrence;      // canonical text
  SeriesAnchor anchor;         // its zone, first date and time of day
  /// What a new occurrence gets: title, location, description, point, onlineUrl, capacity,
  /// slots (startsAt, endsAt and timezone come from the occurrence's date).
  EventFields model;
  std::optional<std::int64_t> durationMs;  // endsAt - datetime of each occurrence
  bool cancelled = false;
  bool ended = false;          // no occurrence is left to make
  int madeCount = 0;           // occurrences made: the index of the next one
  std::int64_t madeUntil = 0;  // every occurrence starting up to this (UTC ms) is made
};

struct Regular {
  std::int64_t userId = 0;
  std::string instrument;  // "": a general place
};

class SeriesRepository {
 public:
  /// The series tables (migration 6 of the meetups plugin's events), and what migration 7
  /// adds (the next start to make, so that the job passes over series with nothing due).
  static std::vector<std::string> schema();
  static std::vector<std::string> schemaNextStart();

  static std::int64_t insert(Store& store, DbSession& tx, std::int64_t creatorId, const std::string& recurrence,
                             const SeriesAnchor& anchor, const EventFields& model);
  static std::optional<Series> find(Store& store, DbSession& session, std::int64_t id);
  /// Locks the series' row until the commit (making occurrences, regulars and series-wide
  /// changes are serialised per series, on every node), with, when `occurrencesToo`, every
  /// occurrence's row (their line-ups' locks), then reads it. On MariaDB the locks must come
  /// before the transaction's first read: its snapshot is taken there (REPEATABLE READ), and
  /// a line-up read from a snapshot older than its lock could overbook it.
  static std::optional<Series> lock(Store& store, DbSession& tx, std::int64_t id, bool occurrencesToo = false);
  /// Only the series' row lock, reading nothing (a change to one occurrence takes it first,
  /// so that the series' channel membership, which spans occurrences, changes in order).
  static void lockRow(Store& store, DbSession& tx, std::int64_t id);

  /// After making occurrences: the next index, the new horizon, and the start of the next
  /// occurrence to make (nullopt: none is left).
  static void setMade(Store& store, DbSession& tx, std::int64_t id, int madeCount, std::int64_t madeUntil,
                      std::optional<std::int64_t> nextStart);
  /// The series' row's id, nullopt for an event of no series (read outside a transaction).
  static std::optional<std::int64_t> seriesOf(Store& store, DbSession& session, std::int64_t eventId);
  static void setChannel(Store& store, DbSession& tx, std::int64_t id, std::int64_t channelId);
  static void cancel(Store& store, DbSession& tx, std::int64_t id);
  /// The model's fields given in `changes` (title, location, description, point, onlineUrl,
  /// capacity, slots), and the duration, zone and time of day when given.
  static void updateModel(Store& store, DbSession& tx, std::int64_t id, const EventFields& changes,
                          const std::optional<std::optional<std::int64_t>>& durationMs,
                          const std::optional<SeriesAnchor>& anchor);

  /// In join order, the creator first.
  static std::vector<Regular> regulars(Store& store, DbSession& session, std::int64_t id);
  static std::optional<Regular> regular(Store& store, DbSession& session, std::int64_t id, std::int64_t userId);
  /// Adds the regular, or changes their instrument.
  static void putRegular(Store& store, DbSession& tx, std::int64_t id, const Regular& regular);
  static void removeRegular(Store& store, DbSession& tx, std::int64_t id, std::int64_t userId);

  /// Ids of the series whose next occurrence to make starts by `until`, at most `limit`,
  /// above `after` in id order (a series with nothing due is never touched).
  static std::vector<std::int64_t> due(Store& store, DbSession& session, std::int64_t until, std::int64_t after,
                                       int limit);
  /// The ids of the series' occurrences starting at or after `from` (UTC ms), soonest first.
  static std::vector<std::int64_t> occurrencesFrom(Store& store, DbSession& session, std::int64_t id,
                                                   std::int64_t from);
  /// How many of the series' occurrences start at or after `from` (UTC ms).
  static std::int64_t countFrom(Store& store, DbSession& session, std::int64_t id, std::int64_t from);
  /// Whether the user is going or waiting in any occurrence of the series.
  static bool inAnyOccurrence(Store& store, DbSession& session, std::int64_t id, std::int64_t userId);
  /// Everyone going or waiting in any of the series' occurrences, sorted.
  static std::vector<std::int64_t> members(Store& store, DbSession& session, std::int64_t id);
};

}  // namespace mmm::meetups
