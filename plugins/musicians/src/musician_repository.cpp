#include "musician_repository.hpp"

#include <mmm/geo.hpp>

#include <algorithm>

using namespace Poco::Data::Keywords;

namespace mmm::musicians {
namespace {

std::string joinLines(const std::vector<std::string>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? "\n" : "") + items[i];
  return out;
}

std::vector<std::string> splitLines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// The ids, sorted, unique, padded to a power of two (few statement shapes).
std::vector<SqlValue> idParams(const std::vector<std::int64_t>& ids) {
  std::vector<std::int64_t> sorted(ids);
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  padInList(sorted);
  return {sorted.begin(), sorted.end()};
}

}  // namespace

std::vector<Migration> MusicianRepository::migrations(Dialect dialect) {
  // In SQLite only INTEGER PRIMARY KEY names the rowid (64 bits there): one B-tree to
  // descend per profile instead of two. InnoDB clusters by the primary key anyway.
  const std::string userKey = dialect == Dialect::SQLite ? " user_id INTEGER NOT NULL PRIMARY KEY,"
                                                         : " user_id BIGINT NOT NULL PRIMARY KEY,";
  return {{1,
           "musician profiles, instruments and genres",
           {"CREATE TABLE musician_profiles (" + userKey +
            " bio TEXT NOT NULL,"
            " links TEXT NOT NULL,"  // one URL per line (URLs hold no white space)
            " seeking VARCHAR(280) NOT NULL,"
            " available INT NOT NULL,"
            " area_name VARCHAR(100) NULL,"
            // Hundredths of a degree: coordinates are rounded to 2 decimals before they are
            // stored, and integers compare exactly on both back ends. NULL: no area.
            " lat_e2 INT NULL,"
            " lon_e2 INT NULL,"
            " search_text TEXT NOT NULL,"  // user name, names, bio, seeking; case-folded
            " card TEXT NOT NULL,"         // the profile as JSON (profileCard), for pages of results
            " updated_at BIGINT NOT NULL"
            "){{table_options}}",
            "CREATE INDEX musician_profiles_recent ON musician_profiles (updated_at, user_id)",
            "CREATE INDEX musician_profiles_area ON musician_profiles (lat_e2, lon_e2, user_id)",
            // The profile's area and time are copied into each instrument and genre row, so
            // that "bass players near here" is one range scan of one covering index.
            "CREATE TABLE musician_instruments ("
            " user_id BIGINT NOT NULL,"
            " instrument VARCHAR(40) NOT NULL,"
            " level INT NOT NULL,"  // 0 beginner … 3 pro
            " position INT NOT NULL,"
            " lat_e2 INT NULL,"
            " lon_e2 INT NULL,"
            " updated_at BIGINT NOT NULL,"
            " PRIMARY KEY (user_id, instrument)"
            "){{table_options}}",
            "CREATE INDEX musician_instruments_area ON musician_instruments (instrument, lat_e2, lon_e2, level, user_id)",
            "CREATE INDEX musician_instruments_recent ON musician_instruments (instrument, updated_at, user_id, level)",
            "CREATE TABLE musician_genres ("
            " user_id BIGINT NOT NULL,"
            " genre VARCHAR(40) NOT NULL,"
            " position INT NOT NULL,"
            " lat_e2 INT NULL,"
            " lon_e2 INT NULL,"
            " updated_at BIGINT NOT NULL,"
            " PRIMARY KEY (user_id, genre)"
            "){{table_options}}",
            "CREATE INDEX musician_genres_area ON musician_genres (genre, lat_e2, lon_e2, user_id)",
            "CREATE INDEX musician_genres_recent ON musician_genres (genre, updated_at, user_id)"}}};
}

void MusicianRepository::save(DbSession& tx, const Sql& sql, const MusicianProfile& p, const std::string& searchText,
                              std::int64_t updatedAt) {
  Poco::Int64 user = p.userId, at = updatedAt;
  std::string bio = p.bio, links = joinLines(p.links), seeking = p.seeking, text = searchText, card = profileCard(p);
  int available = p.available ? 1 : 0;
  std::string areaName = p.area ? p.area->name : "";
  int lat = p.area ? p.area->latE2 : 0, lon = p.area ? p.area->lonE2 : 0;
  // The upsert locks the profile's row first, so two saves by one user queue up (MariaDB).
  static const std::vector<std::string> columns = {"user_id",   "bio",    "links",  "seeking",     "available", "area_name",
                                                   "lat_e2",    "lon_e2", "search_text", "card", "updated_at"};
  const std::vector<std::string> updates(columns.begin() + 1, columns.end());
  tx << sql.upsert("musician_profiles", columns, {"user_id"}, updates), use(user), use(bio), use(links), use(seeking),
      use(available), use(areaName), use(lat), use(lon), use(text), use(card), use(at), now;
  if (!p.area)
    tx << "UPDATE musician_profiles SET area_name = NULL, lat_e2 = NULL, lon_e2 = NULL WHERE user_id = ?", use(user), now;

  // The old rows go by their whole primary key: on MariaDB a delete that may match nothing
  // ("WHERE user_id = ?") locks the gap, and concurrent first saves deadlock inserting into it.
  std::vector<std::string> oldInstruments, oldGenres;
  tx << "SELECT instrument FROM musician_instruments WHERE user_id = ?", use(user), into(oldInstruments), now;
  tx << "SELECT genre FROM musician_genres WHERE user_id = ?", use(user), into(oldGenres), now;
  for (auto& slug : oldInstruments)
    tx << "DELETE FROM musician_instruments WHERE user_id = ? AND instrument = ?", use(user), use(slug), now;
  for (auto& slug : oldGenres)
    tx << "DELETE FROM musician_genres WHERE user_id = ? AND genre = ?", use(user), use(slug), now;
  for (std::size_t i = 0; i < p.instruments.size(); ++i) {
    std::string slug = p.instruments[i].slug;
    int level = static_cast<int>(p.instruments[i].level), position = static_cast<int>(i);
    if (p.area)
      tx << "INSERT INTO musician_instruments (user_id, instrument, level, position, lat_e2, lon_e2, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
          use(user), use(slug), use(level), use(position), use(lat), use(lon), use(at), now;
    else
      tx << "INSERT INTO musician_instruments (user_id, instrument, level, position, updated_at) VALUES (?, ?, ?, ?, ?)",
          use(user), use(slug), use(level), use(position), use(at), now;
  }
  for (std::size_t i = 0; i < p.genres.size(); ++i) {
    std::string slug = p.genres[i];
    int position = static_cast<int>(i);
    if (p.area)
      tx << "INSERT INTO musician_genres (user_id, genre, position, lat_e2, lon_e2, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
          use(user), use(slug), use(position), use(lat), use(lon), use(at), now;
    else
      tx << "INSERT INTO musician_genres (user_id, genre, position, updated_at) VALUES (?, ?, ?, ?)", use(user),
          use(slug), use(position), use(at), now;
  }
}

std::map<std::int64_t, std::string> MusicianRepository::loadCards(Store& store, DbSession& session,
                                                                  const std::vector<std::int64_t>& userIds) {
  std::map<std::int64_t, std::string> cards;
  if (userIds.empty()) return cards;
  const auto params = idParams(userIds);
  store.query(session, "SELECT user_id, card FROM musician_profiles WHERE user_id IN (" + inListMarks(params.size()) + ")",
              params, [&](const SqlRow& r) { cards.emplace(r.int64(0), r.text(1)); });
  return cards;
}

std::map<std::int64_t, MusicianProfile> MusicianRepository::load(Store& store, DbSession& session,
                                                                 const std::vector<std::int64_t>& userIds) {
  std::map<std::int64_t, MusicianProfile> profiles;
  if (userIds.empty()) return profiles;
  const auto params = idParams(userIds);
  const std::string in = "(" + inListMarks(params.size()) + ")";
  store.query(session,
              "SELECT user_id, bio, links, seeking, available, COALESCE(area_name, ''),"
              " CASE WHEN lat_e2 IS NULL THEN 0 ELSE 1 END, COALESCE(lat_e2, 0), COALESCE(lon_e2, 0), updated_at"
              " FROM musician_profiles WHERE user_id IN " + in,
              params, [&](const SqlRow& r) {
                MusicianProfile p;
                p.userId = r.int64(0);
                p.bio = r.text(1);
                p.links = splitLines(r.text(2));
                p.seeking = r.text(3);
                p.available = r.int64(4) != 0;
                if (r.int64(6))
                  p.area = StoredArea{r.text(5), static_cast<std::int32_t>(r.int64(7)), static_cast<std::int32_t>(r.int64(8))};
                p.updatedAt = r.int64(9);
                profiles.emplace(p.userId, std::move(p));
              });
  if (profiles.empty()) return profiles;
  store.query(session,
              "SELECT user_id, instrument, level FROM musician_instruments WHERE user_id IN " + in +
                  " ORDER BY user_id, position",
              params, [&](const SqlRow& r) {
                auto it = profiles.find(r.int64(0));
                if (it == profiles.end()) return;
                const auto level = std::clamp<std::int64_t>(r.int64(2), 0, 3);
                it->second.instruments.push_back({r.text(1), static_cast<MusicianLevel>(level)});
              });
  store.query(session,
              "SELECT user_id, genre FROM musician_genres WHERE user_id IN " + in + " ORDER BY user_id, position", params,
              [&](const SqlRow& r) {
                auto it = profiles.find(r.int64(0));
                if (it != profiles.end()) it->second.genres.push_back(r.text(1));
              });
  return profiles;
}

std::vector<MusicianHit> MusicianRepository::search(Store& store, DbSession& session, const MusicianQuery& query) {
  // The driving table: the instrument's or genre's rows when filtered by one (their
  // indexes lead with it), else the profiles. The text and availability live in profiles.
  std::string from, where;
  std::vector<SqlValue> params;
  std::vector<std::string> patterns;  // the text's, where its params point
  if (query.instrument) {
    from = "musician_instruments d";
    where = "d.instrument = ? AND d.level >= ?";
    params.push_back(std::string_view(*query.instrument));
    params.push_back(static_cast<std::int64_t>(query.minLevel));
    if (query.genre) {
      from += " JOIN musician_genres g ON g.user_id = d.user_id AND g.genre = ?";
      params.insert(params.begin(), std::string_view(*query.genre));  // its ? comes first
    }
  } else if (query.genre) {
    from = "musician_genres d";
    where = "d.genre = ?";
    params.push_back(std::string_view(*query.genre));
  } else {
    from = "musician_profiles d";
    where = "1 = 1";
  }
  const bool driverIsProfiles = !query.instrument && !query.genre;
  if (!driverIsProfiles && (query.availableOnly || !query.words.empty())) {
    // Its ON holds no parameter, so the order of the others is kept.
    from += " JOIN musician_profiles p ON p.user_id = d.user_id";
  }
  const std::string profile = driverIsProfiles ? "d" : "p";
  if (query.availableOnly) where += " AND " + profile + ".available = 1";
  patterns.reserve(query.words.size());  // no reallocation: params hold views of them
  for (const auto& word : query.words) {
    where += " AND " + profile + ".search_text LIKE ? ESCAPE '!'";
    params.push_back(std::string_view(patterns.emplace_back(likePattern(word))));
  }

  std::vector<MusicianHit> hits;
  if (!query.near) {
    const std::string sql = "SELECT d.user_id FROM " + from + " WHERE " + where +
                            " ORDER BY d.updated_at DESC, d.user_id DESC LIMIT ? OFFSET ?";
    params.push_back(static_cast<std::int64_t>(query.limit));
    params.push_back(query.offset);
    store.query(session, sql, params, [&](const SqlRow& r) { hits.push_back({r.int64(0), std::nullopt}); });
    return hits;
  }

  // A bounding box on the indexed, rounded coordinates, then the exact distance.
  const auto box = boundingBox(query.near->lat, query.near->lon, query.radiusKm);
  where += " AND d.lat_e2 BETWEEN ? AND ?";
  params.push_back(static_cast<std::int64_t>(box.lat.min));
  params.push_back(static_cast<std::int64_t>(box.lat.max));
  if (!box.allLongitudes()) {
    where += box.lon.size() == 1 ? " AND d.lon_e2 BETWEEN ? AND ?"
                                 : " AND (d.lon_e2 BETWEEN ? AND ? OR d.lon_e2 BETWEEN ? AND ?)";
    for (const auto& range : box.lon) {
      params.push_back(static_cast<std::int64_t>(range.min));
      params.push_back(static_cast<std::int64_t>(range.max));
    }
  }
  struct Candidate {
    std::int64_t userId;
    double exact, reported;
  };
  std::vector<Candidate> inside;
  const std::string sql = "SELECT d.user_id, d.lat_e2, d.lon_e2 FROM " + from + " WHERE " + where;
  store.query(session, sql, params, [&](const SqlRow& r) {
    const double d = distanceKm(query.near->lat, query.near->lon, fromHundredths(static_cast<std::int32_t>(r.int64(1))),
                                fromHundredths(static_cast<std::int32_t>(r.int64(2))));
    if (d <= query.radiusKm) inside.push_back({r.int64(0), d, roundKm(d)});
  });
  const auto byDistance = [](const Candidate& a, const Candidate& b) {
    return a.reported != b.reported ? a.reported < b.reported : a.userId < b.userId;
  };
  const auto begin = static_cast<std::size_t>(std::min<std::int64_t>(query.offset, inside.size()));
  const auto end = std::min(inside.size(), begin + static_cast<std::size_t>(query.limit));
  // Only the page needs its order: a partial sort up to its end.
  std::partial_sort(inside.begin(), inside.begin() + end, inside.end(), byDistance);
  for (auto i = begin; i < end; ++i) hits.push_back({inside[i].userId, inside[i].exact});
  return hits;
}

}  // namespace mmm::musicians
