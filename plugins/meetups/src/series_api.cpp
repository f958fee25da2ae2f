// The handlers of API.md's "Series": recurring events made from a rule, their regulars,
// series-wide edits and cancelling, and the making of occurrences ahead of time.
#include "event_input.hpp"
#include "events_api.hpp"
#include "recurrence.hpp"

#include <mmm/auth.hpp>
#include <mmm/error.hpp>
#include <mmm/input.hpp>
#include <mmm/json_writer.hpp>
#include <mmm/time.hpp>

#include <spdlog/logger.h>

#include <algorithm>
#include <functional>
#include <limits>

namespace mmm::meetups {
namespace {

constexpr int kNextShown = 10;        // GET /v1/series/{id}: the next occurrences
constexpr int kDueBatch = 100;        // series looked at per query of the job

bool hasSlot(const std::optional<std::vector<SlotSpec>>& slots, const std::string& instrument) {
  return slots && std::any_of(slots->begin(), slots->end(), [&](const SlotSpec& s) { return s.instrument == instrument; });
}

std::optional<int> placesIn(const EventFields& f, const std::string& instrument) {
  if (instrument.empty()) return f.capacity.value_or(std::nullopt);
  for (const auto& s : *f.slots)
    if (s.instrument == instrument) return s.count;
  return 0;
}

std::int64_t seriesId(const Request& request) { return pathId(request.param("id"), "series"); }

}  // namespace

std::vector<std::int64_t> EventsApi::makeOccurrences(DbSession& tx, Series& series, std::int64_t until) {
  std::vector<std::int64_t> made;
  if (series.ended || series.madeUntil >= until) return made;
  const auto rule = parseRecurrence(series.recurrence);
  const auto regulars = SeriesRepository::regulars(store_, tx, series.id);
  for (const auto& o : occurrences(rule, series.anchor, series.madeCount, until, kMaxOccurrences)) {
    EventFields f = series.model;
    f.startsAt = o.startsAt;
    if (series.durationMs) f.endsAt = std::optional<std::int64_t>(o.startsAt + *series.durationMs);
    f.timezone = series.anchor.timezone;
    const auto id = EventRepository::insert(store_, tx, series.creatorId, f, /*channelStale=*/!services_.channels);
    EventRepository::setOccurrence(store_, tx, id, series.id, o.index, series.channelId);
    // The regulars, in the order they became regulars (the creator first), by the join
    // rules: a slot's place or its waitlist, a general place when the slot is gone.
    Lineup lineup(*EventRepository::lockLineup(store_, tx, id));
    std::vector<std::string> loaded;
    for (const auto& regular : regulars) {
      const std::string instrument = hasSlot(f.slots, regular.instrument) ? regular.instrument : "";
      if (std::find(loaded.begin(), loaded.end(), instrument) == loaded.end()) {
        lineup.load(EventRepository::loadPool(store_, tx, id, instrument, placesIn(f, instrument)));
        loaded.push_back(instrument);
      }
      lineup.add(instrument, regular.userId);
    }
    EventRepository::saveLineup(store_, tx, id, lineup);
    made.push_back(id);
    series.madeCount = o.index + 1;
  }
  // The regulars are in the series' channel while they are in one of its occurrences: one
  // who skipped every earlier date is in one again.
  if (!made.empty() && services_.channels && series.channelId)
    for (const auto& regular : regulars) services_.channels->addMember(tx, series.channelId, regular.userId);
  series.madeUntil = std::max(series.madeUntil, until);
  const auto next = occurrences(rule, series.anchor, series.madeCount, std::numeric_limits<std::int64_t>::max(), 1);
  series.ended = next.empty();
  SeriesRepository::setMade(store_, tx, series.id, series.madeCount, series.madeUntil,
                            next.empty() ? std::nullopt : std::optional<std::int64_t>(next.front().startsAt));
  return made;
}

std::size_t EventsApi::extendSeries(std::int64_t id, std::int64_t until) {
  std::int64_t channel = 0;
  const auto made = store_.transaction([&](DbSession& tx) -> std::size_t {
    auto series = SeriesRepository::lock(store_, tx, id);
    if (!series) return 0;
    channel = series->channelId;
    return makeOccurrences(tx, *series, until).size();
  });
  if (made && channel && services_.channels) services_.channels->notifyChanged(channel);
  return made;
}

std::size_t EventsApi::makeDueOccurrences(std::int64_t until, const std::function<bool()>& stopping) {
  std::size_t made = 0, failed = 0;
  for (std::int64_t after = 0; !(stopping && stopping());) {
    const auto due = store_.read([&](DbSession& s) { return SeriesRepository::due(store_, s, until, after, kDueBatch); });
    for (auto id : due) {
      if (stopping && stopping()) break;
      // One series that cannot be made (its zone gone from a tzdata update, say) must not
      // hold back the others: counted, logged, tried again next time.
      try {
        made += extendSeries(id, until);
      } catch (const std::exception& e) {
        ++failed;
        log_->error("series {}: making its occurrences failed: {}", id, e.what());
      }
    }
    if (due.size() < static_cast<std::size_t>(kDueBatch)) break;
    after = due.back();
  }
  if (made || failed)
    log_->info("series: made {} occurrences up to {}; {} series failed", made, formatRfc3339(until), failed);
  return made;
}

void EventsApi::ensureUpcoming(std::int64_t id, int count) {
  std::optional<Series> series;
  std::int64_t upcoming = 0;
  store_.read([&](DbSession& s) {
    series = SeriesRepository::find(store_, s, id);
    if (series) upcoming = SeriesRepository::countFrom(store_, s, id, nowMillis() + 1);
  });
  if (!series || series->ended || upcoming >= count) return;
  const auto more = occurrences(parseRecurrence(series->recurrence), series->anchor, series->madeCount,
                                std::numeric_limits<std::int64_t>::max(), static_cast<std::size_t>(count - upcoming));
  if (!more.empty()) extendSeries(id, more.back().startsAt);
}

Response EventsApi::createSeries(Request& request, std::int64_t creator, const EventFields& f) {
  const auto rule = parseRecurrence(*f.recurrence);
  const auto zone = f.timezone.value_or("UTC");
  const auto anchor = anchorOf(rule, zone, *f.startsAt);
  // The first occurrence is `datetime` itself; a time the autumn change repeats (read as its
  // first instant, RFC 5545) or a date past year 9999 gives another or none.
  const auto first = occurrences(rule, anchor, 0, std::numeric_limits<std::int64_t>::max(), 1);
  if (first.empty() || first.front().startsAt != *f.startsAt)
    throw HttpError(400, first.empty() ? "datetime is too far ahead for a series"
                                       : "datetime falls in the hour that daylight saving repeats in " + zone +
                                             ": a series' local time must be unambiguous, pick another time");
  const auto until = std::max(nowMillis() + seriesSettings_.horizonMs, *f.startsAt);
  std::int64_t channel = 0, id = 0;
  auto created = store_.transaction([&](DbSession& tx) {
    id = SeriesRepository::insert(store_, tx, creator, rule.text(), anchor, f);
    SeriesRepository::putRegular(store_, tx, id, {creator, ""});
    channel = 0;
    if (services_.channels) {
      channel = services_.channels->create(tx, *f.title, creator, {creator});
      SeriesRepository::setChannel(store_, tx, id, channel);
    }
    auto series = *SeriesRepository::lock(store_, tx, id);
    const auto made = makeOccurrences(tx, series, until);
    if (made.empty()) throw std::logic_error("a new series made no first occurrence");  // checked above
    return *EventRepository::find(store_, tx, made.front(), creator);
  });
  if (channel) services_.channels->notifyCreated(channel);
  log_->info("{} user {} created series {} ({}) with event {}", request.id, creator, id, rule.text(), created.id);
  Response response = eventResponse(201, created);
  response.set("Location", "/v1/events/" + std::to_string(created.id));
  return response;
}

Response EventsApi::seriesResponse(int status, std::int64_t id, std::int64_t viewer) {
  std::optional<Series> series;
  std::vector<Regular> regulars;
  std::optional<Regular> mine;
  std::vector<Event> next;
  store_.read([&](DbSession& s) {
    series = SeriesRepository::find(store_, s, id);
    if (!series) return;
    regulars = SeriesRepository::regulars(store_, s, id);
    mine = SeriesRepository::regular(store_, s, id, viewer);
    auto ids = SeriesRepository::occurrencesFrom(store_, s, id, nowMillis() + 1);
    if (ids.size() > static_cast<std::size_t>(kNextShown)) ids.resize(kNextShown);
    next = EventRepository::findMany(store_, s, ids, viewer);
  });
  if (!series) throw HttpError(404, "no such series");
  std::vector<std::int64_t> users{series->creatorId};
  for (const auto& r : regulars) users.push_back(r.userId);
  const auto profiles = profilesOf(next, users);
  JsonWriter json(1024 + next.size() * 600);
  json.beginObject().key("channel");
  if (services_.channels && series->channelId)
    json.value(series->channelId);
  else
    json.null();
  json.key("creator");
  profiles.write(json, series->creatorId);
  json.field("id", series->id).key("next").beginArray();
  for (const auto& e : next) writeEvent(json, e, profiles, true);
  json.endArray().field("recurrence", series->recurrence).key("regular");
  if (mine) {
    json.beginObject().key("instrument");
    if (mine->instrument.empty())
      json.null();
    else
      json.value(mine->instrument);
    json.endObject();
  } else {
    json.null();
  }
  json.key("regulars").beginArray();
  for (const auto& r : regulars) profiles.write(json, r.userId);
  json.endArray()
      .field("status", series->cancelled ? "cancelled" : "scheduled")
      .field("timezone", series->anchor.timezone)
      .field("title", *series->model.title)
      .endObject();
  return Response::json(status, json.take());
}

Response EventsApi::series(Request& request) {
  const auto viewer = authenticated(request).userId;
  const auto id = seriesId(request);
  ensureUpcoming(id, kNextShown);
  return seriesResponse(200, id, viewer);
}

Response EventsApi::joinSeries(Request& request) {
  const auto user = authenticated(request).userId;
  const auto id = seriesId(request);
  const auto instrument = parseSeriesJoin(request);
  bool changed = false, newRegular = false;
  std::int64_t channel = 0;
  std::vector<std::pair<std::int64_t, Moves>> joined;  // per occurrence changed
  store_.transaction([&](DbSession& tx) {
    changed = newRegular = false;
    joined.clear();
    const auto series = SeriesRepository::lock(store_, tx, id, /*occurrencesToo=*/true);
    if (!series) throw HttpError(404, "no such series");
    // Checked before "the same again": a regular whose slot a PATCH removed joins with it
    // no more than anyone else does (they hold a general place in each occurrence).
    if (series->cancelled) throw HttpError(409, "this series is cancelled");
    if (!instrument.empty() && !hasSlot(series->model.slots, instrument))
      throw HttpError(400, "this series has no slot for " + instrument);
    const auto current = SeriesRepository::regular(store_, tx, id, user);
    if (current && current->instrument == instrument) return;  // the same again
    SeriesRepository::putRegular(store_, tx, id, {user, instrument});
    changed = true;
    newRegular = !current;
    channel = series->channelId;
    // Every upcoming occurrence, soonest first (the series' lock first, then each event's:
    // the order every series-wide change takes them in).
    for (auto eventId : SeriesRepository::occurrencesFrom(store_, tx, id, nowMillis() + 1)) {
      const auto lastKey = EventRepository::lockLineup(store_, tx, eventId);
      const auto event = EventRepository::find(store_, tx, eventId, user);
      if (!lastKey || !event || event->cancelled) continue;
      Moves moves;
      if (joinLineup(tx, *event, *lastKey, user, event->hasSlot(instrument) ? instrument : "", moves))
        joined.emplace_back(eventId, std::move(moves));
    }
  });
  if (changed) log_->info("{} user {} became a regular of series {}", request.id, user, id);
  if (newRegular && services_.channels && channel) services_.channels->notifyChanged(channel);
  for (const auto& [eventId, moves] : joined) pushChange(eventId, {}, moves);
  return seriesResponse(changed ? 201 : 200, id, user);
}

Response EventsApi::leaveSeries(Request& request) {
  const auto user = authenticated(request).userId;
  const auto id = seriesId(request);
  std::int64_t channel = 0;
  bool leftChannel = false;
  std::vector<std::pair<std::int64_t, Moves>> left;
  store_.transaction([&](DbSession& tx) {
    leftChannel = false;
    left.clear();
    const auto series = SeriesRepository::lock(store_, tx, id, /*occurrencesToo=*/true);
    if (!series) throw HttpError(404, "no such series");
    if (series->creatorId == user)
      throw HttpError(409, "the creator cannot stop being a regular of their own series; cancel it instead");
    if (!SeriesRepository::regular(store_, tx, id, user)) throw HttpError(404, "you are not a regular of this series");
    SeriesRepository::removeRegular(store_, tx, id, user);
    channel = series->channelId;
    for (auto eventId : SeriesRepository::occurrencesFrom(store_, tx, id, nowMillis() + 1)) {
      const auto lastKey = EventRepository::lockLineup(store_, tx, eventId);
      const auto event = EventRepository::find(store_, tx, eventId, user);
      const auto row = EventRepository::membership(store_, tx, eventId, user);
      if (!lastKey || !event || !row) continue;
      Moves moves;
      leftChannel = leaveLineup(tx, *event, *lastKey, user, *row, moves) || leftChannel;
      left.emplace_back(eventId, std::move(moves));
    }
  });
  log_->info("{} user {} stopped being a regular of series {}", request.id, user, id);
  if (services_.channels && channel && !left.empty()) {
    services_.channels->notifyChanged(channel);
    if (leftChannel) services_.channels->notifyDeleted(channel, {user});
  }
  for (const auto& [eventId, moves] : left) pushChange(eventId, {user}, moves);
  return Response::text(200, "no longer a regular of the series");
}

Response EventsApi::cancelSeries(Request& request) {
  const auto caller = authenticated(request).userId;
  const auto id = seriesId(request);
  const auto reason = parseCancelReason(request);
  const bool admin = policy_.isAdmin(caller);
  std::int64_t creator = 0, channel = 0, message = 0;
  std::vector<std::int64_t> cancelled;
  bool changed = false;
  store_.transaction([&](DbSession& tx) {
    channel = message = 0;
    cancelled.clear();
    const auto series = SeriesRepository::lock(store_, tx, id, /*occurrencesToo=*/true);
    if (!series) throw HttpError(404, "no such series");
    creator = series->creatorId;
    EventPolicy::requireCanChange(creator, caller, admin, "cancel it");
    changed = !series->cancelled;
    if (!changed) return;  // once: no second message
    SeriesRepository::cancel(store_, tx, id);
    for (auto eventId : SeriesRepository::occurrencesFrom(store_, tx, id, nowMillis() + 1)) {
      const auto event = EventRepository::find(store_, tx, eventId, caller);
      if (!event || event->cancelled) continue;
      EventRepository::cancel(store_, tx, eventId);
      EventRepository::touch(store_, tx, eventId);
      cancelled.push_back(eventId);
    }
    const auto& announcements = services_.announcements;
    if (services_.channels && announcements && series->channelId && services_.channels->exists(tx, series->channelId)) {
      channel = series->channelId;
      message = announcements->post(tx, channel, caller, reason ? "Cancelled: " + *reason : "Cancelled");
    }
  });
  if (changed) {
    if (message) services_.announcements->notifyPosted(channel, message);
    policy_.recordIfModerated(creator, caller, "series.cancel", "series", id, reason.value_or(""));
    log_->info("{} user {} cancelled series {} ({} upcoming occurrences)", request.id, caller, id, cancelled.size());
    for (auto eventId : cancelled) pushChange(eventId, {}, {});
  }
  return seriesResponse(200, id, caller);
}

Response EventsApi::patchSeries(Request& request, std::int64_t caller, const Event& occurrence,
                                const EventFields& f) {
  const bool admin = policy_.isAdmin(caller);
  const auto seriesId = *occurrence.seriesId;
  std::int64_t creator = 0, channel = 0;
  std::vector<std::pair<std::int64_t, Moves>> changed;
  auto updated = store_.transaction([&](DbSession& tx) {
    changed.clear();
    auto series = SeriesRepository::lock(store_, tx, seriesId, /*occurrencesToo=*/true);
    if (!series) throw HttpError(404, "no such event");  // deleted meanwhile
    creator = series->creatorId;
    EventPolicy::requireCanChange(creator, caller, admin, "change it");
    const auto self = EventRepository::find(store_, tx, occurrence.id, caller);
    if (!self) throw HttpError(404, "no such event");
    // A new time of day (each occurrence keeps its local date) or zone (each keeps its local
    // date and time).
    std::optional<SeriesAnchor> anchor;
    std::optional<int> newSeconds;  // the new time of day, when datetime is given
    if (f.startsAt || f.timezone) {
      anchor = series->anchor;
      if (f.timezone) anchor->timezone = *f.timezone;
      if (f.startsAt) {
        const auto date = toLocal(self->timezone, self->startsAt).first;
        const auto [newDate, seconds] = toLocal(anchor->timezone, *f.startsAt);
        if (newDate != date)
          throw HttpError(400, "with scope=series, datetime may change only the time of day (keep the date " +
                                   formatDate(date) + "); each later date keeps its own day");
        anchor->secondsOfDay = seconds;
        newSeconds = seconds;
      }
    }
    // A new end: the same duration on each.
    std::optional<std::optional<std::int64_t>> duration;
    if (f.endsAt) {
      if (*f.endsAt) {
        const auto start = f.startsAt.value_or(self->startsAt);
        checkEnd(start, *f.endsAt);
        duration = **f.endsAt - start;
      } else {
        duration = std::optional<std::int64_t>();
      }
    }
    EventFields model = f;
    model.startsAt.reset();
    model.endsAt.reset();
    model.timezone.reset();
    SeriesRepository::updateModel(store_, tx, seriesId, model, duration, anchor);
    if (f.title && series->channelId) {
      if (services_.channels) services_.channels->rename(tx, series->channelId, *f.title), channel = series->channelId;
      else EventRepository::markChannelStale(tx, occurrence.id);  // renamed at chat's next start
    }
    for (auto eventId : SeriesRepository::occurrencesFrom(store_, tx, seriesId, self->startsAt)) {
      const auto event = EventRepository::find(store_, tx, eventId, caller);
      if (!event) continue;
      EventFields g = model;
      if (anchor) {
        const auto [date, seconds] = toLocal(event->timezone, event->startsAt);
        g.startsAt = toUtc(anchor->timezone, date, newSeconds.value_or(seconds));
        g.timezone = anchor->timezone;
      }
      const auto start = g.startsAt.value_or(event->startsAt);
      if (duration) g.endsAt = *duration ? std::optional<std::int64_t>(start + **duration) : std::nullopt;
      else if (g.startsAt && event->endsAt) g.endsAt = std::optional<std::int64_t>(start + (*event->endsAt - event->startsAt));
      Moves moves;
      applyChanges(tx, eventId, g, caller, admin, moves);
      changed.emplace_back(eventId, std::move(moves));
    }
    return *EventRepository::find(store_, tx, occurrence.id, caller);
  });
  policy_.recordIfModerated(creator, caller, "series.edit", "series", seriesId);
  log_->info("{} user {} changed series {} from event {} on ({} occurrences)", request.id, caller, seriesId,
             occurrence.id, changed.size());
  if (channel) services_.channels->notifyChanged(channel);
  for (const auto& [eventId, moves] : changed) pushChange(eventId, {}, moves);
  return eventResponse(200, updated);
}

}  // namespace mmm::meetups
