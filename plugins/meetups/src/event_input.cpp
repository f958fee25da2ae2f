#include "event_input.hpp"

#include <mmm/error.hpp>
#include <mmm/input.hpp>
#include <mmm/json.hpp>
#include <mmm/time.hpp>
#include <mmm/unicode.hpp>

namespace mmm::meetups {
namespace {

constexpr std::size_t kMaxShortText = 255;
constexpr std::size_t kMaxDescription = 4000;

std::optional<std::string> text(const Poco::JSON::Object::Ptr& body, const char* name, std::size_t maxChars,
                                bool allowEmpty, TextRule rule = TextRule::SingleLine) {
  auto value = stringField(body, name, maxChars, rule);
  // Titles and places must show something: not empty, not white space or zero-width
  // characters alone (API.md, "Hardening of Part 1").
  if (value && !allowEmpty && isInvisible(*value))
    throw HttpError(400, std::string(name) + " must have a visible character");
  return value;
}

// Events may be listed in the past, not created (or moved) there.
std::optional<std::int64_t> datetime(const Poco::JSON::Object::Ptr& body) {
  if (!body->has("datetime") || body->isNull("datetime")) return std::nullopt;
  const auto value = body->get("datetime");
  auto parsed = value.isString() ? parseRfc3339(value.extract<std::string>()) : std::nullopt;
  if (!parsed) throw HttpError(400, "datetime must be an RFC 3339 date-time such as 2026-12-06T18:00:00Z");
  if (*parsed <= nowMillis()) throw HttpError(400, "datetime must be in the future");
  return parsed;
}

EventFields fields(const Request& request) {
  const auto body = parseJsonObject(request);
  EventFields f;
  f.title = text(body, "title", kMaxShortText, false);
  f.location = text(body, "location", kMaxShortText, false);
  f.description = text(body, "description", kMaxDescription, true, TextRule::MultiLine);
  f.startsAt = datetime(body);
  return f;
}

}  // namespace

EventFields parseNewEvent(const Request& request) {
  auto f = fields(request);
  if (!f.title) throw HttpError(400, "title is required");
  if (!f.startsAt) throw HttpError(400, "datetime is required");
  if (!f.location) throw HttpError(400, "location is required");
  return f;
}

EventFields parseEventChanges(const Request& request) {
  auto f = fields(request);
  if (!f.title && !f.startsAt && !f.location && !f.description)
    throw HttpError(400, "nothing to update: give title, datetime, location or description");
  return f;
}

std::int64_t parseJoinedEventId(const Request& request) {
  const std::int64_t id = integerField(parseJsonObject(request), "id");
  if (id <= 0) throw HttpError(404, "no such event");
  return id;
}

}  // namespace mmm::meetups
