// Test support for the meetups plugin's series and calendars (issue 17): a running
// mmm-server (ApiTest) with helpers for events, series and chat channels, and civil-date
// arithmetic to compute by hand the dates a rule must give (no tz library: the only zones
// the tests reckon in are UTC and America/Los_Angeles, whose rules are spelt out below).
#pragma once

#include "api_fixture.hpp"

#include <mmm/time.hpp>

#include <algorithm>
#include <set>
#include <vector>

namespace mmm::test {

constexpr std::int64_t kMinuteMs = 60 * 1000, kHourMs = 60 * kMinuteMs, kDayMs = 24 * kHourMs;

/// Whole seconds `days` from now, in UTC milliseconds.
inline std::int64_t daysAhead(int days) { return (mmm::nowMillis() / 1000 + days * 86400LL) * 1000; }
inline std::string iso(std::int64_t millis) { return mmm::formatRfc3339(millis); }
inline std::int64_t millisOf(const std::string& rfc3339) {
  auto parsed = mmm::parseRfc3339(rfc3339);
  EXPECT_TRUE(parsed) << "not RFC 3339: " << rfc3339;
  return parsed.value_or(0);
}

/// Today, in days since 1970-01-01 (UTC).
inline std::int64_t today() { return mmm::nowMillis() / kDayMs; }

/// A civil date, counted as days since 1970-01-01 (Howard Hinnant's days_from_civil).
inline std::int64_t civilDays(int year, int month, int day) {
  year -= month <= 2;
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int yearOfEra = static_cast<int>(year - era * 400);
  const int dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}
/// The civil date of a day count, as "YYYY-MM-DD" (from formatRfc3339).
inline std::string civilText(std::int64_t days) { return iso(days * kDayMs).substr(0, 10); }
/// 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday).
inline int weekdayOf(std::int64_t days) { return static_cast<int>(((days % 7) + 11) % 7); }
inline const char* byDay(int weekday) {
  static const char* const names[] = {"SU", "MO", "TU", "WE", "TH", "FR", "SA"};
  return names[weekday];
}
/// The first day on or after `days` that is a `weekday`.
inline std::int64_t onOrAfter(std::int64_t days, int weekday) { return days + (weekday - weekdayOf(days) + 7) % 7; }
/// The `nth` (1–5) `weekday` of a month, or its last one for nth = -1.
inline std::int64_t nthWeekday(int year, int month, int weekday, int nth) {
  if (nth > 0) return onOrAfter(civilDays(year, month, 1), weekday) + 7 * (nth - 1);
  const std::int64_t last = civilDays(month == 12 ? year + 1 : year, month == 12 ? 1 : month + 1, 1) - 1;
  return last - (weekdayOf(last) - weekday + 7) % 7;
}
inline int yearOf(std::int64_t days) { return std::stoi(civilText(days).substr(0, 4)); }
inline int monthOf(std::int64_t days) { return std::stoi(civilText(days).substr(5, 2)); }

/// America/Los_Angeles since 2007: UTC-7 (PDT) from the second Sunday of March 02:00 to
/// the first Sunday of November 02:00, else UTC-8 (PST). The UTC time of a local date and
/// time of day after 02:00 (the tests use evening times, never the hours of a change).
inline std::int64_t losAngelesToUtc(std::int64_t localDay, int hour, int minute) {
  const int year = yearOf(localDay);
  const bool summer = localDay >= nthWeekday(year, 3, 0, 2) && localDay < nthWeekday(year, 11, 0, 1);
  return localDay * kDayMs + hour * kHourMs + minute * kMinuteMs + (summer ? 7 : 8) * kHourMs;
}
/// Europe/Berlin: UTC+2 from the last Sunday of March 01:00 UTC to the last Sunday of
/// October 01:00 UTC, else UTC+1. The same restriction (evening times).
inline std::int64_t berlinToUtc(std::int64_t localDay, int hour, int minute) {
  const int year = yearOf(localDay);
  const bool summer = localDay >= nthWeekday(year, 3, 0, -1) && localDay < nthWeekday(year, 10, 0, -1);
  return localDay * kDayMs + hour * kHourMs + minute * kMinuteMs - (summer ? 2 : 1) * kHourMs;
}

using Ids = std::vector<std::int64_t>;

/// ApiTest with the requests the series and calendar tests make over and over.
class MeetupsTest : public ApiTest {
 protected:
  static std::int64_t idOf(const Poco::JSON::Object::Ptr& o) { return o->getValue<Poco::Int64>("id"); }
  static std::string str(std::int64_t n) { return std::to_string(n); }

  static std::string eventBody(const std::string& datetime, const std::string& extra = "",
                               const std::string& title = "Jam") {
    return R"({"title":")" + title + R"(","datetime":")" + datetime +
           R"(","location":"The Hall","description":"Bring a bass")" + (extra.empty() ? "" : "," + extra) + "}";
  }
  /// POST /v1/events with `extra` fields (members of a JSON object without the braces).
  HttpReply createReply(const Account& who, const std::string& datetime, const std::string& extra = "",
                        const std::string& title = "Jam") {
    return call("POST", "/v1/events", eventBody(datetime, extra, title), who.token);
  }
  /// Creates an event (or a series: its first occurrence) and expects 201.
  Poco::JSON::Object::Ptr create(const Account& who, const std::string& datetime, const std::string& extra = "",
                                 const std::string& title = "Jam") {
    auto reply = createReply(who, datetime, extra, title);
    EXPECT_EQ(reply.status, 201) << extra << ": " << reply.body;
    return reply.status == 201 ? json(reply) : Poco::JSON::Object::Ptr(new Poco::JSON::Object);
  }
  /// Creates a series with `rule` (and `extra` fields), its first occurrence at `datetime`.
  Poco::JSON::Object::Ptr createSeries(const Account& who, const std::string& datetime, const std::string& rule,
                                       const std::string& extra = "", const std::string& title = "Jam") {
    return create(who, datetime, R"("recurrence":")" + rule + "\"" + (extra.empty() ? "" : "," + extra), title);
  }
  static std::int64_t seriesOf(const Poco::JSON::Object::Ptr& e) {
    if (!e->has("seriesID") || e->isNull("seriesID")) {
      ADD_FAILURE() << "no seriesID in " << toJson(e);
      return 0;
    }
    return e->getValue<Poco::Int64>("seriesID");
  }
  static std::string toJson(const Poco::JSON::Object::Ptr& o) {
    std::ostringstream out;
    o->stringify(out);
    return out.str();
  }
  static std::string slotsJson(const std::vector<std::pair<std::string, int>>& slots) {
    std::string out = R"("slots":[)";
    for (std::size_t i = 0; i < slots.size(); ++i)
      out += (i ? "," : "") + std::string(R"({"instrument":")") + slots[i].first + R"(","count":)" +
             std::to_string(slots[i].second) + "}";
    return out + "]";
  }

  Poco::JSON::Object::Ptr event(const Account& who, std::int64_t id) {
    auto reply = call("GET", "/v1/events/" + str(id), "", who.token);
    EXPECT_EQ(reply.status, 200) << reply.body;
    return reply.status == 200 ? json(reply) : Poco::JSON::Object::Ptr(new Poco::JSON::Object);
  }
  HttpReply joinEvent(const Account& who, std::int64_t id, const std::string& instrument = "") {
    return call("POST", "/v1/events/join",
                R"({"id":)" + str(id) + (instrument.empty() ? "" : R"(,"instrument":")" + instrument + "\"") + "}",
                who.token);
  }
  HttpReply leaveEvent(const Account& who, std::int64_t id) {
    return call("DELETE", "/v1/events/" + str(id) + "/members/me", "", who.token);
  }
  HttpReply patch(const Account& who, std::int64_t id, const std::string& body, const std::string& query = "") {
    return call("PATCH", "/v1/events/" + str(id) + query, body, who.token);
  }
  HttpReply cancelEvent(const Account& who, std::int64_t id, const std::string& body = "{}") {
    return call("POST", "/v1/events/" + str(id) + "/cancel", body, who.token);
  }

  HttpReply series(const Account& who, std::int64_t id) { return call("GET", "/v1/series/" + str(id), "", who.token); }
  Poco::JSON::Object::Ptr seriesOk(const Account& who, std::int64_t id) {
    auto reply = series(who, id);
    EXPECT_EQ(reply.status, 200) << reply.body;
    return reply.status == 200 ? json(reply) : Poco::JSON::Object::Ptr(new Poco::JSON::Object);
  }
  HttpReply joinSeries(const Account& who, std::int64_t id, const std::string& instrument = "") {
    return call("POST", "/v1/series/" + str(id) + "/join",
                instrument.empty() ? "{}" : R"({"instrument":")" + instrument + "\"}", who.token);
  }
  HttpReply leaveSeries(const Account& who, std::int64_t id) {
    return call("DELETE", "/v1/series/" + str(id) + "/members/me", "", who.token);
  }
  HttpReply cancelSeries(const Account& who, std::int64_t id, const std::string& body = "{}") {
    return call("POST", "/v1/series/" + str(id) + "/cancel", body, who.token);
  }

  /// GET /v1/events?<query>, every page (limit 100), in the order given.
  std::vector<Poco::JSON::Object::Ptr> listAll(const Account& who, const std::string& query) {
    std::vector<Poco::JSON::Object::Ptr> out;
    for (int offset = 0;; offset += 100) {
      auto reply = call("GET", "/v1/events?limit=100&offset=" + str(offset) + (query.empty() ? "" : "&" + query), "",
                        who.token);
      EXPECT_EQ(reply.status, 200) << query << ": " << reply.body;
      if (reply.status != 200) break;
      auto page = jsonArray(reply);
      for (std::size_t i = 0; i < page->size(); ++i) out.push_back(page->getObject(i));
      if (page->size() < 100 || offset > 5000) break;
    }
    return out;
  }
  /// The occurrences of series `seriesId` (cancelled ones too) from `from` to `to` (UTC ms),
  /// soonest first, as `who` sees them in GET /v1/events.
  std::vector<Poco::JSON::Object::Ptr> occurrencesOf(const Account& who, std::int64_t seriesId, std::int64_t from,
                                                     std::int64_t to) {
    std::vector<Poco::JSON::Object::Ptr> out;
    for (const auto& e : listAll(who, "status=all&from=" + iso(from) + "&to=" + iso(to)))
      if (e->has("seriesID") && !e->isNull("seriesID") && e->getValue<Poco::Int64>("seriesID") == seriesId)
        out.push_back(e);
    return out;
  }
  static Ids ids(const std::vector<Poco::JSON::Object::Ptr>& events) {
    Ids out;
    for (const auto& e : events) out.push_back(idOf(e));
    return out;
  }
  static Ids ids(const Poco::JSON::Array::Ptr& array) {
    Ids out;
    for (std::size_t i = 0; array && i < array->size(); ++i) out.push_back(array->getObject(i)->getValue<Poco::Int64>("id"));
    return out;
  }
  static std::vector<std::string> datetimes(const std::vector<Poco::JSON::Object::Ptr>& events) {
    std::vector<std::string> out;
    for (const auto& e : events) out.push_back(e->getValue<std::string>("datetime"));
    return out;
  }
  /// The same list, with every datetime once (the check for duplicate occurrences).
  static std::vector<std::string> uniqueOf(std::vector<std::string> values) {
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    return values;
  }
  static std::vector<std::string> isoAll(const std::vector<std::int64_t>& millis) {
    std::vector<std::string> out;
    for (auto m : millis) out.push_back(iso(m));
    return out;
  }

  /// An RSVP as "going:bass", "going:general", "waitlisted:bass#2", or "none".
  static std::string rsvpText(const Poco::JSON::Object::Ptr& e) {
    if (!e->has("rsvp")) return "<absent>";
    if (e->isNull("rsvp")) return "none";
    auto r = e->getObject("rsvp");
    std::string text = r->getValue<std::string>("state") + ":" +
                       (r->isNull("instrument") ? std::string("general") : r->getValue<std::string>("instrument"));
    if (r->has("position") && !r->isNull("position")) text += "#" + std::to_string(r->getValue<Poco::Int64>("position"));
    return text;
  }
  /// `who`'s RSVP in each of `events`, read anew.
  std::vector<std::string> rsvpsIn(const Account& who, const Ids& events) {
    std::vector<std::string> out;
    for (auto id : events) out.push_back(rsvpText(event(who, id)));
    return out;
  }
  static std::vector<std::string> times(std::size_t n, const std::string& value) {
    return std::vector<std::string>(n, value);
  }
  static Ids profileIds(const Poco::JSON::Array::Ptr& profiles) { return ids(profiles); }

  /// The sorted member ids of a channel, as `viewer` sees it in GET /v1/channels (empty when
  /// the viewer does not see it).
  Ids channelMembers(const Account& viewer, std::int64_t channel) {
    auto reply = call("GET", "/v1/channels?limit=200", "", viewer.token);
    EXPECT_EQ(reply.status, 200) << reply.body;
    auto channels = jsonArray(reply);
    for (std::size_t i = 0; i < channels->size(); ++i) {
      auto c = channels->getObject(i);
      if (c->getValue<Poco::Int64>("id") != channel) continue;
      Ids members = ids(c->getArray("members"));
      std::sort(members.begin(), members.end());
      return members;
    }
    return {};
  }
  static Ids sorted(Ids v) {
    std::sort(v.begin(), v.end());
    return v;
  }
  /// The chat messages of a channel (newest first) as `viewer` reads them: {body, author id}.
  std::vector<std::pair<std::string, std::int64_t>> messages(const Account& viewer, std::int64_t channel) {
    auto reply = call("GET", "/v1/channels/" + std::to_string(channel), "", viewer.token);
    EXPECT_EQ(reply.status, 200) << reply.body;
    std::vector<std::pair<std::string, std::int64_t>> out;
    if (reply.status != 200) return out;
    auto array = jsonArray(reply);
    for (std::size_t i = 0; i < array->size(); ++i) {
      auto m = array->getObject(i);
      out.emplace_back(m->getValue<std::string>("body"), m->getObject("creator")->getValue<Poco::Int64>("id"));
    }
    return out;
  }
  /// Those of them that start with `prefix`.
  std::vector<std::pair<std::string, std::int64_t>> messagesStarting(const Account& viewer, std::int64_t channel,
                                                                     const std::string& prefix) {
    auto all = messages(viewer, channel);
    all.erase(std::remove_if(all.begin(), all.end(), [&](const auto& m) { return m.first.rfind(prefix, 0) != 0; }),
              all.end());
    return all;
  }

  /// A 400 whose detail names `naming`.
  static void expect400(const HttpReply& reply, const std::string& naming) {
    expectProblem(reply, 400);
    if (reply.status == 400) {
      EXPECT_NE(json(reply)->getValue<std::string>("detail").find(naming), std::string::npos)
          << "the detail does not name " << naming << ": " << reply.body;
    }
  }
  static void expectNull(const Poco::JSON::Object::Ptr& o, const std::string& name) {
    EXPECT_TRUE(o->has(name)) << name << " is missing";
    EXPECT_TRUE(o->isNull(name)) << name << " is not null";
  }

  /// Posts `marker` in General, the public channel every socket hears (tests read pushes
  /// up to it).
  void mark(const Account& who, const std::string& marker) {
    auto channels = jsonArray(call("GET", "/v1/channels", "", who.token));
    std::int64_t general = 0;
    for (std::size_t i = 0; i < channels->size(); ++i)
      if (channels->getObject(i)->getValue<std::string>("name") == "General") general = idOf(channels->getObject(i));
    ASSERT_NE(general, 0);
    ASSERT_EQ(call("POST", "/v1/channels/" + str(general), R"({"body":")" + marker + R"("})", who.token).status, 201);
  }
};

}  // namespace mmm::test
