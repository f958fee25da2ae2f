// The request bodies of the Meetup events section, read and checked without touching the
// store: what the handlers act on, or an HttpError 4xx (415, 400, 404) for a bad body.
// (The query string of GET /v1/events is event_search.hpp's parseEventQuery.)
#pragma once

#include "event_search.hpp"

#include <mmm/http.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace mmm::meetups {

/// Absent (nullopt), null (an empty inner optional) or a value.
template <class T>
using Nullable = std::optional<std::optional<T>>;

struct SlotSpec {
  std::string instrument;
  int count = 1;
};

struct EventFields {
  std::optional<std::string> title, location, description;
  std::optional<std::int64_t> startsAt;
  Nullable<std::int64_t> endsAt;
  Nullable<GeoPoint> point;  // lat and lon, given together
  Nullable<std::string> onlineUrl;
  std::optional<std::string> timezone;
  Nullable<int> capacity;
  std::optional<std::vector<SlotSpec>> slots;
  std::optional<std::string> recurrence;  // POST only: an RRULE (recurrence.hpp parses it)
};

/// Whether a slug names an instrument (the musicians plugin's vocabulary, or a slug's
/// syntax while that plugin is disabled).
using InstrumentCheck = std::function<bool(const std::string&)>;

/// POST /v1/events: title, datetime and location present, the rest optional.
EventFields parseNewEvent(const Request& request, const InstrumentCheck& isInstrument);

/// PATCH /v1/events/{id}: at least one field.
EventFields parseEventChanges(const Request& request, const InstrumentCheck& isInstrument);

/// endsAt against the start it would have: after it, at most 7 days later (400 otherwise).
void checkEnd(std::int64_t startsAt, const std::optional<std::int64_t>& endsAt);

/// POST /v1/events/join: {"id": N, "instrument"?: slug or null}.
struct JoinRequest {
  std::int64_t eventId = 0;  // > 0 (anything else names no event: 404)
  std::string instrument;    // "": a general place
};
JoinRequest parseJoin(const Request& request);

/// PATCH /v1/events/{id}?scope=…: true for `series` (that occurrence and every later one),
/// false without a scope; 400 for any other.
bool parseSeriesScope(const Request& request);

/// POST /v1/series/{id}/join: {"instrument"?: slug or null}; the body is optional. "": a
/// general place.
std::string parseSeriesJoin(const Request& request);

/// POST /v1/events/{id}/cancel: {"reason"?: text} (a body is optional).
std::optional<std::string> parseCancelReason(const Request& request);

/// A slug's syntax: 1–40 of lowercase ASCII letters, digits and '-'.
bool isSlug(const std::string& text);
/// An IANA time-zone name the system's tz database has ("UTC", "Europe/Berlin").
bool isTimeZone(const std::string& name);

}  // namespace mmm::meetups
