// The request bodies of the Meetup events section, read and checked without touching the
// store: what the handlers act on, or an HttpError 4xx (415, 400, 404) for a bad body.
// (The query string of GET /v1/events is event_search.hpp's parseEventQuery.)
#pragma once

#include "event_repository.hpp"

#include <mmm/http.hpp>

#include <cstdint>

namespace mmm::meetups {

/// POST /v1/events: title, datetime and location present, description optional.
EventFields parseNewEvent(const Request& request);

/// PATCH /v1/events/{id}: at least one field.
EventFields parseEventChanges(const Request& request);

/// POST /v1/events/join: {"id": N}, N > 0 (anything else names no event: 404).
std::int64_t parseJoinedEventId(const Request& request);

}  // namespace mmm::meetups
