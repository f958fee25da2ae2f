// The query string of GET /v1/musicians, checked against the vocabularies.
#pragma once

#include "vocabulary.hpp"

#include <mmm/musicians.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mmm {
struct Request;
}

namespace mmm::musicians {

struct NearPoint {
  double lat = 0, lon = 0;
};

struct MusicianQuery {
  std::optional<std::string> instrument;
  MusicianLevel minLevel = MusicianLevel::Beginner;  // with instrument: that level or above
  std::optional<std::string> genre;
  // q's words, lower-cased, each without a leading "@" (as a user name is written): each
  // must appear in the user name, names, bio or seeking ("Ann Lee" finds Ann Lee).
  std::vector<std::string> words;
  bool availableOnly = false;
  std::optional<NearPoint> near;
  double radiusKm = 25;  // with near only
  int limit = 20;        // 1…100
  std::int64_t offset = 0;
};

/// Reads instrument, level, genre, q, available, near, radiusKm, limit and offset; throws
/// HttpError 400 naming the parameter for a malformed, out-of-range or unknown value.
MusicianQuery parseMusicianQuery(const Request& request, const Vocabulary& instruments, const Vocabulary& genres);

/// Case folding for text search (the stored search text is folded the same way).
std::string foldCase(const std::string& text);

}  // namespace mmm::musicians
