// The query string of GET /v1/events, checked and turned into SQL conditions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace mmm {
struct Request;
}

namespace mmm::meetups {

struct EventQuery {
  std::optional<std::string> text;  // q: matched in title, description and location
  std::int64_t from = 0;            // inclusive, UTC milliseconds
  std::int64_t to = INT64_MAX;      // inclusive
  int limit = 50;                   // 1…100
  std::int64_t offset = 0;
};

/// Reads q, from, to, limit and offset; throws HttpError 400 for a bad value.
EventQuery parseEventQuery(const Request& request);

/// A LIKE pattern matching `text` anywhere, with '!' as the escape character (the same
/// in SQLite and MariaDB, unlike the backslash).
std::string likePattern(const std::string& text);

}  // namespace mmm::meetups
