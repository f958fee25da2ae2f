// The query string of GET /v1/events, checked, and its text search turned into what each
// dialect's full-text index understands.
//
// What q matches (the same on SQLite and MariaDB): q is cut into words (letters, digits
// and '_'; anything else separates them), and an event matches when each word of q begins
// some word of its title, location or description, ignoring case and accents. "folk jam"
// finds "Sunday Folk Jamboree"; "olk" finds nothing; a q without any word finds nothing.
#pragma once

#include <mmm/geo.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace mmm {
struct Request;
}

namespace mmm::meetups {

struct GeoPoint {
  double lat = 0, lon = 0;
};

struct EventQuery {
  std::optional<std::string> text;  // q: matched in title, description and location
  std::int64_t from = 0;            // inclusive, UTC milliseconds
  std::int64_t to = INT64_MAX;      // inclusive
  int limit = 50;                   // 1…100
  std::int64_t offset = 0;
  bool cancelledToo = false;              // status=all
  std::optional<std::string> instrument;  // events with a slot for it
  bool openOnly = false;                  // open=true: a free place (in that slot, or anywhere)
  std::optional<NearQuery> near;          // events with coordinates within the radius
  bool forMe = false;                     // ranked for the caller's instruments
  /// forMe: only these slots count (the caller's instruments), and distances are from
  /// here (the caller's area, if any); set by the handler.
  std::vector<std::string> slotsFor;
  std::optional<GeoPoint> forMeFrom;
};

/// Reads q, from, to, limit, offset, status, instrument, open, near, radiusKm and forMe;
/// throws HttpError 400 naming the parameter for a bad value. `isInstrument` checks a slug.
EventQuery parseEventQuery(const Request& request, const std::function<bool(const std::string&)>& isInstrument);

/// The words of a search text, in order: runs of ASCII letters, digits and '_' and of
/// non-ASCII characters other than punctuation and symbols (the tokenizers of SQLite's
/// FTS5 table and of MariaDB's FULLTEXT index cut text the same way).
std::vector<std::string> searchWords(const std::string& text);

/// SQLite: an FTS5 MATCH expression that holds when every word begins a word of the row
/// (`"folk"* AND "jam"*`).
std::string fts5Match(const std::vector<std::string>& words);

/// MariaDB: InnoDB's FULLTEXT index holds only words of innodb_ft_min_token_size to
/// innodb_ft_max_token_size characters, so a word of q outside that range is matched by a
/// regular expression instead.
struct BooleanSearch {
  std::string against;     // for MATCH … AGAINST (… IN BOOLEAN MODE): "+folk* +jam*"; empty: none
  std::string wordStarts;  // for REGEXP: each remaining word begins a word; empty: none
};
BooleanSearch booleanSearch(const std::vector<std::string>& words, int minTokenChars, int maxTokenChars);

}  // namespace mmm::meetups
