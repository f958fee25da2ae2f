// The query string of GET /v1/musicians, checked against the vocabularies.
#pragma once

#include "vocabulary.hpp"

#include <mmm/musicians.hpp>

#include <cstdint>
#include <optional>
#include <string>

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
  std::optional<std::string> text;  // q, lower-cased, trimmed, not empty
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
