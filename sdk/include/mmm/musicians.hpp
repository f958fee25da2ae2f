// Musicians: the musicians plugin's directory service for the other plugins (line-ups
// check instruments against the vocabulary and read who plays what, at which level, where).
// Look it up optionally: `host.services().find<MusicianDirectory>()` is nullptr while the
// musicians plugin is disabled.
#pragma once

#include <mmm/abi.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mmm {

/// Ordered: a comparison is "that level or above".
enum class MusicianLevel { Beginner = 0, Intermediate = 1, Advanced = 2, Pro = 3 };

/// "beginner", "intermediate", "advanced", "pro" (the API's spelling).
inline const char* levelName(MusicianLevel level) {
  switch (level) {
    case MusicianLevel::Beginner: return "beginner";
    case MusicianLevel::Intermediate: return "intermediate";
    case MusicianLevel::Advanced: return "advanced";
    case MusicianLevel::Pro: return "pro";
  }
  return "beginner";
}

inline std::optional<MusicianLevel> parseLevel(const std::string& name) {
  for (int i = 0; i <= 3; ++i)
    if (name == levelName(static_cast<MusicianLevel>(i))) return static_cast<MusicianLevel>(i);
  return std::nullopt;
}

struct InstrumentSkill {
  std::string slug;  // an instrument of the vocabulary, e.g. "double-bass"
  MusicianLevel level = MusicianLevel::Beginner;
};

/// Where a musician plays: a name they chose and coordinates rounded to 2 decimals
/// (about 1 km), so a home is never pinpointed.
struct MusicianArea {
  std::string name;
  double lat = 0, lon = 0;
};

/// What a musician saved about themself, as other plugins need it.
struct MusicianSummary {
  std::int64_t userId = 0;
  std::vector<InstrumentSkill> instruments;  // in the musician's order, unique slugs
  std::vector<std::string> genres;           // slugs
  bool available = false;
  std::optional<MusicianArea> area;
};

/// One entry of a vocabulary (GET /v1/instruments, GET /v1/genres).
struct VocabularyEntry {
  std::string slug, name, family;  // family: instruments only ("strings", "brass", …)
};

class MMM_EXPORT MusicianDirectory {
 public:
  static constexpr const char* kServiceName = "mmm.musicians.directory";
  static constexpr int kServiceVersion = 1;
  virtual ~MusicianDirectory() = default;

  /// The musician's saved profile; nullopt when the user never saved one (or does not exist).
  virtual std::optional<MusicianSummary> find(std::int64_t userId) = 0;
  /// The saved profiles of those `userIds` that have one, in one round of queries.
  virtual std::map<std::int64_t, MusicianSummary> findMany(const std::vector<std::int64_t>& userIds) = 0;
  /// The instrument vocabulary (built in plus the plugin's config), in display order.
  virtual const std::vector<VocabularyEntry>& instruments() const = 0;
  virtual const std::vector<VocabularyEntry>& genres() const = 0;
  /// True when `slug` is in the instrument vocabulary (requests with any other get 400).
  virtual bool isInstrument(const std::string& slug) const = 0;
  virtual bool isGenre(const std::string& slug) const = 0;
};

}  // namespace mmm
