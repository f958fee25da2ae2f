#include "events_api.hpp"

#include "event_input.hpp"

#include <mmm/auth.hpp>
#include <mmm/error.hpp>
#include <mmm/input.hpp>
#include <mmm/json.hpp>
#include <mmm/text.hpp>
#include <mmm/time.hpp>

#include <spdlog/logger.h>

#include <algorithm>
#include <iterator>
#include <set>

namespace mmm::meetups {
namespace {

constexpr int kDefaultListLimit = 100, kMaxListLimit = 200;  // GET /v1/events/join (API.md)
constexpr int kReconcileBatch = 200;                          // events per start-up transaction
constexpr std::int64_t kMaxOnDemandMs = 366LL * 24 * 3600 * 1000;  // occurrences made for a search

void writeRsvp(JsonWriter& json, const std::optional<Rsvp>& rsvp) {
  if (!rsvp) {
    json.null();
    return;
  }
  json.beginObject().key("instrument");
  if (rsvp->instrument.empty())
    json.null();
  else
    json.value(rsvp->instrument);
  json.key("position");
  if (rsvp->waiting)
    json.value(rsvp->position);
  else
    json.null();
  json.field("state", rsvp->waiting ? "waitlisted" : "going").endObject();
}

template <class T, class Write>
void nullable(JsonWriter& json, const char* key, const std::optional<T>& value, Write write) {
  json.key(key);
  if (value)
    write(*value);
  else
    json.null();
}

}  // namespace

EventsApi::EventsApi(Store& store, ProfileDirectory& profiles, Pusher& pusher, EventServices services,
                     std::shared_ptr<spdlog::logger> log, EventPolicy policy, SeriesSettings series)
    : store_(store),
      profiles_(profiles),
      pusher_(pusher),
      services_(std::move(services)),
      log_(std::move(log)),
      policy_(std::move(policy)),
      seriesSettings_(series),
      fullText_(EventRepository::fullTextLimits(store)) {}

bool EventsApi::isInstrument(const std::string& slug) const {
  // Without the musicians plugin there is no vocabulary: a slug's syntax is all there is.
  return services_.musicians ? services_.musicians->isInstrument(slug) : isSlug(slug);
}

RenderedProfiles EventsApi::profilesOf(const std::vector<Event>& events, std::vector<std::int64_t> ids) {
  for (const auto& e : events) {
    ids.push_back(e.creatorId);
    for (const auto& slot : e.slots) {
      ids.insert(ids.end(), slot.going.begin(), slot.going.end());
      ids.insert(ids.end(), slot.waitlist.begin(), slot.waitlist.end());
    }
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return RenderedProfiles(profiles_.findMany(ids));  // one query for the whole page
}

// Keys in sorted order, as Poco::JSON::Object wrote them before.
void EventsApi::writeEvent(JsonWriter& json, const Event& e, const RenderedProfiles& profiles, bool forViewer) const {
  json.beginObject();
  nullable(json, "capacity", e.capacity, [&](int v) { json.value(v); });
  json.key("channel");
  if (services_.channels && e.channelId)
    json.value(e.channelId);
  else
    json.null();
  json.key("creator");
  profiles.write(json, e.creatorId);
  json.field("datetime", rfc3339(e.startsAt).view()).field("description", e.description);
  if (e.distanceKm) json.field("distanceKm", roundKm(*e.distanceKm));
  nullable(json, "endsAt", e.endsAt, [&](std::int64_t v) { json.value(rfc3339(v).view()); });
  json.field("goingCount", e.goingCount).field("id", e.id);
  if (forViewer) json.field("joined", e.rsvp.has_value());
  nullable(json, "lat", e.point, [&](const GeoPoint& p) { json.value(p.lat); });
  json.field("location", e.location);
  nullable(json, "lon", e.point, [&](const GeoPoint& p) { json.value(p.lon); });
  json.field("memberCount", e.goingCount);
  nullable(json, "onlineURL", e.onlineUrl, [&](const std::string& v) { json.value(v); });
  if (forViewer) {
    json.key("rsvp");
    writeRsvp(json, e.rsvp);
  }
  nullable(json, "seriesID", e.seriesId, [&](std::int64_t v) { json.value(v); });
  json.key("slots").beginArray();
  for (const auto& slot : e.slots) {
    json.beginObject().field("count", slot.count).key("going").beginArray();
    for (auto id : slot.going) profiles.write(json, id);
    json.endArray().field("instrument", slot.instrument).key("waitlist").beginArray();
    for (auto id : slot.waitlist) profiles.write(json, id);
    json.endArray().endObject();
  }
  json.endArray()
      .field("status", e.cancelled ? "cancelled" : "scheduled")
      .field("timezone", e.timezone)
      .field("title", e.title)
      .field("waitlistCount", e.waitlistCount)
      .endObject();
}

std::string EventsApi::toJson(const std::vector<Event>& events) {
  const auto profiles = profilesOf(events);
  JsonWriter json(256 + events.size() * 600);
  json.beginArray();
  for (const auto& e : events) writeEvent(json, e, profiles, true);
  return json.endArray().take();
}

Response EventsApi::eventResponse(int status, const Event& event) {
  JsonWriter json(768);
  writeEvent(json, event, profilesOf({event}), true);
  return Response::json(status, json.take());
}

Response EventsApi::list(Request& request) {
  const auto viewer = authenticated(request).userId;
  auto query = parseEventQuery(request, [this](const std::string& slug) { return isInstrument(slug); });
  if (query.forMe) {
    if (!services_.musicians)
      throw HttpError(400, "forMe needs the musicians plugin, which is disabled on this server");
    const auto me = services_.musicians->find(viewer);
    if (!me || me->instruments.empty())
      throw HttpError(400, "forMe finds jams for your instruments: add an instrument to your musician profile first");
    for (const auto& skill : me->instruments) query.slotsFor.push_back(skill.slug);
    if (me->area) query.forMeFrom = GeoPoint{me->area->lat, me->area->lon};
    query.from = std::max(query.from, nowMillis());  // upcoming, scheduled only
    query.cancelledToo = false;
  }
  // Occurrences of series exist some 90 days ahead; a search further ahead makes them (up
  // to a year ahead) first: up to its `to`, or, from a `from` given alone, for as long
  // again as those 90 days (a page's worth of weekly dates and more).
  const auto now = nowMillis();
  const std::int64_t needed = query.to != INT64_MAX ? query.to
                              : query.from > now  ? query.from + seriesSettings_.horizonMs
                                                  : now;
  if (needed > now + seriesSettings_.horizonMs) makeDueOccurrences(std::min(needed, now + kMaxOnDemandMs));
  auto events = store_.read([&](DbSession& s) { return EventRepository::list(store_, s, query, viewer, fullText_); });
  return Response::json(200, toJson(events));
}

Response EventsApi::joined(Request& request) {
  const auto viewer = authenticated(request).userId;
  const auto page = pageParams(request, kDefaultListLimit, kMaxListLimit);
  auto events = store_.read([&](DbSession& s) { return EventRepository::joinedBy(store_, s, viewer, page); });
  return Response::json(200, toJson(events));
}

Response EventsApi::get(Request& request) {
  const auto viewer = authenticated(request).userId;
  const auto id = pathId(request.param("id"), "event");
  auto event = store_.read([&](DbSession& s) { return EventRepository::find(store_, s, id, viewer); });
  if (!event) throw HttpError(404, "no such event");
  return eventResponse(200, *event);
}

std::optional<std::int64_t> EventsApi::seriesOfEvent(std::int64_t id) {
  // Read before the transaction (an event never changes series): on MariaDB a read inside it
  // would fix its snapshot before the locks it must take first.
  return store_.read([&](DbSession& s) { return SeriesRepository::seriesOf(store_, s, id); });
}

std::pair<Event, std::int64_t> EventsApi::lockedEvent(DbSession& tx, std::int64_t id, std::int64_t viewer) {
  const auto lastKey = EventRepository::lockLineup(store_, tx, id);
  if (!lastKey) throw HttpError(404, "no such event");
  return {*EventRepository::find(store_, tx, id, viewer), *lastKey};
}

Response EventsApi::create(Request& request) {
  const auto creator = authenticated(request).userId;
  const auto f = parseNewEvent(request, [this](const std::string& slug) { return isInstrument(slug); });
  if (f.recurrence) return createSeries(request, creator, f);
  auto created = store_.transaction([&](DbSession& tx) {
    const auto id = EventRepository::insert(store_, tx, creator, f, /*channelStale=*/!services_.channels);
    // The creator joins their own event, in a general place.
    const auto lastKey = *EventRepository::lockLineup(store_, tx, id);
    Lineup lineup(lastKey);
    lineup.load(EventRepository::loadPool(store_, tx, id, "", f.capacity.value_or(std::nullopt)));
    lineup.add("", creator);
    EventRepository::saveLineup(store_, tx, id, lineup);
    if (services_.channels) EventRepository::setChannel(tx, id, services_.channels->create(tx, *f.title, creator, {creator}));
    return *EventRepository::find(store_, tx, id, creator);
  });
  if (services_.channels && created.channelId) services_.channels->notifyCreated(created.channelId);
  log_->info("{} user {} created event {}", request.id, creator, created.id);
  Response response = eventResponse(201, created);
  response.set("Location", "/v1/events/" + std::to_string(created.id));
  return response;
}

Event EventsApi::applyChanges(DbSession& tx, std::int64_t id, const EventFields& f, std::int64_t caller, bool admin,
                              Moves& moves) {
  auto [event, lastKey] = lockedEvent(tx, id, caller);
  EventPolicy::requireCanChange(event.creatorId, caller, admin, "change it");
  checkEnd(f.startsAt.value_or(event.startsAt), f.endsAt ? *f.endsAt : event.endsAt);
  EventRepository::update(tx, id, f);
  EventRepository::touch(store_, tx, id);
  // The line-up follows the new slots and capacity.
  Lineup lineup(lastKey);
  Lineup::Dissolved unslotted;  // the people of slots that are gone, in order
  if (f.slots) {
    for (const auto& old : event.slots) {
      auto now = std::find_if(f.slots->begin(), f.slots->end(),
                              [&](const SlotSpec& s) { return s.instrument == old.instrument; });
      if (now != f.slots->end() && now->count == old.count) continue;
      lineup.load(EventRepository::loadPool(store_, tx, id, old.instrument, old.count));
      if (now == f.slots->end()) {
        auto people = lineup.dissolve(old.instrument);
        unslotted.going.insert(unslotted.going.end(), people.going.begin(), people.going.end());
        unslotted.waiting.insert(unslotted.waiting.end(), people.waiting.begin(), people.waiting.end());
      } else {
        lineup.setPlaces(old.instrument, now->count);
      }
    }
    EventRepository::replaceSlots(store_, tx, id, *f.slots);
  }
  if (f.capacity || !unslotted.going.empty() || !unslotted.waiting.empty()) {
    // General places: those who held a place in a slot that is gone keep one if they can,
    // else stand ahead of those already waiting; those who waited for it wait at the end.
    // Seated under the old capacity first, so that the new one treats them as it treats
    // those who were there: a growth promotes them before anyone waiting, a shrink moves
    // the latest to take a place back (in join order).
    lineup.load(EventRepository::loadPool(store_, tx, id, "", event.capacity));
    lineup.seat("", unslotted.going);
    if (f.capacity) lineup.setPlaces("", *f.capacity);
    for (auto user : unslotted.waiting) lineup.add("", user);
    for (const auto* people : {&unslotted.going, &unslotted.waiting})
      moves.unslotted.insert(moves.unslotted.end(), people->begin(), people->end());
  }
  EventRepository::saveLineup(store_, tx, id, lineup);
  moves.add(lineup);
  // An event's channel bears its title; a series' shared one the series' (patchSeries).
  if (f.title && !event.seriesId) {
    if (services_.channels && event.channelId) services_.channels->rename(tx, event.channelId, *f.title);
    if (!services_.channels) EventRepository::markChannelStale(tx, id);  // renamed at chat's next start
  }
  return event;
}

Response EventsApi::patch(Request& request) {
  const auto caller = authenticated(request).userId;
  const auto id = pathId(request.param("id"), "event");
  const bool wholeSeries = parseSeriesScope(request);
  const auto f = parseEventChanges(request, [this](const std::string& slug) { return isInstrument(slug); });
  if (wholeSeries) {
    auto event = store_.read([&](DbSession& s) { return EventRepository::find(store_, s, id, caller); });
    if (!event) throw HttpError(404, "no such event");
    if (!event->seriesId) throw HttpError(400, "scope=series: this event is not part of a series");
    return patchSeries(request, caller, *event, f);
  }
  const bool admin = policy_.isAdmin(caller);
  std::int64_t creator = 0, channel = 0;
  Moves moves;
  auto updated = store_.transaction([&](DbSession& tx) {
    moves = {};
    const auto before = applyChanges(tx, id, f, caller, admin, moves);
    creator = before.creatorId;
    channel = before.seriesId ? 0 : before.channelId;
    return *EventRepository::find(store_, tx, id, caller);
  });
  policy_.recordIfModerated(creator, caller, "event.edit", "event", id);
  if (services_.channels && channel && f.title) services_.channels->notifyChanged(channel);
  pushChange(id, {}, moves);
  return eventResponse(200, updated);
}

Response EventsApi::remove(Request& request) {
  const auto caller = authenticated(request).userId;
  const auto id = pathId(request.param("id"), "event");
  std::int64_t creator = 0;
  const bool admin = policy_.isAdmin(caller);
  const bool removed = deleteEvent(id, caller, [&](const Event& event) {
    creator = event.creatorId;
    EventPolicy::requireCanChange(creator, caller, admin, "delete it");
  });
  if (!removed) throw HttpError(404, "no such event");
  policy_.recordIfModerated(creator, caller, "event.delete", "event", id);
  log_->info("{} user {} deleted event {}", request.id, caller, id);
  return Response::text(200, "event deleted");
}

bool EventsApi::deleteEvent(std::int64_t id, std::int64_t caller, const std::function<void(const Event&)>& authorise) {
  std::vector<std::int64_t> formerMembers, members;
  std::int64_t channel = 0, sharedChannel = 0;
  const auto series = seriesOfEvent(id);
  const bool removed = store_.transaction([&](DbSession& tx) {
    formerMembers.clear();
    channel = sharedChannel = 0;
    if (series) SeriesRepository::lockRow(store_, tx, *series);
    if (!EventRepository::lockLineup(store_, tx, id)) return false;
    auto event = *EventRepository::find(store_, tx, id, caller);
    authorise(event);
    members = EventRepository::membersOf(store_, tx, {id})[id];
    if (event.seriesId) {  // the series' channel stays, for those in its other occurrences
      EventRepository::remove(tx, id);
      if (!services_.channels) EventRepository::markSeriesChannelStale(store_, tx, *event.seriesId);
      if (services_.channels && event.channelId && services_.channels->exists(tx, event.channelId)) {
        for (auto user : members)
          if (!SeriesRepository::inAnyOccurrence(store_, tx, *event.seriesId, user)) {
            services_.channels->removeMember(tx, event.channelId, user);
            formerMembers.push_back(user);
          }
        sharedChannel = event.channelId;
      }
      return true;
    }
    if (services_.channels && event.channelId && services_.channels->exists(tx, event.channelId)) {
      channel = event.channelId;
      formerMembers = services_.channels->members(tx, channel);
      services_.channels->remove(tx, channel);
    } else if (!services_.channels && event.channelId) {
      EventRepository::addOrphanChannel(tx, store_.sql(), event.channelId);  // deleted at chat's next start
    }
    EventRepository::remove(tx, id);
    return true;
  });
  if (channel) services_.channels->notifyDeleted(channel, formerMembers);
  if (sharedChannel) {
    services_.channels->notifyChanged(sharedChannel);
    if (!formerMembers.empty()) services_.channels->notifyDeleted(sharedChannel, formerMembers);
  }
  if (removed && !members.empty())
    pusher_.push(members, JsonWriter(64).beginObject().field("type", "event-delete").field("eventID", id).endObject().take());
  return removed;
}

std::optional<ReportTarget::Found> EventReportTarget::find(std::int64_t id) {
  auto event = api_.findEvent(id);
  if (!event) return std::nullopt;
  return Found{event->creatorId, event->title};
}

bool EventReportTarget::remove(std::int64_t actorId, std::int64_t id) {
  return api_.deleteEvent(id, actorId, [](const Event&) {});
}

std::optional<Event> EventsApi::findEvent(std::int64_t id) {
  return store_.read([&](DbSession& s) { return EventRepository::find(store_, s, id, 0); });
}

bool EventsApi::joinLineup(DbSession& tx, const Event& event, std::int64_t lastKey, std::int64_t user,
                           const std::string& instrument, Moves& moves) {
  const auto id = event.id;
  const auto current = EventRepository::membership(store_, tx, id, user);
  if (current && current->instrument == instrument) return false;  // the same again: nothing to do
  Lineup lineup(lastKey);
  if (current) {  // a move: the old place frees first
    lineup.load(EventRepository::loadPool(store_, tx, id, current->instrument, event.placesOf(current->instrument)));
    lineup.remove(current->instrument, user);
  }
  lineup.load(EventRepository::loadPool(store_, tx, id, instrument, event.placesOf(instrument)));
  lineup.add(instrument, user);
  EventRepository::saveLineup(store_, tx, id, lineup);
  moves.add(lineup);
  if (!current && services_.channels && event.channelId) services_.channels->addMember(tx, event.channelId, user);
  if (!current && !services_.channels) EventRepository::markChannelStale(tx, id);
  return true;
}

Response EventsApi::join(Request& request) {
  const auto user = authenticated(request).userId;
  const auto want = parseJoin(request);
  const auto id = want.eventId;
  bool changed = false;
  Moves moves;
  const auto series = seriesOfEvent(id);
  auto event = store_.transaction([&](DbSession& tx) {
    changed = false;
    moves = {};
    if (series) SeriesRepository::lockRow(store_, tx, *series);
    auto [event, lastKey] = lockedEvent(tx, id, user);
    // A member's "the same again" is checked as any join is: a cancelled or started event
    // says so to them too.
    if (event.cancelled) throw HttpError(409, "this event is cancelled");
    if (event.startsAt <= nowMillis()) throw HttpError(409, "this event has started");
    if (event.rsvp && event.rsvp->instrument == want.instrument) return event;  // the same again: nothing to do
    if (!want.instrument.empty() && !event.hasSlot(want.instrument))
      throw HttpError(400, "this event has no slot for " + want.instrument);
    changed = joinLineup(tx, event, lastKey, user, want.instrument, moves);
    return *EventRepository::find(store_, tx, id, user);
  });
  if (changed && services_.channels && event.channelId) services_.channels->notifyChanged(event.channelId);
  if (changed) pushChange(id, {}, moves);
  return eventResponse(changed ? 201 : 200, event);
}

bool EventsApi::leaveChannel(DbSession& tx, const Event& event, std::int64_t userId) {
  if (!services_.channels) {
    EventRepository::markChannelStale(tx, event.id);
    return false;
  }
  if (!event.channelId) return false;
  if (event.seriesId && SeriesRepository::inAnyOccurrence(store_, tx, *event.seriesId, userId)) return false;
  services_.channels->removeMember(tx, event.channelId, userId);
  return true;
}

bool EventsApi::leaveLineup(DbSession& tx, const Event& event, std::int64_t lastKey, std::int64_t userId,
                            const MemberRow& row, Moves& moves) {
  Lineup lineup(lastKey);
  lineup.load(EventRepository::loadPool(store_, tx, event.id, row.instrument, event.placesOf(row.instrument)));
  lineup.remove(row.instrument, userId);
  EventRepository::saveLineup(store_, tx, event.id, lineup);
  moves.add(lineup);
  return leaveChannel(tx, event, userId);
}

Response EventsApi::leave(Request& request) {
  const auto user = authenticated(request).userId;
  const auto id = pathId(request.param("id"), "event");
  std::int64_t channel = 0;
  bool left = false;
  Moves moves;
  const auto series = seriesOfEvent(id);
  store_.transaction([&](DbSession& tx) {
    moves = {};
    if (series) SeriesRepository::lockRow(store_, tx, *series);
    auto [event, lastKey] = lockedEvent(tx, id, user);
    if (event.creatorId == user) throw HttpError(409, "the creator cannot leave their own event; delete it instead");
    const auto row = EventRepository::membership(store_, tx, id, user);
    if (!row) throw HttpError(404, "you are not a member of this event");
    left = leaveLineup(tx, event, lastKey, user, *row, moves);
    channel = event.channelId;
  });
  if (services_.channels && channel) {
    services_.channels->notifyChanged(channel);
    if (left) services_.channels->notifyDeleted(channel, {user});  // the channel is gone for the one who left
  }
  pushChange(id, {user}, moves);
  return Response::text(200, "left the event");
}

Response EventsApi::removeMember(Request& request) {
  const auto caller = authenticated(request).userId;
  const auto id = pathId(request.param("id"), "event");
  const auto target = pathId(request.param("userID"), "member");
  const bool admin = policy_.isAdmin(caller);
  std::int64_t channel = 0, creator = 0;
  bool left = false;
  Moves moves;
  const auto series = seriesOfEvent(id);
  store_.transaction([&](DbSession& tx) {
    moves = {};
    if (series) SeriesRepository::lockRow(store_, tx, *series);
    auto [event, lastKey] = lockedEvent(tx, id, caller);
    creator = event.creatorId;
    EventPolicy::requireCanChange(creator, caller, admin, "remove people from it");
    if (target == creator) throw HttpError(409, "the creator cannot be removed from their own event");
    const auto row = EventRepository::membership(store_, tx, id, target);
    if (!row) throw HttpError(404, "that user is not a member of this event");
    left = leaveLineup(tx, event, lastKey, target, *row, moves);
    channel = event.channelId;
  });
  policy_.recordIfModerated(creator, caller, "event.member.remove", "event", id);
  log_->info("{} user {} removed user {} from event {}", request.id, caller, target, id);
  if (services_.channels && channel) {
    services_.channels->notifyChanged(channel);
    if (left) services_.channels->notifyDeleted(channel, {target});
  }
  pusher_.push({target}, JsonWriter(96)
                             .beginObject()
                             .field("type", "rsvp-update")
                             .field("eventID", id)
                             .field("reason", "removed")
                             .key("rsvp")
                             .null()
                             .endObject()
                             .take());
  pushChange(id, {target}, moves);
  return Response::text(200, "removed from the event");
}

Response EventsApi::cancel(Request& request) {
  const auto caller = authenticated(request).userId;
  const auto id = pathId(request.param("id"), "event");
  const auto reason = parseCancelReason(request);
  const bool admin = policy_.isAdmin(caller);
  std::int64_t creator = 0, channel = 0, message = 0;
  bool changed = false;
  auto cancelled = store_.transaction([&](DbSession& tx) {
    channel = message = 0;
    auto [event, lastKey] = lockedEvent(tx, id, caller);
    creator = event.creatorId;
    EventPolicy::requireCanChange(creator, caller, admin, "cancel it");
    changed = !event.cancelled;
    if (!changed) return event;  // once: no second message
    EventRepository::cancel(store_, tx, id);
    EventRepository::touch(store_, tx, id);
    const auto& announcements = services_.announcements;
    if (services_.channels && announcements && event.channelId && services_.channels->exists(tx, event.channelId)) {
      channel = event.channelId;
      message = announcements->post(tx, channel, caller, reason ? "Cancelled: " + *reason : "Cancelled");
    }
    return *EventRepository::find(store_, tx, id, caller);
  });
  if (!changed) return eventResponse(200, cancelled);
  if (message) services_.announcements->notifyPosted(channel, message);
  policy_.recordIfModerated(creator, caller, "event.cancel", "event", id, reason.value_or(""));
  log_->info("{} user {} cancelled event {}", request.id, caller, id);
  pushChange(id, {}, {});
  return eventResponse(200, cancelled);
}

void EventsApi::pushChange(std::int64_t eventId, const std::vector<std::int64_t>& alsoTo, const Moves& moves) {
  // Read back after the commit: what is pushed is what a GET now gives.
  std::optional<Event> event;
  std::vector<std::int64_t> members;
  std::map<std::int64_t, std::optional<Rsvp>> rsvps;
  // Why each moved (a slot gone says more than the move back it may have caused).
  std::map<std::int64_t, const char*> reasons;
  for (auto user : moves.promoted) reasons[user] = "promoted";
  for (auto user : moves.demoted) reasons[user] = "moved-back";
  for (auto user : moves.unslotted) reasons[user] = "slot-removed";
  store_.read([&](DbSession& s) {
    event = EventRepository::find(store_, s, eventId, 0);
    if (!event) return;
    members = EventRepository::membersOf(store_, s, {eventId})[eventId];
    std::vector<std::int64_t> moved;
    for (const auto& [user, reason] : reasons) {
      moved.push_back(user);
      rsvps[user] = std::nullopt;  // until found in the line-up
    }
    for (auto& [user, rsvp] : EventRepository::rsvpsOf(store_, s, eventId, moved)) rsvps[user] = rsvp;
  });
  if (!event) return;  // deleted meanwhile: its delete pushed event-delete
  std::set<std::int64_t> to(members.begin(), members.end());
  to.insert(alsoTo.begin(), alsoTo.end());
  JsonWriter json(1024);
  json.beginObject().field("type", "event-update").key("event");
  writeEvent(json, *event, profilesOf({*event}), false);
  pusher_.push({to.begin(), to.end()}, json.endObject().take());
  for (const auto& [user, rsvp] : rsvps) {
    JsonWriter update(128);
    update.beginObject().field("type", "rsvp-update").field("eventID", eventId).field("reason", reasons[user]);
    update.key("rsvp");
    writeRsvp(update, rsvp);
    pusher_.push({user}, update.endObject().take());
  }
}

// Bounded work at every start: only events changed while chat was off are stale (and, once,
// every event after the upgrade that added the mark). They are checked in batches, a few
// set-based queries per batch whatever its size, in one transaction per batch.
void EventsApi::reconcileChannels() {
  if (!services_.channels) return;
  ReconcileCounts total;
  // Channels of events deleted while chat was off.
  for (bool more = true; more;) {
    std::vector<std::int64_t> gone;
    store_.transaction([&](DbSession& tx) {
      gone = EventRepository::orphanChannels(store_, tx, kReconcileBatch);
      for (const auto& [channel, state] : services_.channels->describe(tx, gone)) services_.channels->remove(tx, channel);
      EventRepository::forgetOrphanChannels(store_, tx, gone);
    });
    ++total.transactions;
    total.deleted += gone.size();
    more = gone.size() == static_cast<std::size_t>(kReconcileBatch);
  }
  // Stale events, in id order (`after` moves on only once a batch is committed).
  for (std::int64_t after = 0;;) {
    ReconcileCounts batch;
    std::int64_t last = 0;
    store_.transaction([&](DbSession& tx) {
      batch = {};
      last = 0;
      const auto events = EventRepository::staleChannels(store_, tx, after, kReconcileBatch);
      if (events.empty()) return;
      last = events.back().id;
      batch = reconcileBatch(tx, events);
    });
    ++total.transactions;
    total += batch;
    if (batch.checked < static_cast<std::size_t>(kReconcileBatch)) break;
    after = last;
  }
  if (total.checked || total.deleted)
    log_->info("event channels: checked {} events in {} transactions: {} channels made, {} renamed, {} membership "
               "changes; {} channels of deleted events removed",
               total.checked, total.transactions, total.created, total.renamed, total.memberships, total.deleted);
  else
    log_->debug("event channels: all current");
}

std::size_t EventsApi::syncMembers(DbSession& tx, std::int64_t channel, const std::vector<std::int64_t>& want,
                                   const std::vector<std::int64_t>& have) {
  std::vector<std::int64_t> joined, left;
  std::set_difference(want.begin(), want.end(), have.begin(), have.end(), std::back_inserter(joined));
  std::set_difference(have.begin(), have.end(), want.begin(), want.end(), std::back_inserter(left));
  for (auto user : joined) services_.channels->addMember(tx, channel, user);
  for (auto user : left) services_.channels->removeMember(tx, channel, user);
  return joined.size() + left.size();
}

EventsApi::ReconcileCounts EventsApi::reconcileBatch(DbSession& tx, const std::vector<Event>& events) {
  ReconcileCounts counts;
  std::vector<std::int64_t> eventIds, channelIds;
  for (const auto& e : events) {
    eventIds.push_back(e.id);
    if (e.channelId) channelIds.push_back(e.channelId);
  }
  auto members = EventRepository::membersOf(store_, tx, eventIds);
  auto channels = services_.channels->describe(tx, channelIds);
  // The occurrences of a series share its channel: named after the series, with everyone in
  // any of its occurrences. Checked once per series.
  std::set<std::int64_t> seriesDone;
  for (const auto& event : events) {
    if (!event.seriesId) continue;
    ++counts.checked;
    if (!seriesDone.insert(*event.seriesId).second) continue;
    const auto series = SeriesRepository::find(store_, tx, *event.seriesId);
    if (!series) continue;
    const auto want = SeriesRepository::members(store_, tx, series->id);
    const auto found = services_.channels->describe(tx, {series->channelId});
    if (found.empty()) {
      SeriesRepository::setChannel(store_, tx, series->id,
                                   services_.channels->create(tx, *series->model.title, series->creatorId, want));
      ++counts.created;
      continue;
    }
    const auto& state = found.begin()->second;
    if (state.name != *series->model.title)
      services_.channels->rename(tx, series->channelId, *series->model.title), ++counts.renamed;
    counts.memberships += syncMembers(tx, series->channelId, want, state.members);
  }
  for (const auto& event : events) {
    if (event.seriesId) continue;
    const auto& want = members[event.id];  // sorted
    const auto found = channels.find(event.channelId);
    ++counts.checked;
    if (found == channels.end()) {  // none yet, or gone
      EventRepository::setChannel(tx, event.id, services_.channels->create(tx, event.title, event.creatorId, want));
      ++counts.created;
      continue;
    }
    const auto channel = found->first;
    const auto& have = found->second.members;  // sorted
    if (found->second.name != event.title) services_.channels->rename(tx, channel, event.title), ++counts.renamed;
    counts.memberships += syncMembers(tx, channel, want, have);
  }
  EventRepository::markChannelsCurrent(store_, tx, eventIds);
  return counts;
}

}  // namespace mmm::meetups
