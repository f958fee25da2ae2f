#include "calendar_api.hpp"

#include "calendar_feeds.hpp"
#include "event_search.hpp"
#include "ical.hpp"

#include <mmm/auth.hpp>
#include <mmm/error.hpp>
#include <mmm/input.hpp>
#include <mmm/json_writer.hpp>
#include <mmm/time.hpp>

#include <spdlog/logger.h>

namespace mmm::meetups {
namespace {

constexpr std::int64_t kDefaultLengthMs = 2LL * 3600 * 1000;       // DTEND without endsAt
constexpr std::int64_t kFeedPastMs = 30LL * 24 * 3600 * 1000;      // the private feed looks back
constexpr int kMaxFeedEvents = 1000;                               // a private feed holds at most
constexpr int kMaxPublicEvents = 500;                              // the public feed holds at most
constexpr const char* kIcsSuffix = ".ics";

// What goes after "@" in a UID and before the path in a URL: the public URL's, else the
// request's Host (checked: a header is the client's, and it lands in every calendar).
struct Site {
  std::string host, base;  // "meet.example.org", "https://meet.example.org"
};

bool isHostSyntax(std::string_view host) {
  if (host.empty() || host.size() > 255) return false;
  for (char c : host)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
          c == ':' || c == '[' || c == ']'))
      return false;
  return true;
}

Site siteOf(const std::string& publicUrl, const Request& request) {
  if (!publicUrl.empty()) {
    const auto start = publicUrl.find("://");
    auto host = publicUrl.substr(start == std::string::npos ? 0 : start + 3);
    host = host.substr(0, host.find('/'));
    return {host, publicUrl};
  }
  std::string host = "localhost";
  if (auto given = request.header("Host"); given && isHostSyntax(*given)) host = std::string(*given);
  return {host, "http://" + host};
}

std::string withoutPort(const std::string& host) {
  if (!host.empty() && host.front() == '[') return host.substr(0, host.find(']') + 1);
  const auto colon = host.rfind(':');
  return colon == std::string::npos ? host : host.substr(0, colon);
}

enum class Feed { Event, Private, Public };

CalendarEvent toCalendar(const Event& e, const Site& site, Feed feed) {
  CalendarEvent c;
  c.uid = "event-" + std::to_string(e.id) + "@" + withoutPort(site.host);
  c.stamp = e.updatedAt;
  c.start = e.startsAt;
  c.end = e.endsAt.value_or(e.startsAt + kDefaultLengthMs);
  c.summary = e.title;
  c.location = e.location;
  c.description = e.description;
  if (e.onlineUrl) c.description += (c.description.empty() ? "" : "\n\n") + std::string("Online: ") + *e.onlineUrl;
  c.url = site.base + "/events/" + std::to_string(e.id);
  if (e.point) {
    c.lat = e.point->lat;
    c.lon = e.point->lon;
  }
  c.sequence = e.revision;
  c.status = "CONFIRMED";
  if (feed == Feed::Private && e.rsvp && e.rsvp->waiting) {
    c.status = "TENTATIVE";
    c.summary += " (waitlist #" + std::to_string(e.rsvp->position) + ")";
  }
  if (e.cancelled) c.status = "CANCELLED";
  return c;
}

// The events as a feed shows them (not the private one: see feed()).
std::vector<CalendarEvent> toCalendar(const std::vector<Event>& events, const Site& site, Feed feed) {
  std::vector<CalendarEvent> entries;
  entries.reserve(events.size());
  for (const auto& e : events) entries.push_back(toCalendar(e, site, feed));
  return entries;
}

Response calendarResponse(const std::string& name, const std::vector<CalendarEvent>& entries, Feed feed,
                          const std::string& filename) {
  Response r;
  r.status = 200;
  r.body = renderCalendar(name, entries);
  r.set("Content-Type", "text/calendar; charset=utf-8");
  r.set("Content-Disposition", (feed == Feed::Event ? "attachment" : "inline") + std::string("; filename=\"") +
                                   filename + "\"");
  r.set("Cache-Control", "private, no-cache");
  return r;
}

}  // namespace

CalendarApi::CalendarApi(Store& store, EventsApi& events, CalendarSettings settings,
                         std::shared_ptr<spdlog::logger> log)
    : store_(store), events_(events), settings_(std::move(settings)), log_(std::move(log)) {}

Response CalendarApi::event(Request& request) {
  const auto viewer = authenticated(request).userId;
  const auto id = pathId(request.param("id"), "event");
  auto event = store_.read([&](DbSession& s) { return EventRepository::find(store_, s, id, viewer); });
  if (!event) throw HttpError(404, "no such event");
  return calendarResponse("", {toCalendar(*event, siteOf(settings_.publicUrl, request), Feed::Event)}, Feed::Event,
                          "event-" + std::to_string(id) + ".ics");
}

Response CalendarApi::createFeed(Request& request) {
  const auto user = authenticated(request).userId;
  const auto token = store_.transaction([&](DbSession& tx) { return CalendarFeeds::renew(store_, tx, user); });
  log_->info("{} user {} made a new calendar feed link (the old one revoked)", request.id, user);
  return Response::json(201, JsonWriter(128)
                                 .beginObject()
                                 .field("url", "/v1/calendar/feed/" + token + kIcsSuffix)
                                 .endObject()
                                 .take());
}

Response CalendarApi::deleteFeed(Request& request) {
  const auto user = authenticated(request).userId;
  const bool had = store_.transaction([&](DbSession& tx) { return CalendarFeeds::revoke(store_, tx, user); });
  if (had) log_->info("{} user {} turned their calendar feed off", request.id, user);
  return Response::text(200, had ? "calendar feed turned off" : "no calendar feed was on");
}

Response CalendarApi::feedState(Request& request) {
  const auto user = authenticated(request).userId;
  const auto since = store_.read([&](DbSession& s) { return CalendarFeeds::createdAt(store_, s, user); });
  JsonWriter json(96);
  json.beginObject().field("active", since.has_value()).key("createdAt");
  if (since)
    json.value(rfc3339(*since).view());
  else
    json.null();
  return Response::json(200, json.endObject().take());
}

Response CalendarApi::feed(Request& request) {
  // No session: the token is the credential. Unknown, revoked and malformed are all 404.
  const auto& file = request.param("token");  // "<token>.ics": a secret, never in the access log
  const std::string suffix = kIcsSuffix;
  if (file.size() <= suffix.size() || file.compare(file.size() - suffix.size(), suffix.size(), suffix) != 0)
    throw HttpError(404, "no such calendar feed");
  const auto token = file.substr(0, file.size() - suffix.size());
  std::vector<FeedEntry> rsvps;
  const bool found = store_.read([&](DbSession& s) {
    const auto owner = CalendarFeeds::owner(store_, s, token);
    if (!owner) return false;
    rsvps = EventRepository::joinedSince(store_, s, *owner, nowMillis() - kFeedPastMs, kMaxFeedEvents);
    return true;
  });
  if (!found) throw HttpError(404, "no such calendar feed");
  // What the owner sees of an event changes with the line-up too (a waitlist position, a
  // place confirmed or lost): DTSTAMP is the later of the two changes, and SEQUENCE adds
  // to the event's edits the line-up's count at the last change of the owner's own place.
  const auto site = siteOf(settings_.publicUrl, request);
  std::vector<CalendarEvent> entries;
  entries.reserve(rsvps.size());
  for (const auto& rsvp : rsvps) {
    auto& entry = entries.emplace_back(toCalendar(rsvp.event, site, Feed::Private));
    entry.stamp = std::max(entry.stamp, rsvp.lineupChangedAt);
    entry.sequence += rsvp.rsvpRevision;
  }
  return calendarResponse("Music Maker Meetup: my jams", entries, Feed::Private, "my-jams.ics");
}

Response CalendarApi::publicFeed(Request& request) {
  if (!settings_.publicCalendar) throw HttpError(404, "the public calendar is turned off on this server");
  auto query = parseEventQuery(request, [this](const std::string& slug) { return events_.isInstrument(slug); });
  if (query.forMe) throw HttpError(400, "forMe needs a session: the public calendar has none");
  query.from = std::max(query.from, nowMillis());  // upcoming, scheduled only
  query.cancelledToo = false;
  query.limit = kMaxPublicEvents;
  query.offset = 0;
  auto events = store_.read(
      [&](DbSession& s) { return EventRepository::list(store_, s, query, 0, events_.fullTextLimits()); });
  const auto entries = toCalendar(events, siteOf(settings_.publicUrl, request), Feed::Public);
  return calendarResponse("Music Maker Meetup: jams", entries, Feed::Public, "jams.ics");
}

Response CalendarApi::eventPage(Request& request) {
  const auto id = pathId(request.param("id"), "event");
  Response r;
  r.status = 302;
  r.set("Location", "/#/events/" + std::to_string(id));
  r.set("Content-Type", "text/plain; charset=utf-8");
  r.body = "see /#/events/" + std::to_string(id);
  return r;
}

}  // namespace mmm::meetups
