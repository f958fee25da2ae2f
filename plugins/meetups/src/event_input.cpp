#include "event_input.hpp"

#include <mmm/error.hpp>
#include <mmm/input.hpp>
#include <mmm/json.hpp>
#include <mmm/time.hpp>
#include <mmm/unicode.hpp>

#include <Poco/JSON/Array.h>

#include <fstream>
#include <set>

namespace mmm::meetups {
namespace {

constexpr std::size_t kMaxShortText = 255;
constexpr std::size_t kMaxDescription = 4000;
constexpr std::size_t kMaxUrl = 500;
constexpr std::size_t kMaxReason = 500;
constexpr std::size_t kMaxRecurrence = 200;
constexpr std::size_t kMaxSlots = 20;
constexpr int kMaxSlotCount = 50;
constexpr int kMaxCapacity = 10000;
constexpr std::int64_t kMaxDurationMs = 7LL * 24 * 3600 * 1000;

bool present(const Poco::JSON::Object::Ptr& body, const char* name) { return body->has(name); }
bool isNull(const Poco::JSON::Object::Ptr& body, const char* name) { return body->has(name) && body->isNull(name); }

std::optional<std::string> text(const Poco::JSON::Object::Ptr& body, const char* name, std::size_t maxChars,
                                bool allowEmpty, TextRule rule = TextRule::SingleLine) {
  auto value = stringField(body, name, maxChars, rule);
  // Titles and places must show something: not empty, not white space or zero-width
  // characters alone (API.md, "Hardening of Part 1").
  if (value && !allowEmpty && isInvisible(*value))
    throw HttpError(400, std::string(name) + " must have a visible character");
  return value;
}

std::optional<std::int64_t> time(const Poco::JSON::Object::Ptr& body, const char* name) {
  if (!body->has(name) || body->isNull(name)) return std::nullopt;
  const auto value = body->get(name);
  auto parsed = value.isString() ? parseRfc3339(value.extract<std::string>()) : std::nullopt;
  if (!parsed) throw HttpError(400, std::string(name) + " must be an RFC 3339 date-time such as 2026-12-06T18:00:00Z");
  return parsed;
}

// Events may be listed in the past, not created (or moved) there.
std::optional<std::int64_t> datetime(const Poco::JSON::Object::Ptr& body) {
  auto parsed = time(body, "datetime");
  if (parsed && *parsed <= nowMillis()) throw HttpError(400, "datetime must be in the future");
  return parsed;
}

std::optional<int> boundedInteger(const Poco::Dynamic::Var& value, const std::string& name, int min, int max) {
  const std::string range = name + " must be an integer from " + std::to_string(min) + " to " + std::to_string(max);
  if (!value.isInteger() || value.isBoolean()) throw HttpError(400, range);
  std::int64_t n = 0;
  try {
    n = value.convert<Poco::Int64>();
  } catch (const Poco::Exception&) {
    throw HttpError(400, range);
  }
  if (n < min || n > max) throw HttpError(400, range);
  return static_cast<int>(n);
}

Nullable<GeoPoint> point(const Poco::JSON::Object::Ptr& body) {
  const bool lat = present(body, "lat"), lon = present(body, "lon");
  if (!lat && !lon) return std::nullopt;
  if (lat != lon) throw HttpError(400, "lat and lon go together: give both or neither");
  if (isNull(body, "lat") != isNull(body, "lon")) throw HttpError(400, "lat and lon must both be numbers or both null");
  if (isNull(body, "lat")) return std::optional<GeoPoint>();
  return std::optional<GeoPoint>(
      GeoPoint{*numberField(body, "lat", -90, 90, "lat"), *numberField(body, "lon", -180, 180, "lon")});
}

std::vector<SlotSpec> slots(const Poco::JSON::Object::Ptr& body, const InstrumentCheck& isInstrument) {
  const auto value = body->get("slots");
  if (value.type() != typeid(Poco::JSON::Array::Ptr)) throw HttpError(400, "slots must be an array");
  const auto array = value.extract<Poco::JSON::Array::Ptr>();
  if (array->size() > kMaxSlots) throw HttpError(400, "slots must have at most " + std::to_string(kMaxSlots) + " entries");
  std::vector<SlotSpec> out;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const std::string at = "slots[" + std::to_string(i) + "]";
    const auto item = array->get(i);
    if (item.type() != typeid(Poco::JSON::Object::Ptr)) throw HttpError(400, at + " must be an object {instrument, count}");
    const auto slot = item.extract<Poco::JSON::Object::Ptr>();
    const auto instrument = slot->get("instrument");
    if (!instrument.isString()) throw HttpError(400, at + ".instrument must be an instrument's slug");
    SlotSpec spec{instrument.extract<std::string>(), 1};
    if (!isSlug(spec.instrument) || !isInstrument(spec.instrument))
      throw HttpError(400, at + ".instrument is not a known instrument (see /v1/instruments)");
    if (!seen.insert(spec.instrument).second) throw HttpError(400, at + ".instrument repeats " + spec.instrument);
    if (slot->has("count")) spec.count = *boundedInteger(slot->get("count"), at + ".count", 1, kMaxSlotCount);
    out.push_back(std::move(spec));
  }
  return out;
}

EventFields fields(const Request& request, const InstrumentCheck& isInstrument, bool change) {
  const auto body = parseJsonObject(request);
  if (change && present(body, "recurrence"))  // even null: a series' rule is what it is
    throw HttpError(400, "recurrence cannot be changed: cancel the series and create a new one");
  EventFields f;
  f.title = text(body, "title", kMaxShortText, false);
  f.location = text(body, "location", kMaxShortText, false);
  f.description = text(body, "description", kMaxDescription, true, TextRule::MultiLine);
  f.startsAt = datetime(body);
  if (present(body, "endsAt")) f.endsAt = time(body, "endsAt");
  f.point = point(body);
  if (present(body, "onlineURL")) {
    auto url = stringField(body, "onlineURL", kMaxUrl);
    if (url && !isHttpsUrl(*url)) throw HttpError(400, "onlineURL must be an absolute https:// URL");
    f.onlineUrl = url;
  }
  if (present(body, "timezone")) {
    auto zone = stringField(body, "timezone", 64);
    if (!zone || !isTimeZone(*zone))
      throw HttpError(400, "timezone must be an IANA time-zone name such as Europe/Berlin");
    f.timezone = zone;
  }
  if (present(body, "capacity"))
    f.capacity = isNull(body, "capacity") ? std::optional<int>()
                                          : boundedInteger(body->get("capacity"), "capacity", 1, kMaxCapacity);
  if (present(body, "slots"))  // null: none
    f.slots = isNull(body, "slots") ? std::vector<SlotSpec>() : slots(body, isInstrument);
  if (present(body, "recurrence") && !isNull(body, "recurrence"))
    f.recurrence = stringField(body, "recurrence", kMaxRecurrence);
  return f;
}

}  // namespace

bool isSlug(const std::string& text) {
  if (text.empty() || text.size() > 40) return false;
  for (char c : text)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return true;
}

bool isTimeZone(const std::string& name) {
  // Names are made of parts like "America", "Port-au-Prince", "Etc/GMT+5"; none starts with
  // a dot, so nothing climbs out of the database's folder.
  if (name.empty() || name.size() > 64 || name.front() == '/' || name.back() == '/') return false;
  char previous = '/';
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == '-' || c == '+' || c == '/' || (c == '.' && previous != '/');
    if (!ok || (c == '/' && previous == '/')) return false;
    previous = c;
  }
  // The database's folder also holds copies for other uses: POSIX-only and leap-second
  // ("right/") variants, and files that are not zones. Those are no event's time zone.
  const auto first = name.substr(0, name.find('/'));
  if (first == "posix" || first == "right" || first == "SystemV" || name == "posixrules" || name == "Factory" ||
      name == "localtime")
    return false;
  std::ifstream file("/usr/share/zoneinfo/" + name, std::ios::binary);
  char magic[4] = {};
  return file.read(magic, 4) && std::string(magic, 4) == "TZif";
}

void checkEnd(std::int64_t startsAt, const std::optional<std::int64_t>& endsAt) {
  if (!endsAt) return;
  if (*endsAt <= startsAt) throw HttpError(400, "endsAt must be after datetime");
  if (*endsAt - startsAt > kMaxDurationMs) throw HttpError(400, "endsAt must be at most 7 days after datetime");
}

EventFields parseNewEvent(const Request& request, const InstrumentCheck& isInstrument) {
  auto f = fields(request, isInstrument, false);
  if (!f.title) throw HttpError(400, "title is required");
  if (!f.startsAt) throw HttpError(400, "datetime is required");
  if (!f.location) throw HttpError(400, "location is required");
  if (f.endsAt) checkEnd(*f.startsAt, *f.endsAt);
  return f;
}

EventFields parseEventChanges(const Request& request, const InstrumentCheck& isInstrument) {
  auto f = fields(request, isInstrument, true);
  if (!f.title && !f.startsAt && !f.location && !f.description && !f.endsAt && !f.point && !f.onlineUrl &&
      !f.timezone && !f.capacity && !f.slots)
    throw HttpError(400, "nothing to update: give title, datetime, location, description, endsAt, lat and lon, "
                         "onlineURL, timezone, capacity or slots");
  return f;
}

namespace {
std::string instrumentOf(const Poco::JSON::Object::Ptr& body, const char* whose) {
  if (!body->has("instrument") || body->isNull("instrument")) return "";
  const auto value = body->get("instrument");
  if (!value.isString() || !isSlug(value.extract<std::string>()))
    throw HttpError(400, std::string("instrument must be the slug of one of the ") + whose + "'s slots, or null");
  return value.extract<std::string>();
}
}  // namespace

JoinRequest parseJoin(const Request& request) {
  const auto body = parseJsonObject(request);
  JoinRequest join;
  join.eventId = integerField(body, "id");
  if (join.eventId <= 0) throw HttpError(404, "no such event");
  join.instrument = instrumentOf(body, "event");
  return join;
}

bool parseSeriesScope(const Request& request) {
  const auto scope = request.queryParam("scope");
  if (!scope) return false;
  if (*scope != "series") throw HttpError(400, "scope must be series (this occurrence and every later one), or absent");
  return true;
}

std::string parseSeriesJoin(const Request& request) {
  if (request.body.empty()) return "";
  return instrumentOf(parseJsonObject(request), "series");
}

std::optional<std::string> parseCancelReason(const Request& request) {
  if (request.body.empty()) return std::nullopt;
  auto reason = stringField(parseJsonObject(request), "reason", kMaxReason, TextRule::MultiLine);
  if (reason && isInvisible(*reason)) return std::nullopt;
  return reason;
}

}  // namespace mmm::meetups
