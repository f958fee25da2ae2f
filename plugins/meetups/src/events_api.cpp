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

namespace mmm::meetups {
namespace {

constexpr int kDefaultListLimit = 100, kMaxListLimit = 200;  // GET /v1/events/join (API.md)
constexpr int kReconcileBatch = 200;                          // events per start-up transaction

}  // namespace

EventsApi::EventsApi(Store& store, ProfileDirectory& profiles, std::shared_ptr<ManagedChannels> channels,
                     std::shared_ptr<spdlog::logger> log, EventPolicy policy)
    : store_(store),
      profiles_(profiles),
      channels_(std::move(channels)),
      log_(std::move(log)),
      policy_(std::move(policy)),
      fullText_(EventRepository::fullTextLimits(store)) {}

RenderedProfiles EventsApi::creators(const std::vector<Event>& events) {
  std::vector<std::int64_t> ids;
  ids.reserve(events.size());
  for (const auto& e : events) ids.push_back(e.creatorId);
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return RenderedProfiles(profiles_.findMany(ids));  // one query for the whole page
}

// Keys in sorted order, as Poco::JSON::Object wrote them before.
void EventsApi::writeEvent(JsonWriter& json, const Event& e, const RenderedProfiles& creators) const {
  json.beginObject().key("channel");
  if (channels_ && e.channelId)
    json.value(e.channelId);
  else
    json.null();
  json.key("creator");
  creators.write(json, e.creatorId);
  json.field("datetime", formatRfc3339(e.startsAt))
      .field("description", e.description)
      .field("id", e.id)
      .field("joined", e.joined)
      .field("location", e.location)
      .field("memberCount", e.memberCount)
      .field("title", e.title)
      .endObject();
}

std::string EventsApi::toJson(const std::vector<Event>& events) {
  const auto profiles = creators(events);
  JsonWriter json(256 + events.size() * 400);
  json.beginArray();
  for (const auto& e : events) writeEvent(json, e, profiles);
  return json.endArray().take();
}

Response EventsApi::eventResponse(int status, const Event& event) {
  JsonWriter json(512);
  writeEvent(json, event, creators({event}));
  return Response::json(status, json.take());
}

Response EventsApi::list(Request& request) {
  const auto viewer = authenticated(request).userId;
  const auto query = parseEventQuery(request);
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

Response EventsApi::create(Request& request) {
  const auto creator = authenticated(request).userId;
  const auto f = parseNewEvent(request);
  Event event{0, *f.title, *f.startsAt, *f.location, f.description.value_or(""), creator, 0, 0, false};
  const Sql sql = store_.sql();
  auto created = store_.transaction([&](DbSession& tx) {
    const auto id = EventRepository::insert(tx, sql, event, /*channelStale=*/!channels_);
    EventRepository::addMember(tx, sql, id, creator);  // the creator joins their own event
    if (channels_) EventRepository::setChannel(tx, id, channels_->create(tx, event.title, creator, {creator}));
    return *EventRepository::find(store_, tx, id, creator);
  });
  if (channels_ && created.channelId) channels_->notifyCreated(created.channelId);
  log_->info("{} user {} created event {}", request.id, creator, created.id);
  Response response = eventResponse(201, created);
  response.set("Location", "/v1/events/" + std::to_string(created.id));
  return response;
}

Response EventsApi::patch(Request& request) {
  const auto caller = authenticated(request).userId;
  const auto id = pathId(request.param("id"), "event");
  const auto f = parseEventChanges(request);
  const bool admin = policy_.isAdmin(caller);
  std::int64_t creator = 0;
  auto updated = store_.transaction([&](DbSession& tx) {
    auto event = EventRepository::find(store_, tx, id, caller);
    if (!event) throw HttpError(404, "no such event");
    creator = event->creatorId;
    EventPolicy::requireCanChange(creator, caller, admin, "change it");
    EventRepository::update(tx, id, f);
    if (channels_ && event->channelId && f.title) channels_->rename(tx, event->channelId, *f.title);
    if (!channels_ && f.title) EventRepository::markChannelStale(tx, id);  // renamed at chat's next start
    return *EventRepository::find(store_, tx, id, caller);
  });
  policy_.recordIfModerated(creator, caller, "event.edit", id);
  if (channels_ && updated.channelId && f.title) channels_->notifyChanged(updated.channelId);
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
  policy_.recordIfModerated(creator, caller, "event.delete", id);
  log_->info("{} user {} deleted event {}", request.id, caller, id);
  return Response::text(200, "event deleted");
}

bool EventsApi::deleteEvent(std::int64_t id, std::int64_t caller, const std::function<void(const Event&)>& authorise) {
  std::vector<std::int64_t> formerMembers;
  std::int64_t channel = 0;
  const bool removed = store_.transaction([&](DbSession& tx) {
    auto event = EventRepository::find(store_, tx, id, caller);
    if (!event) return false;
    authorise(*event);
    if (channels_ && event->channelId && channels_->exists(tx, event->channelId)) {
      channel = event->channelId;
      formerMembers = channels_->members(tx, channel);
      channels_->remove(tx, channel);
    } else if (!channels_ && event->channelId) {
      EventRepository::addOrphanChannel(tx, store_.sql(), event->channelId);  // deleted at chat's next start
    }
    EventRepository::remove(tx, id);
    return true;
  });
  if (channel) channels_->notifyDeleted(channel, formerMembers);
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

Response EventsApi::join(Request& request) {
  const auto user = authenticated(request).userId;
  const std::int64_t id = parseJoinedEventId(request);
  const Sql sql = store_.sql();
  bool added = false;
  auto event = store_.transaction([&](DbSession& tx) {
    // With chat off the channel falls behind: mark the event first, so that its row is
    // locked before the member's insert takes a shared lock on it for the foreign key
    // (MariaDB; upgrading that lock afterwards deadlocks concurrent joiners).
    if (!channels_) EventRepository::markChannelStale(tx, id);
    auto before = EventRepository::find(store_, tx, id, user);
    if (!before) throw HttpError(404, "no such event");
    added = EventRepository::addMember(tx, sql, id, user);  // the primary key refuses a duplicate
    if (added && channels_ && before->channelId) channels_->addMember(tx, before->channelId, user);
    return *EventRepository::find(store_, tx, id, user);
  });
  if (added && channels_ && event.channelId) channels_->notifyChanged(event.channelId);
  return eventResponse(added ? 201 : 200, event);
}

Response EventsApi::leave(Request& request) {
  const auto user = authenticated(request).userId;
  const auto id = pathId(request.param("id"), "event");
  std::int64_t channel = 0;
  store_.transaction([&](DbSession& tx) {
    if (!channels_) EventRepository::markChannelStale(tx, id);  // first, as in join
    auto event = EventRepository::find(store_, tx, id, user);
    if (!event) throw HttpError(404, "no such event");
    if (event->creatorId == user) throw HttpError(409, "the creator cannot leave their own event; delete it instead");
    if (!EventRepository::removeMember(tx, id, user)) throw HttpError(404, "you are not a member of this event");
    if (channels_ && event->channelId) {
      channels_->removeMember(tx, event->channelId, user);
      channel = event->channelId;
    }
  });
  if (channel) {
    channels_->notifyChanged(channel);
    channels_->notifyDeleted(channel, {user});  // the channel is gone for the one who left
  }
  return Response::text(200, "left the event");
}

// Bounded work at every start: only events changed while chat was off are stale (and, once,
// every event after the upgrade that added the mark). They are checked in batches, a few
// set-based queries per batch whatever its size, in one transaction per batch.
void EventsApi::reconcileChannels() {
  if (!channels_) return;
  ReconcileCounts total;
  // Channels of events deleted while chat was off.
  for (bool more = true; more;) {
    std::vector<std::int64_t> gone;
    store_.transaction([&](DbSession& tx) {
      gone = EventRepository::orphanChannels(store_, tx, kReconcileBatch);
      for (const auto& [channel, state] : channels_->describe(tx, gone)) channels_->remove(tx, channel);
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

EventsApi::ReconcileCounts EventsApi::reconcileBatch(DbSession& tx, const std::vector<Event>& events) {
  ReconcileCounts counts;
  std::vector<std::int64_t> eventIds, channelIds;
  for (const auto& e : events) {
    eventIds.push_back(e.id);
    if (e.channelId) channelIds.push_back(e.channelId);
  }
  auto members = EventRepository::membersOf(store_, tx, eventIds);
  const auto channels = channels_->describe(tx, channelIds);
  for (const auto& event : events) {
    const auto& want = members[event.id];  // sorted
    const auto found = channels.find(event.channelId);
    ++counts.checked;
    if (found == channels.end()) {  // none yet, or gone
      EventRepository::setChannel(tx, event.id, channels_->create(tx, event.title, event.creatorId, want));
      ++counts.created;
      continue;
    }
    const auto channel = found->first;
    const auto& have = found->second.members;  // sorted
    if (found->second.name != event.title) channels_->rename(tx, channel, event.title), ++counts.renamed;
    std::vector<std::int64_t> joined, left;
    std::set_difference(want.begin(), want.end(), have.begin(), have.end(), std::back_inserter(joined));
    std::set_difference(have.begin(), have.end(), want.begin(), want.end(), std::back_inserter(left));
    for (auto user : joined) channels_->addMember(tx, channel, user);
    for (auto user : left) channels_->removeMember(tx, channel, user);
    counts.memberships += joined.size() + left.size();
  }
  EventRepository::markChannelsCurrent(store_, tx, eventIds);
  return counts;
}

}  // namespace mmm::meetups
