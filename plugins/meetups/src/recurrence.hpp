// Recurring events (API.md, "Series"): the RRULE subset a series is made from, and the
// dates it gives in the series' IANA time zone. Pure apart from reading the system's tz
// database (Howard Hinnant's date/tz library, which reads /usr/share/zoneinfo).
//
// A series keeps the local wall-clock time of its first occurrence across daylight-saving
// changes: a local time that does not exist (the hour skipped in spring) is read with the
// offset before the gap, as RFC 5545 3.3.5 says (02:30 becomes 03:30); one that exists
// twice (the hour repeated in autumn) is the first of the two.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mmm::meetups {

/// A civil date.
struct LocalDate {
  int year = 1970, month = 1, day = 1;  // month 1–12, day 1–31
  bool operator==(const LocalDate& o) const { return year == o.year && month == o.month && day == o.day; }
  bool operator!=(const LocalDate& o) const { return !(*this == o); }
  bool operator<(const LocalDate& o) const {
    return year != o.year ? year < o.year : month != o.month ? month < o.month : day < o.day;
  }
  bool operator<=(const LocalDate& o) const { return !(o < *this); }
};

/// "2026-12-06".
std::string formatDate(const LocalDate& date);

/// The RRULE subset of API.md: FREQ=WEEKLY|MONTHLY; INTERVAL 1–12; BYDAY (one or more days
/// for WEEKLY; exactly one with an ordinal 1–4 or -1 for MONTHLY); at most one of COUNT
/// (1–200) and UNTIL (`YYYYMMDD`, a local date, or `YYYYMMDDTHHMMSSZ`, a UTC time).
struct Recurrence {
  enum class Freq { Weekly, Monthly };
  Freq freq = Freq::Weekly;
  int interval = 1;
  /// WEEKLY: the days, 0 = Sunday … 6 = Saturday, sorted, unique. MONTHLY: the one day.
  std::vector<int> weekdays;
  int ordinal = 0;  // MONTHLY: 1–4, or -1 for the last; 0 for WEEKLY
  std::optional<int> count;
  std::optional<std::int64_t> untilUtc;   // UTC milliseconds, inclusive
  std::optional<LocalDate> untilDate;     // the last local date, inclusive

  /// The canonical text: FREQ first, then INTERVAL (only when > 1), BYDAY (WEEKLY days in
  /// the order MO…SU), then COUNT or UNTIL as given ("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH").
  std::string text() const;
};

/// Parses `text` strictly (parts separated by ';', NAME=VALUE, names upper case, no part
/// twice). Throws HttpError(400) whose detail names the offending part, e.g.
/// "recurrence: BYSETPOS is not supported (FREQ, INTERVAL, BYDAY, COUNT, UNTIL are)" or
/// "recurrence: INTERVAL must be 1–12". At most 200 characters.
Recurrence parseRecurrence(const std::string& text);

/// Where a series' dates are computed from: its first occurrence's local date and time of
/// day in its zone. The time of day may change later (a PATCH with scope=series); the
/// rule's dates are always counted from firstDate.
struct SeriesAnchor {
  std::string timezone;  // an IANA name the tz database has
  LocalDate firstDate;
  int secondsOfDay = 0;  // 0–86399
};

/// The anchor of a series whose first occurrence starts at `firstStart` (UTC ms) in
/// `timezone`. Throws HttpError(400, "datetime … is not an occurrence of the recurrence …")
/// when that local date is not one of the rule's days (a Wednesday for BYDAY=SU, the 2nd
/// Friday for BYDAY=-1FR), and HttpError(400) naming UNTIL when UNTIL is before it.
SeriesAnchor anchorOf(const Recurrence& rule, const std::string& timezone, std::int64_t firstStart);

struct Occurrence {
  int index = 0;               // 0 for the first occurrence, then 1, 2, …
  LocalDate date;              // in the series' zone
  std::int64_t startsAt = 0;   // UTC milliseconds
};

/// The occurrences with index >= fromIndex whose start is <= `until` (UTC ms), at most
/// `max` of them, in order. COUNT and UNTIL end the series; so does index 200 (API.md: at
/// most 200 occurrences in all), whatever the rule says.
std::vector<Occurrence> occurrences(const Recurrence& rule, const SeriesAnchor& anchor, int fromIndex,
                                    std::int64_t until, std::size_t max);

/// A local wall-clock time in `timezone` as UTC milliseconds (gap: the offset before it;
/// overlap: the first).
std::int64_t toUtc(const std::string& timezone, const LocalDate& date, int secondsOfDay);

/// A UTC time (ms) as the local date and seconds of the day in `timezone`.
std::pair<LocalDate, int> toLocal(const std::string& timezone, std::int64_t utcMillis);

/// At most this many occurrences in a series (API.md).
constexpr int kMaxOccurrences = 200;

}  // namespace mmm::meetups
