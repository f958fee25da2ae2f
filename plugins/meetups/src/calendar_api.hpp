// The handlers of API.md's "Calendars": one event as iCalendar, each user's private feed
// of their RSVPs behind a revocable token, and the public feed of upcoming events.
#pragma once

#include "events_api.hpp"

#include <mmm/http.hpp>
#include <mmm/store.hpp>

#include <memory>
#include <string>

namespace spdlog {
class logger;
}

namespace mmm::meetups {

struct CalendarSettings {
  std::string publicUrl;      // the core's server.public_url ("" when not set)
  bool publicCalendar = true;  // GET /v1/calendar/public.ics served
};

class CalendarApi {
 public:
  CalendarApi(Store& store, EventsApi& events, CalendarSettings settings, std::shared_ptr<spdlog::logger> log);

  Response event(Request& request);       // GET /v1/events/{id}/calendar.ics
  Response createFeed(Request& request);  // POST /v1/calendar/feed
  Response deleteFeed(Request& request);  // DELETE /v1/calendar/feed
  Response feedState(Request& request);   // GET /v1/calendar/feed
  Response feed(Request& request);        // GET /v1/calendar/feed/{token} (<token>.ics)
  Response publicFeed(Request& request);  // GET /v1/calendar/public.ics
  Response eventPage(Request& request);   // GET /events/{id}: the web UI's page of the event

 private:
  Store& store_;
  EventsApi& events_;
  CalendarSettings settings_;
  std::shared_ptr<spdlog::logger> log_;
};

}  // namespace mmm::meetups
