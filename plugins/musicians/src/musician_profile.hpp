// A musician profile: what PUT /v1/musicians/me accepts (checked against the API's bounds
// and the vocabularies) and how it is written back as JSON.
#pragma once

#include "vocabulary.hpp"

#include <mmm/json_writer.hpp>
#include <mmm/musicians.hpp>
#include <mmm/profiles.hpp>

#include <Poco/JSON/Object.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mmm::musicians {

constexpr std::size_t kMaxInstruments = 10, kMaxGenres = 10, kMaxLinks = 5;
constexpr std::size_t kMaxBio = 2000, kMaxSeeking = 280, kMaxLink = 500, kMaxAreaName = 100;

/// An area as stored: coordinates in hundredths of a degree (already rounded).
struct StoredArea {
  std::string name;
  std::int32_t latE2 = 0, lonE2 = 0;
};

struct MusicianProfile {
  std::int64_t userId = 0;
  std::vector<InstrumentSkill> instruments;
  std::vector<std::string> genres;
  std::string bio, seeking;
  std::vector<std::string> links;
  bool available = false;
  std::optional<StoredArea> area;
  std::optional<std::int64_t> updatedAt;  // UTC ms; nullopt: never saved

  MusicianSummary summary() const;
};

/// The body of PUT /v1/musicians/me: every field replaced, an absent or null one emptied.
/// Throws HttpError 400 naming the field for a wrong type, a bound passed, an unknown slug
/// or a duplicate. Coordinates come back rounded to 2 decimals.
MusicianProfile parseProfileBody(const Poco::JSON::Object::Ptr& body, const Vocabulary& instruments,
                                 const Vocabulary& genres);

/// The profile as a JSON object without its user: {"instruments","genres","bio","links",
/// "seeking","available","area","updatedAt"}. Written once at save time and stored, so a
/// page of search results reads one row per musician.
std::string profileCard(const MusicianProfile& profile);

/// {"user", …the card's members, "distanceKm" when given}, as one JSON value into `json`.
void writeMusician(JsonWriter& json, const Profile& user, std::string_view card,
                   std::optional<double> distanceKm = std::nullopt);

}  // namespace mmm::musicians
