// What API.md says of the meetups plugin's routes (events, line-ups, series, calendars), for
// the generated OpenAPI document. The schemas are the wire format: a change to a handler's
// answer belongs here too (the integration test compares real answers with them).
#include "meetups_openapi.hpp"

#include <mmm/host.hpp>
#include <mmm/openapi.hpp>

#include <string>

namespace mmm::meetups {
namespace {

const std::string kProfile = RouteDoc::ref("Profile");  // the users plugin's
const std::string kProfiles = RouteDoc::arrayOf(kProfile);

const std::string kRsvp = R"({"type":"object","description":"The caller's place",
"required":["state","instrument","position"],"properties":{"state":{"enum":["going","waitlisted"]},
"instrument":{"type":["string","null"]},"position":{"type":["integer","null"],"minimum":1,
"description":"On the waitlist: 1, 2, 3…"}}})";

const std::string kSlot = R"({"type":"object","required":["instrument","count","going","waitlist"],
"properties":{"instrument":{"type":"string"},"count":{"type":"integer","minimum":1,"maximum":50},
"going":)" + kProfiles + R"(,"waitlist":)" + kProfiles + "}}";

const std::string kEvent = R"({"type":"object","description":"An event with its line-up. joined and rsvp are the caller's, absent in pushes",
"required":["id","title","datetime","location","description","channel","creator","memberCount","goingCount",
"waitlistCount","capacity","slots","status","timezone","endsAt","lat","lon","onlineURL","seriesID"],
"properties":{"id":{"type":"integer","minimum":1},"title":{"type":"string"},
"datetime":{"type":"string","format":"date-time"},"endsAt":{"type":["string","null"],"format":"date-time"},
"location":{"type":"string"},"description":{"type":"string"},
"channel":{"type":["integer","null"],"description":"The event's chat channel; null while chat is disabled"},
"creator":)" + kProfile + R"(,"memberCount":{"type":"integer","minimum":0,"description":"Those going"},
"goingCount":{"type":"integer","minimum":0},"waitlistCount":{"type":"integer","minimum":0},
"joined":{"type":"boolean"},"capacity":{"type":["integer","null"],"minimum":1,"maximum":10000},
"slots":{"type":"array","items":{"$ref":"#/components/schemas/Slot"}},
"status":{"enum":["scheduled","cancelled"]},"timezone":{"type":"string","description":"IANA name"},
"lat":{"type":["number","null"],"minimum":-90,"maximum":90},"lon":{"type":["number","null"],"minimum":-180,"maximum":180},
"onlineURL":{"type":["string","null"],"format":"uri"},"seriesID":{"type":["integer","null"]},
"distanceKm":{"type":"number","description":"With near: great-circle distance"},
"rsvp":{"oneOf":[{"type":"null"},{"$ref":"#/components/schemas/Rsvp"}]}}})";

const std::string kSeries = R"({"type":"object","required":["id","recurrence","timezone","title","status","channel","creator","regulars","regular","next"],
"properties":{"id":{"type":"integer","minimum":1},"recurrence":{"type":"string","description":"RFC 5545 RRULE subset"},
"timezone":{"type":"string"},"title":{"type":"string"},"status":{"enum":["scheduled","cancelled"]},
"channel":{"type":["integer","null"]},"creator":)" + kProfile + R"(,"regulars":)" + kProfiles + R"(,
"regular":{"description":"The caller as a regular, or null","oneOf":[{"type":"null"},{"type":"object","properties":{"instrument":{"type":["string","null"]}}}]},
"next":{"type":"array","maxItems":10,"items":{"$ref":"#/components/schemas/Event"},"description":"The next occurrences"}}})";

// The fields of POST and PATCH /v1/events (POST requires the first four).
const std::string kEventFields = R"("title":{"type":"string","minLength":1,"maxLength":255},
"datetime":{"type":"string","format":"date-time"},"location":{"type":"string","maxLength":255},
"description":{"type":"string","maxLength":4000},"endsAt":{"type":["string","null"],"format":"date-time",
"description":"After datetime, at most 7 days later"},"lat":{"type":["number","null"],"minimum":-90,"maximum":90},
"lon":{"type":["number","null"],"minimum":-180,"maximum":180},"onlineURL":{"type":["string","null"],"pattern":"^https://","maxLength":500},
"timezone":{"type":"string","default":"UTC"},"capacity":{"type":["integer","null"],"minimum":1,"maximum":10000},
"slots":{"type":"array","maxItems":20,"items":{"type":"object","required":["instrument","count"],
"properties":{"instrument":{"type":"string","description":"A slug of /v1/instruments"},"count":{"type":"integer","minimum":1,"maximum":50}}}})";

const char* const kId = R"({"type":"integer","minimum":1})";
const char* const kText = R"({"type":"string"})";
const char* const kCalendar = "text/calendar; charset=utf-8";
const char* const kJsonBody = "The body is not application/json";

RouteDoc& searchQuery(RouteDoc& doc) {
  return doc.query("q", R"({"type":"string","maxLength":255})", "Words in the title, location or description")
      .query("instrument", kText, "Events with a slot for this instrument (a slug of /v1/instruments)")
      .query("near", R"({"type":"string","pattern":"^-?[0-9.]+,-?[0-9.]+$"})", "LAT,LON: events with coordinates, nearest first")
      .query("radiusKm", R"({"type":"number","minimum":1,"maximum":500,"default":25})", "With near");
}

}  // namespace

void describeRoutes(Host& host) {
  host.schema("Rsvp", kRsvp);
  host.schema("Slot", kSlot);
  host.schema("Event", kEvent);
  host.schema("Series", kSeries);
  const auto event = RouteDoc::ref("Event");
  const auto events = RouteDoc::arrayOf(event);

  RouteDoc list("Upcoming events, soonest first");
  list.needsSession()
      .query("from", R"({"type":"string","format":"date-time"})", "From this time on (default: now)")
      .query("to", R"({"type":"string","format":"date-time"})", "Until this time")
      .query("status", R"({"enum":["scheduled","all"],"default":"scheduled"})", "all: cancelled events too")
      .query("open", R"({"type":"boolean"})", "With instrument: only events with a free place for it")
      .query("forMe", R"({"type":"boolean"})",
             "Upcoming events with a slot for one of the caller's instruments (needs the musicians plugin)")
      .query("limit", R"({"type":"integer","minimum":1,"maximum":100,"default":50})")
      .query("offset", R"({"type":"integer","minimum":0})");
  searchQuery(list)
      .answer(200, "The events", events)
      .answer(400, "A query parameter is malformed or out of range, or forMe cannot be served");
  host.describe("GET", "/v1/events", list);
  host.describe("POST", "/v1/events",
                RouteDoc("Creates an event (or, with recurrence, a series and its first occurrence)")
                    .describe("The creator joins it. With `recurrence` (FREQ=WEEKLY or MONTHLY, INTERVAL 1–12, "
                              "BYDAY, COUNT ≤ 200 or UNTIL) the answer is the series' first occurrence.")
                    .needsSession()
                    .body(R"({"type":"object","required":["title","datetime","location","description"],"properties":{)" +
                          kEventFields + R"(,"recurrence":{"type":"string","maxLength":200,"examples":["FREQ=WEEKLY;BYDAY=SU"]}}})")
                    .answer(201, "The event", event)
                    .answer(400, "A field is missing, over-long or invalid")
                    .answer(415, kJsonBody));
  host.describe("GET", "/v1/events/join",
                RouteDoc("The events the caller joined")
                    .needsSession()
                    .query("limit", R"({"type":"integer","minimum":1,"maximum":200,"default":100})")
                    .query("offset", R"({"type":"integer","minimum":0})")
                    .answer(200, "The events", events)
                    .answer(400, "limit or offset out of range"));
  host.describe("POST", "/v1/events/join",
                RouteDoc("Joins an event: a place in an instrument's slot, a general place, or a waitlist")
                    .needsSession()
                    .body(R"({"type":"object","required":["id"],"properties":{"id":{"type":"integer","minimum":1},
"instrument":{"type":["string","null"],"description":"One the event has a slot for"}}})")
                    .answer(201, "Joined (or moved); rsvp says where", event)
                    .answer(200, "Already joined so", event)
                    .answer(400, "No id, or the event has no slot for that instrument")
                    .answer(404, "No such event")
                    .answer(409, "The event is cancelled or has started")
                    .answer(415, kJsonBody));
  host.describe("GET", "/v1/events/{id}",
                RouteDoc("An event").needsSession().path("id", kId).answer(200, "The event", event).answer(404, "No such event"));
  host.describe("PATCH", "/v1/events/{id}",
                RouteDoc("Changes an event (its creator or an admin)")
                    .needsSession()
                    .path("id", kId)
                    .query("scope", R"({"enum":["series"]})", "series: this occurrence and every later one")
                    .body(R"({"type":"object","properties":{)" + kEventFields + "}}")
                    .answer(200, "The event", event)
                    .answer(400, "A field is invalid, or scope=series on an event of no series")
                    .answer(403, "Not the creator")
                    .answer(404, "No such event")
                    .answer(415, kJsonBody));
  host.describe("DELETE", "/v1/events/{id}",
                RouteDoc("Deletes an event and its channel (its creator or an admin)")
                    .needsSession()
                    .path("id", kId)
                    .answer(200, "Deleted", kText, "text/plain")
                    .answer(403, "Not the creator")
                    .answer(404, "No such event"));
  host.describe("DELETE", "/v1/events/{id}/members/me",
                RouteDoc("Leaves an event (the first on the waitlist takes the place)")
                    .needsSession()
                    .path("id", kId)
                    .answer(200, "Left", kText, "text/plain")
                    .answer(404, "No such event, or not a member")
                    .answer(409, "The creator cannot leave"));
  host.describe("DELETE", "/v1/events/{id}/members/{userID}",
                RouteDoc("Removes a member (the creator or an admin)")
                    .needsSession()
                    .path("id", kId)
                    .path("userID", kId)
                    .answer(200, "Removed", kText, "text/plain")
                    .answer(403, "Not the creator")
                    .answer(404, "No such event, or that user is not a member")
                    .answer(409, "The creator cannot be removed"));
  host.describe("POST", "/v1/events/{id}/cancel",
                RouteDoc("Cancels an event (its creator or an admin); its chat says so")
                    .needsSession()
                    .path("id", kId)
                    .body(R"({"type":"object","properties":{"reason":{"type":"string","maxLength":500}}})")
                    .answer(200, "The cancelled event", event)
                    .answer(400, "The reason is invalid")
                    .answer(403, "Not the creator")
                    .answer(404, "No such event")
                    .answer(415, kJsonBody));
  host.describe("GET", "/v1/series/{id}",
                RouteDoc("A series of recurring events, with its next occurrences")
                    .needsSession()
                    .path("id", kId)
                    .answer(200, "The series", RouteDoc::ref("Series"))
                    .answer(404, "No such series"));
  host.describe("POST", "/v1/series/{id}/join",
                RouteDoc("Becomes a regular: RSVP'd to every upcoming occurrence and each one made later")
                    .needsSession()
                    .path("id", kId)
                    .body(R"({"type":"object","properties":{"instrument":{"type":["string","null"]}}})")
                    .answer(201, "A regular now", RouteDoc::ref("Series"))
                    .answer(200, "A regular so already", RouteDoc::ref("Series"))
                    .answer(400, "The series has no slot for that instrument")
                    .answer(404, "No such series")
                    .answer(409, "The series is cancelled")
                    .answer(415, kJsonBody));
  host.describe("DELETE", "/v1/series/{id}/members/me",
                RouteDoc("Stops being a regular, and leaves the upcoming occurrences")
                    .needsSession()
                    .path("id", kId)
                    .answer(200, "No longer a regular", kText, "text/plain")
                    .answer(404, "No such series, or not a regular")
                    .answer(409, "The creator cannot stop being a regular"));
  host.describe("POST", "/v1/series/{id}/cancel",
                RouteDoc("Cancels every upcoming occurrence (the creator or an admin)")
                    .needsSession()
                    .path("id", kId)
                    .body(R"({"type":"object","properties":{"reason":{"type":"string","maxLength":500}}})")
                    .answer(200, "The series", RouteDoc::ref("Series"))
                    .answer(400, "The reason is invalid")
                    .answer(403, "Not the creator")
                    .answer(404, "No such series")
                    .answer(415, kJsonBody));
  host.describe("GET", "/v1/events/{id}/calendar.ics",
                RouteDoc("An event as iCalendar (RFC 5545), one VEVENT")
                    .needsSession()
                    .path("id", kId)
                    .answer(200, "The calendar", kText, kCalendar)
                    .answer(404, "No such event"));
  host.describe("GET", "/v1/calendar/feed",
                RouteDoc("Whether the caller's private calendar feed is on")
                    .needsSession()
                    .answer(200, "Its state", R"({"type":"object","required":["active","createdAt"],
"properties":{"active":{"type":"boolean"},"createdAt":{"type":["string","null"],"format":"date-time"}}})"));
  host.describe("POST", "/v1/calendar/feed",
                RouteDoc("A new private calendar feed link (the old one stops working)")
                    .needsSession()
                    .answer(201, "The link", R"({"type":"object","required":["url"],
"properties":{"url":{"type":"string","description":"/v1/calendar/feed/TOKEN.ics"}}})"));
  host.describe("DELETE", "/v1/calendar/feed",
                RouteDoc("Turns the private calendar feed off")
                    .needsSession()
                    .answer(200, "Off", kText, "text/plain"));
  host.describe("GET", "/v1/calendar/feed/{token}",
                RouteDoc("The private calendar feed: the owner's RSVPs from 30 days ago on")
                    .describe("No session: the token is the credential. Going is CONFIRMED, waitlisted TENTATIVE, "
                              "cancelled CANCELLED.")
                    .path("token", R"({"type":"string","pattern":"\\.ics$"})", "TOKEN.ics, as POST /v1/calendar/feed gave it")
                    .answer(200, "The calendar", kText, kCalendar)
                    .answer(404, "Unknown or revoked token (the same answer)"));
  RouteDoc publicFeed("Upcoming scheduled events as iCalendar");
  publicFeed.describe("No session. 404 when the server's config turns it off (public_calendar).");
  searchQuery(publicFeed)
      .answer(200, "The calendar", kText, kCalendar)
      .answer(400, "A query parameter is malformed or out of range")
      .answer(404, "The public calendar is turned off");
  host.describe("GET", "/v1/calendar/public.ics", publicFeed);
  host.describe("GET", "/events/{id}",
                RouteDoc("An event's page: a redirect to the web UI's")
                    .path("id", kId)
                    .answer(302, "To /#/events/ID", kText, "text/plain")
                    .answer(404, "Not an event id"));
}

}  // namespace mmm::meetups
