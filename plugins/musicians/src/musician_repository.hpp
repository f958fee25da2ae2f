// The musicians plugin's tables: a profile per user, their instruments and genres (with the
// profile's area and time copied in, so that a search by instrument or genre and distance
// reads one covering index), and the search over them.
#pragma once

#include "musician_profile.hpp"
#include "musician_query.hpp"

#include <mmm/store.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

namespace mmm::musicians {

/// One search result: a user and, for a search near a point, the exact distance.
struct MusicianHit {
  std::int64_t userId = 0;
  std::optional<double> distanceKm;
};

class MusicianRepository {
 public:
  static std::vector<Migration> migrations(Dialect dialect);

  /// Replaces the user's profile, instruments and genres (inside the caller's transaction).
  /// `searchText` is what `q` matches (names, bio, seeking), already case-folded.
  static void save(DbSession& tx, const Sql& sql, const MusicianProfile& profile, const std::string& searchText,
                   std::int64_t updatedAt);
  /// The stored JSON cards (profileCard) of the saved profiles among `userIds`.
  static std::map<std::int64_t, std::string> loadCards(Store& store, DbSession& session,
                                                       const std::vector<std::int64_t>& userIds);
  /// The saved profiles among `userIds`.
  static std::map<std::int64_t, MusicianProfile> load(Store& store, DbSession& session,
                                                      const std::vector<std::int64_t>& userIds);
  /// One page of `query`: with `near`, those within the radius, nearest first (by the
  /// distance as reported, 1 decimal), then by user id; without, most recently updated first.
  static std::vector<MusicianHit> search(Store& store, DbSession& session, const MusicianQuery& query);
};

}  // namespace mmm::musicians
