#include "musician_profile.hpp"

#include <mmm/error.hpp>
#include <mmm/geo.hpp>
#include <mmm/input.hpp>
#include <mmm/text.hpp>
#include <mmm/time.hpp>

#include <Poco/JSON/Array.h>

#include <cmath>
#include <set>

namespace mmm::musicians {
namespace {

Poco::JSON::Array::Ptr array(const Poco::JSON::Object::Ptr& body, const std::string& name, std::size_t max) {
  if (!body->has(name) || body->isNull(name)) return nullptr;
  const auto value = body->get(name);
  if (value.type() != typeid(Poco::JSON::Array::Ptr)) throw HttpError(400, name + " must be an array");
  auto items = value.extract<Poco::JSON::Array::Ptr>();
  if (items->size() > max) throw HttpError(400, name + " may hold at most " + std::to_string(max) + " entries");
  return items;
}

std::string slugAt(const Poco::Dynamic::Var& value, const std::string& what, const Vocabulary& vocabulary,
                   const char* listPath) {
  if (!value.isString()) throw HttpError(400, what + " must be a string");
  const auto slug = value.extract<std::string>();
  if (!vocabulary.contains(slug))
    throw HttpError(400, what + " is not a known slug (see " + std::string(listPath) + ")");
  return slug;
}

double coordinate(const Poco::JSON::Object::Ptr& area, const std::string& name, double limit) {
  auto value = numberField(area, name, -limit, limit, "area." + name);
  if (!value) throw HttpError(400, "area." + name + " is required");
  return *value;
}

}  // namespace

MusicianSummary MusicianProfile::summary() const {
  MusicianSummary s;
  s.userId = userId;
  s.instruments = instruments;
  s.genres = genres;
  s.available = available;
  if (area) s.area = MusicianArea{area->name, fromHundredths(area->latE2), fromHundredths(area->lonE2)};
  return s;
}

MusicianProfile parseProfileBody(const Poco::JSON::Object::Ptr& body, const Vocabulary& instruments,
                                 const Vocabulary& genres) {
  MusicianProfile p;
  if (auto items = array(body, "instruments", kMaxInstruments)) {
    std::set<std::string> seen;
    for (std::size_t i = 0; i < items->size(); ++i) {
      const std::string at = "instruments[" + std::to_string(i) + "]";
      const auto item = items->get(i);
      if (item.type() != typeid(Poco::JSON::Object::Ptr)) throw HttpError(400, at + " must be an object {slug, level}");
      const auto object = item.extract<Poco::JSON::Object::Ptr>();
      if (!object->has("slug")) throw HttpError(400, at + ".slug is required");
      InstrumentSkill skill;
      skill.slug = slugAt(object->get("slug"), at + ".slug", instruments, "/v1/instruments");
      if (!seen.insert(skill.slug).second) throw HttpError(400, at + ".slug '" + skill.slug + "' is listed twice");
      const auto level = object->has("level") ? object->get("level") : Poco::Dynamic::Var();
      auto parsed = level.isString() ? parseLevel(level.extract<std::string>()) : std::nullopt;
      if (!parsed) throw HttpError(400, at + ".level must be one of beginner, intermediate, advanced, pro");
      skill.level = *parsed;
      p.instruments.push_back(std::move(skill));
    }
  }
  if (auto items = array(body, "genres", kMaxGenres)) {
    std::set<std::string> seen;
    for (std::size_t i = 0; i < items->size(); ++i) {
      const std::string at = "genres[" + std::to_string(i) + "]";
      auto slug = slugAt(items->get(i), at, genres, "/v1/genres");
      if (!seen.insert(slug).second) throw HttpError(400, at + " '" + slug + "' is listed twice");
      p.genres.push_back(std::move(slug));
    }
  }
  p.bio = stringField(body, "bio", kMaxBio, TextRule::MultiLine).value_or("");
  p.seeking = stringField(body, "seeking", kMaxSeeking).value_or("");
  if (auto items = array(body, "links", kMaxLinks)) {
    for (std::size_t i = 0; i < items->size(); ++i) {
      const std::string at = "links[" + std::to_string(i) + "]";
      const auto item = items->get(i);
      if (!item.isString()) throw HttpError(400, at + " must be a string");
      auto link = item.extract<std::string>();
      if (!isValidUtf8(link) || utf8Length(link) > kMaxLink)
        throw HttpError(400, at + " must be at most " + std::to_string(kMaxLink) + " characters long");
      if (!isHttpsUrl(link)) throw HttpError(400, at + " must be an absolute https:// URL");
      p.links.push_back(std::move(link));
    }
  }
  if (body->has("available") && !body->isNull("available")) {
    const auto value = body->get("available");
    if (!value.isBoolean()) throw HttpError(400, "available must be true or false");
    p.available = value.extract<bool>();
  }
  if (body->has("area") && !body->isNull("area")) {
    const auto value = body->get("area");
    if (value.type() != typeid(Poco::JSON::Object::Ptr)) throw HttpError(400, "area must be an object {name, lat, lon} or null");
    const auto area = value.extract<Poco::JSON::Object::Ptr>();
    StoredArea stored;
    try {
      stored.name = stringField(area, "name", kMaxAreaName).value_or("");
    } catch (const HttpError& e) {
      throw HttpError(400, "area." + e.detail());  // the detail starts with the field's name
    }
    stored.latE2 = toHundredths(coordinate(area, "lat", 90));
    stored.lonE2 = toHundredths(coordinate(area, "lon", 180));
    p.area = std::move(stored);
  }
  return p;
}

std::string profileCard(const MusicianProfile& p) {
  JsonWriter json(512 + p.bio.size());
  json.beginObject().key("instruments").beginArray();
  for (const auto& skill : p.instruments)
    json.beginObject().field("slug", skill.slug).field("level", levelName(skill.level)).endObject();
  json.endArray().key("genres").beginArray();
  for (const auto& genre : p.genres) json.value(genre);
  json.endArray().field("bio", p.bio).key("links").beginArray();
  for (const auto& link : p.links) json.value(link);
  json.endArray().field("seeking", p.seeking).field("available", p.available).key("area");
  if (p.area) {
    json.beginObject()
        .field("name", p.area->name)
        .field("lat", fromHundredths(p.area->latE2))
        .field("lon", fromHundredths(p.area->lonE2))
        .endObject();
  } else {
    json.null();
  }
  json.key("updatedAt");
  if (p.updatedAt)
    json.value(rfc3339(*p.updatedAt).view());
  else
    json.null();
  return json.endObject().take();
}

void writeMusician(JsonWriter& json, const Profile& user, std::string_view card, std::optional<double> distanceKm) {
  JsonWriter head(256);
  user.writeJson(head);
  // The card is an object written by profileCard: its members follow "user" as they are.
  std::string value = "{\"user\":" + head.take();
  if (card.size() > 2) value.append(",").append(card.substr(1, card.size() - 2));
  if (distanceKm) {
    JsonWriter distance(32);
    distance.value(roundKm(*distanceKm));
    value += ",\"distanceKm\":" + distance.take();
  }
  json.raw(value + "}");
}

}  // namespace mmm::musicians
