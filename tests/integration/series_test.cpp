// The Series section of the API contract (Part 2: recurring events) and the lead's
// decisions where it is silent (briefs/series.md), through real HTTP against a running
// mmm-server, on SQLite and on MariaDB with Redis: the dates a rule gives (counted by hand,
// in UTC and across a daylight-saving change in America/Los_Angeles), every refused rule,
// GET /v1/series/{id}, regulars and their waitlists, PATCH with scope=series, cancelling a
// series, its shared chat channel, and the job that keeps occurrences ahead: run again at
// a restart, and on two nodes of one MariaDB at once, it never makes an occurrence twice.
#include "meetups_fixture.hpp"
#include "ws_client.hpp"

#include <atomic>
#include <algorithm>
#include <set>
#include <thread>

using namespace mmm::test;

namespace {

const std::string kAdminEmail = "series.admin@example.org";
const std::string kUsersWithAdmin = kUsersPlugin + "      admins: ['" + kAdminEmail + "']\n";
const std::string kMusiciansPlugin = "  - name: musicians\n";
/// The meetups plugin with the series job every second (the tests wait for it to run).
const std::string kMeetupsWithFastJob =
    "  - name: meetups\n"
    "    config: {rate_limits: {events: {count: 0}}, series_check_interval_s: 1}\n";
const std::string kPlugins = kUsersWithAdmin + kMusiciansPlugin + kChatPlugin + kMeetupsPlugin;
const std::string kEveryDay = "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU";
const std::string kPluginsWithFastJob = kUsersWithAdmin + kMusiciansPlugin + kChatPlugin + kMeetupsWithFastJob;


/// The next change of America/Los_Angeles' offset at least three weeks from today (a
/// Sunday), and whether it is the spring one (PST to PDT: 19:00 local goes from 03:00Z to
/// 02:00Z).
struct DstChange {
  std::int64_t day = 0;
  bool spring = false;
};
DstChange nextLosAngelesChange() {
  for (int year = yearOf(today());; ++year) {
    const auto spring = nthWeekday(year, 3, 0, 2), autumn = nthWeekday(year, 11, 0, 1);
    if (spring >= today() + 21) return {spring, true};
    if (autumn >= today() + 21) return {autumn, false};
  }
}

/// Threads joined at the end of the scope, also when an assertion returns early.
struct Threads : std::vector<std::thread> {
  ~Threads() {
    for (auto& t : *this)
      if (t.joinable()) t.join();
  }
};

class SeriesTest : public MeetupsTest {
 protected:
  void SetUp() override { startServer(kPlugins); }

  Account admin() { return newAccount(kAdminEmail); }

  /// A weekly series in UTC on the weekday of today + `inDays`, at 19:00Z; its first occurrence.
  Poco::JSON::Object::Ptr weekly(const Account& who, int inDays = 3, const std::string& extra = "",
                                 const std::string& title = "Jam") {
    const auto day = today() + inDays;
    return createSeries(who, iso(day * kDayMs + 19 * kHourMs), std::string("FREQ=WEEKLY;BYDAY=") + byDay(weekdayOf(day)),
                        extra, title);
  }
  static std::int64_t at19(std::int64_t day) { return day * kDayMs + 19 * kHourMs; }
  /// A weekly series in UTC on the weekday of `day`, from 19:00Z that day.
  Poco::JSON::Object::Ptr weeklyAt(const Account& who, std::int64_t day, const std::string& extra = "") {
    return createSeries(who, iso(at19(day)), std::string("FREQ=WEEKLY;BYDAY=") + byDay(weekdayOf(day)), extra);
  }
  /// Time passing for a series while the server is down: in the store, the series (whose
  /// first occurrence was on `firstDay`) and its occurrences move `days` back, and so do
  /// how far it is made and the start of the next one to make; the occurrences of the last
  /// `days` days before the horizon are due.
  static void shiftBack(mmm::DbSession& s, std::int64_t seriesId, std::int64_t firstDay, int days) {
    const std::string ms = std::to_string(days * kDayMs), id = std::to_string(seriesId);
    execute(s, "UPDATE series SET first_date = '" + civilText(firstDay - days) + "', made_until = made_until - " + ms +
                   ", next_start = next_start - " + ms + " WHERE id = " + id);
    execute(s, "UPDATE events SET starts_at = starts_at - " + ms + ", ends_at = ends_at - " + ms +
                   " WHERE series_id = " + id);
  }
  /// `creator`'s weekly series with one bass place, `first` taking it and `second` waiting
  /// for it, both regulars: the series' id, and its occurrences made within the 90 days.
  std::pair<std::int64_t, Ids> oneBassPlace(const Account& creator, const Account& first, const Account& second) {
    const auto seriesId = seriesOf(weekly(creator, 3, slotsJson({{"bass", 1}})));
    EXPECT_EQ(joinSeries(first, seriesId, "bass").status, 201);
    EXPECT_EQ(joinSeries(second, seriesId, "bass").status, 201);
    return {seriesId, ids(within90Days(creator, seriesId))};
  }
  /// Waits until series `id` has `count` occurrences up to `until` (within the horizon, so
  /// that the asking makes none), as the job makes them, and a second more (the job runs
  /// every second: what it would make twice, it has made by then); 60 s at most.
  void awaitJob(const Account& who, std::int64_t id, std::int64_t until, std::size_t count) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (occurrencesOf(who, id, 0, until).size() < count && std::chrono::steady_clock::now() < end)
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  }
  /// The occurrences made within the 90 days every series keeps (no `to` past them, so
  /// none is made on demand).
  std::vector<Poco::JSON::Object::Ptr> within90Days(const Account& who, std::int64_t seriesId) {
    return occurrencesOf(who, seriesId, 0, mmm::nowMillis() + 90 * kDayMs);
  }
  static std::vector<std::pair<std::string, int>> slotsOf(const Poco::JSON::Object::Ptr& e) {
    std::vector<std::pair<std::string, int>> out;
    auto slots = e->getArray("slots");
    for (std::size_t i = 0; slots && i < slots->size(); ++i)
      out.emplace_back(slots->getObject(i)->getValue<std::string>("instrument"),
                       slots->getObject(i)->getValue<int>("count"));
    return out;
  }
  /// The caller's `regular` of a series: "null", "general" or the instrument.
  static std::string regularOf(const Poco::JSON::Object::Ptr& s) {
    if (!s->has("regular")) return "<absent>";
    if (s->isNull("regular")) return "null";
    auto r = s->getObject("regular");
    if (!r->has("instrument")) return "<no instrument field>";
    return r->isNull("instrument") ? "general" : r->getValue<std::string>("instrument");
  }
};

using Slots = std::vector<std::pair<std::string, int>>;
using Strings = std::vector<std::string>;

}  // namespace

// --- Creating a series: the dates its rule gives.

TEST_P(SeriesTest, CreatingASeriesAnswersItsFirstOccurrenceAndMakesOccurrences90DaysAhead) {
  const auto a = newAccount();
  const std::int64_t now = mmm::nowMillis();
  const std::int64_t start = daysAhead(7);  // (the time of day of now, to the second)
  const std::string rule = std::string("FREQ=WEEKLY;BYDAY=") + byDay(weekdayOf(start / kDayMs));
  auto reply = createReply(a, iso(start), R"("recurrence":")" + rule + R"(","timezone":"UTC")");
  ASSERT_EQ(reply.status, 201) << reply.body;
  const auto first = json(reply);
  const auto seriesId = seriesOf(first);
  ASSERT_NE(seriesId, 0);
  EXPECT_EQ(first->getValue<std::string>("datetime"), iso(start));
  EXPECT_EQ(first->getValue<std::string>("title"), "Jam");
  EXPECT_EQ(first->getValue<std::string>("status"), "scheduled");
  EXPECT_EQ(first->getValue<std::string>("timezone"), "UTC");
  EXPECT_EQ(rsvpText(first), "going:general");  // the creator: the series' first regular

  // Every occurrence up to 90 days ahead exists: weekly from 7 days ahead, those at 7, 14,
  // …, 84 days (the next, at 91, is past the 90): exactly 12, 7 days apart to the second
  // (UTC has no daylight-saving change). (The brief's "at least 13" miscounts this case.)
  std::vector<std::int64_t> expected;
  for (auto t = start; t <= now + 90 * kDayMs; t += 7 * kDayMs) expected.push_back(t);
  ASSERT_EQ(expected.size(), 12u);
  const auto made = occurrencesOf(a, seriesId, 0, now + 90 * kDayMs);
  EXPECT_EQ(datetimes(made), isoAll(expected));
  ASSERT_FALSE(made.empty());
  EXPECT_EQ(idOf(made[0]), idOf(first));
  for (const auto& e : made) {
    EXPECT_EQ(seriesOf(e), seriesId);
    EXPECT_EQ(e->getValue<std::string>("title"), "Jam");
    EXPECT_EQ(e->getValue<std::string>("timezone"), "UTC");
    EXPECT_EQ(e->getValue<std::string>("status"), "scheduled");
    EXPECT_EQ(rsvpText(e), "going:general") << "the creator is in every occurrence";
  }
  // GET /v1/events without `to` lists them too, soonest first, and nothing else.
  const auto listed = datetimes(listAll(a, ""));
  ASSERT_GE(listed.size(), 12u);
  EXPECT_EQ(Strings(listed.begin(), listed.begin() + 12), isoAll(expected));
  EXPECT_EQ(occurrencesOf(a, seriesId, 0, now + 90 * kDayMs).size(), listAll(a, "to=" + iso(now + 90 * kDayMs)).size())
      << "GET /v1/events lists nothing but the series";
  // Each occurrence is an event of its own.
  const auto third = event(a, idOf(made.at(2)));
  EXPECT_EQ(third->getValue<std::string>("datetime"), iso(expected[2]));
  EXPECT_EQ(seriesOf(third), seriesId);
  // A plain event still has no series.
  expectNull(create(a, iso(daysAhead(2))), "seriesID");
}

TEST_P(SeriesTest, OccurrencesKeepTheLocalTimeAcrossADaylightSavingChange) {
  const auto a = newAccount();
  // A weekly 19:00 jam in Los Angeles, starting two Sundays before the next change of its
  // offset (at least three weeks away). Run on 2026-12-02 that is the spring change of
  // 2027-03-14, 102 days away: past the 90 days made at creation, so the `to` below makes
  // the later occurrences on demand. Winter (PST, UTC-8) puts 19:00 at 03:00Z the next
  // day, summer (PDT, UTC-7) at 02:00Z; an autumn change the other way round.
  const auto change = nextLosAngelesChange();
  const std::int64_t start = change.day - 14;
  ASSERT_EQ(weekdayOf(start), 0);
  const auto first = createSeries(a, iso(losAngelesToUtc(start, 19, 0)), "FREQ=WEEKLY;BYDAY=SU",
                                  R"("timezone":"America/Los_Angeles")");
  const auto seriesId = seriesOf(first);
  std::vector<std::int64_t> expected;
  for (int week = 0; week < 6; ++week) expected.push_back(losAngelesToUtc(start + 7 * week, 19, 0));
  const auto made = occurrencesOf(a, seriesId, 0, losAngelesToUtc(start + 35, 23, 0));
  EXPECT_EQ(datetimes(made), isoAll(expected)) << "change on " << civilText(change.day);
  const std::string before = change.spring ? "T03:00:00Z" : "T02:00:00Z", after = change.spring ? "T02:00:00Z" : "T03:00:00Z";
  for (std::size_t i = 0; i < made.size(); ++i) {
    const auto datetime = made[i]->getValue<std::string>("datetime");
    EXPECT_EQ(datetime.substr(10), i < 2 ? before : after) << datetime;
    // 19:00 on a Sunday in Los Angeles is the Monday in UTC.
    EXPECT_EQ(datetime.substr(0, 10), civilText(start + 7 * static_cast<std::int64_t>(i) + 1));
    EXPECT_EQ(made[i]->getValue<std::string>("timezone"), "America/Los_Angeles");
  }
}

TEST_P(SeriesTest, CountMakesExactlyThatManyAndUntilEndsOnItsDate) {
  const auto a = newAccount();
  const std::int64_t far = mmm::nowMillis() + 400 * kDayMs;  // asks for every occurrence there may be
  const auto tuesday = onOrAfter(today() + 3, 2);
  const auto counted = seriesOf(createSeries(a, iso(at19(tuesday)), "FREQ=WEEKLY;BYDAY=TU;COUNT=3"));
  EXPECT_EQ(datetimes(occurrencesOf(a, counted, 0, far)),
            isoAll({at19(tuesday), at19(tuesday + 7), at19(tuesday + 14)}));
  const auto s = seriesOk(a, counted);
  EXPECT_EQ(s->getValue<std::string>("recurrence"), "FREQ=WEEKLY;BYDAY=TU;COUNT=3");
  EXPECT_EQ(ids(s->getArray("next")).size(), 3u);

  const auto once = seriesOf(createSeries(a, iso(at19(tuesday)), "FREQ=WEEKLY;BYDAY=TU;COUNT=1"));
  EXPECT_EQ(datetimes(occurrencesOf(a, once, 0, far)), isoAll({at19(tuesday)}));

  // UNTIL as a local date: inclusive.
  const auto wednesday = onOrAfter(today() + 3, 3);
  const std::string untilDate = civilText(wednesday + 21);  // "YYYY-MM-DD"
  const std::string untilText = untilDate.substr(0, 4) + untilDate.substr(5, 2) + untilDate.substr(8, 2);
  const auto until = seriesOf(createSeries(a, iso(at19(wednesday)), "FREQ=WEEKLY;BYDAY=WE;UNTIL=" + untilText));
  EXPECT_EQ(datetimes(occurrencesOf(a, until, 0, far)),
            isoAll({at19(wednesday), at19(wednesday + 7), at19(wednesday + 14), at19(wednesday + 21)}));
  // UNTIL as a UTC time: inclusive to the second.
  const auto stamp = [](std::int64_t millis) {
    const auto text = iso(millis);  // 2027-01-06T19:00:00Z
    return text.substr(0, 4) + text.substr(5, 2) + text.substr(8, 2) + "T" + text.substr(11, 2) + text.substr(14, 2) +
           text.substr(17, 2) + "Z";
  };
  const auto untilExact =
      seriesOf(createSeries(a, iso(at19(wednesday)), "FREQ=WEEKLY;BYDAY=WE;UNTIL=" + stamp(at19(wednesday + 14))));
  EXPECT_EQ(datetimes(occurrencesOf(a, untilExact, 0, far)),
            isoAll({at19(wednesday), at19(wednesday + 7), at19(wednesday + 14)}));
  const auto untilJustBefore =
      seriesOf(createSeries(a, iso(at19(wednesday)), "FREQ=WEEKLY;BYDAY=WE;UNTIL=" + stamp(at19(wednesday + 14) - 1000)));
  EXPECT_EQ(datetimes(occurrencesOf(a, untilJustBefore, 0, far)), isoAll({at19(wednesday), at19(wednesday + 7)}));
}

TEST_P(SeriesTest, IntervalAndSeveralDaysGiveTheDatesOfTheRuleInWeeksFromMonday) {
  const auto a = newAccount();
  // From a Monday, every other week on Monday and Thursday; given in any order, kept in
  // the canonical one.
  const auto monday = onOrAfter(today() + 3, 1);
  const auto fromMonday = createSeries(a, iso(at19(monday)), "BYDAY=TH,MO;INTERVAL=2;FREQ=WEEKLY");
  const auto s = seriesOk(a, seriesOf(fromMonday));
  EXPECT_EQ(s->getValue<std::string>("recurrence"), "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH");
  EXPECT_EQ(datetimes(occurrencesOf(a, seriesOf(fromMonday), 0, at19(monday + 31))),
            isoAll({at19(monday), at19(monday + 3), at19(monday + 14), at19(monday + 17), at19(monday + 28),
                    at19(monday + 31)}));
  // From a Thursday: weeks start on Monday (RFC 5545's default WKST), so the next is the
  // Monday of the week after next, 11 days later, not the Monday after.
  const auto thursday = onOrAfter(today() + 3, 4);
  const auto fromThursday = createSeries(a, iso(at19(thursday)), "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH");
  EXPECT_EQ(datetimes(occurrencesOf(a, seriesOf(fromThursday), 0, at19(thursday + 28))),
            isoAll({at19(thursday), at19(thursday + 11), at19(thursday + 14), at19(thursday + 25), at19(thursday + 28)}));
  // INTERVAL=12, one day: 84 days apart.
  const auto sparse = createSeries(a, iso(at19(monday)), "FREQ=WEEKLY;INTERVAL=12;BYDAY=MO");
  EXPECT_EQ(datetimes(occurrencesOf(a, seriesOf(sparse), 0, at19(monday + 168))),
            isoAll({at19(monday), at19(monday + 84), at19(monday + 168)}));
}

TEST_P(SeriesTest, ASeriesNeverHasMoreThan200OccurrencesNorGoesPastAYearOnDemand) {
  const auto a = newAccount();
  const auto day = today() + 1;
  // Every day of the week: 200 days of occurrences, asked for 400 days ahead: the 200th is
  // the last.
  const auto daily = seriesOf(createSeries(a, iso(at19(day)), kEveryDay));
  const auto all = occurrencesOf(a, daily, 0, mmm::nowMillis() + 400 * kDayMs);
  ASSERT_EQ(all.size(), 200u);
  std::vector<std::int64_t> expected;
  for (int i = 0; i < 200; ++i) expected.push_back(at19(day + i));
  EXPECT_EQ(datetimes(all), isoAll(expected));
  EXPECT_EQ(occurrencesOf(a, daily, 0, mmm::nowMillis() + 400 * kDayMs).size(), 200u) << "asked again";
  EXPECT_EQ(ids(seriesOk(a, daily)->getArray("next")).size(), 10u);

  // One day a week, asked for 400 days ahead: on demand goes at most a year ahead. From
  // today + 3, the 52nd occurrence is 360 days ahead, the 53rd 367: 52 whether a year is
  // 365 or 366 days (400 days would have made 57).
  const auto weeklyId = seriesOf(createSeries(a, iso(at19(today() + 3)),
                                              std::string("FREQ=WEEKLY;BYDAY=") + byDay(weekdayOf(today() + 3))));
  const auto weekly = occurrencesOf(a, weeklyId, 0, mmm::nowMillis() + 400 * kDayMs);
  EXPECT_EQ(weekly.size(), 52u);
  EXPECT_EQ(uniqueOf(datetimes(weekly)).size(), weekly.size());
  EXPECT_LE(weekly.size(), 200u);
}

// A search from a date past the 90 days, with no end, needs the occurrences from there on:
// they are made on demand as for a `to` (it once found none until some `to` had made them).
TEST_P(SeriesTest, ASearchFromADatePastTheHorizonWithoutAnEndMakesTheOccurrencesItNeeds) {
  const auto a = newAccount();
  const auto start = today() + 2;
  const auto id = seriesOf(createSeries(a, iso(at19(start)), std::string("FREQ=WEEKLY;BYDAY=") + byDay(weekdayOf(start))));
  const std::int64_t from = mmm::nowMillis() + 150 * kDayMs;
  auto reply = call("GET", "/v1/events?limit=5&from=" + iso(from), "", a.token);
  ASSERT_EQ(reply.status, 200) << reply.body;
  auto page = jsonArray(reply);
  std::vector<std::string> expected;
  for (int week = 0; expected.size() < 5u; ++week)
    if (at19(start + 7 * week) >= from) expected.push_back(iso(at19(start + 7 * week)));
  std::vector<std::string> found;
  for (std::size_t i = 0; i < page->size(); ++i)
    if (!page->getObject(i)->isNull("seriesID") && page->getObject(i)->getValue<Poco::Int64>("seriesID") == id)
      found.push_back(page->getObject(i)->getValue<std::string>("datetime"));
  EXPECT_EQ(found, expected);
  // Past a year ahead, still nothing: on demand goes no further.
  reply = call("GET", "/v1/events?limit=5&from=" + iso(mmm::nowMillis() + 370 * kDayMs), "", a.token);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(jsonArray(reply)->size(), 0u);
}

TEST_P(SeriesTest, EveryBadRecurrenceIs400NamingThePartAndMakesNothing) {
  const auto a = newAccount();
  const auto sunday = onOrAfter(today() + 3, 0);
  const std::string start = iso(sunday * kDayMs + 19 * kHourMs);
  const auto refused = [&](const std::string& rule, const std::string& naming) {
    SCOPED_TRACE(rule);
    expect400(createReply(a, start, R"("recurrence":")" + rule + "\""), naming);
  };
  refused("FREQ=WEEKLY;BYDAY=SU;BYSETPOS=1", "BYSETPOS");
  refused("FREQ=WEEKLY;BYDAY=SU;BYMONTH=1", "BYMONTH");
  refused("FREQ=WEEKLY;BYDAY=SU;WKST=SU", "WKST");
  refused("FREQ=WEEKLY;INTERVAL=13;BYDAY=SU", "INTERVAL");
  refused("FREQ=WEEKLY;INTERVAL=0;BYDAY=SU", "INTERVAL");
  refused("FREQ=WEEKLY;INTERVAL=x;BYDAY=SU", "INTERVAL");
  refused("FREQ=DAILY", "FREQ");
  refused("FREQ=DAILY;BYDAY=SU", "FREQ");
  refused("FREQ=YEARLY;BYDAY=SU", "FREQ");
  refused("BYDAY=SU", "FREQ");
  refused("FREQ=WEEKLY;BYDAY=SU;FREQ=WEEKLY", "FREQ");  // a part twice
  refused("FREQ=WEEKLY;BYDAY=SU;COUNT=3;UNTIL=20301231", "COUNT");
  refused("FREQ=WEEKLY;BYDAY=SU;COUNT=3;UNTIL=20301231", "UNTIL");
  refused("FREQ=WEEKLY;BYDAY=SU;COUNT=201", "COUNT");
  refused("FREQ=WEEKLY;BYDAY=SU;COUNT=0", "COUNT");
  refused("FREQ=WEEKLY;BYDAY=SU;UNTIL=someday", "UNTIL");
  refused("FREQ=WEEKLY;BYDAY=SU;UNTIL=" + civilText(sunday - 7).substr(0, 4) + civilText(sunday - 7).substr(5, 2) +
              civilText(sunday - 7).substr(8, 2),
          "UNTIL");  // before the first occurrence
  refused("FREQ=WEEKLY", "BYDAY");
  refused("FREQ=WEEKLY;BYDAY=XX", "BYDAY");
  refused("FREQ=WEEKLY;BYDAY=1SU", "BYDAY");  // an ordinal is for MONTHLY
  refused("FREQ=MONTHLY;BYDAY=SU", "BYDAY");  // MONTHLY without an ordinal
  refused("FREQ=MONTHLY;BYDAY=5SU", "BYDAY");
  refused("FREQ=MONTHLY;BYDAY=-2SU", "BYDAY");
  refused("FREQ=MONTHLY;BYDAY=1SU,2SU", "BYDAY");
  // A datetime that is not itself an occurrence: a Sunday for Mondays; the nth Sunday for
  // the first one of the month when n is not 1.
  refused("FREQ=WEEKLY;BYDAY=MO", "datetime");
  refused("FREQ=WEEKLY;BYDAY=MO,TU", "datetime");
  const auto secondSunday = nthWeekday(yearOf(today() + 40), monthOf(today() + 40), 0, 2);
  expect400(createReply(a, iso(secondSunday * kDayMs + 19 * kHourMs), R"("recurrence":"FREQ=MONTHLY;BYDAY=1SU")"),
                  "datetime");
  // The time zone decides the local date: 19:00Z on a Sunday is Sunday in UTC, but 04:00
  // on Monday in Tokyo.
  expect400(createReply(a, start, R"("recurrence":"FREQ=WEEKLY;BYDAY=SU","timezone":"Asia/Tokyo")"), "datetime");
  // Not a rule at all.
  for (const std::string& rule : {std::string(""), std::string("freq=weekly;byday=su"), std::string("FREQ=WEEKLY BYDAY=SU"),
                                  "FREQ=WEEKLY;BYDAY=SU;X-" + std::string(200, 'A')}) {
    SCOPED_TRACE(rule);
    expectProblem(createReply(a, start, R"("recurrence":")" + rule + "\""), 400);
  }
  // A first occurrence past year 9999 (local date 10000-01-01 in Kiritimati) cannot be made.
  expect400(createReply(a, "9999-12-31T20:00:00Z", R"("recurrence":"FREQ=WEEKLY;BYDAY=SA","timezone":"Pacific/Kiritimati")"),
            "datetime");
  // 01:30 on 2030-11-03 happens twice in Los Angeles: the second (09:30Z) is not the series'
  // local time, which RFC 5545 reads as the first (08:30Z).
  expect400(createReply(a, "2030-11-03T09:30:00Z", R"("recurrence":"FREQ=WEEKLY;BYDAY=SU","timezone":"America/Los_Angeles")"),
            "datetime");
  expect400(createReply(a, start, R"("recurrence":5)"), "recurrence");
  expect400(createReply(a, start, R"("recurrence":["FREQ=WEEKLY;BYDAY=SU"])"), "recurrence");
  // Nothing was made.
  EXPECT_EQ(listAll(a, "status=all").size(), 0u);
  // And the same rule, right, is fine.
  EXPECT_NE(seriesOf(createSeries(a, start, "FREQ=WEEKLY;BYDAY=SU")), 0);
}

// --- GET /v1/series/{id}.

TEST_P(SeriesTest, GetSeriesGivesItsFieldsRegularsAndTheNextTenMadeOnDemand) {
  const auto a = newAccount(), b = newAccount(), outsider = newAccount();
  // The last Friday of each month from the first one at least 3 days away: ten of them
  // reach about nine months ahead, past the 90 days made at creation.
  int year = yearOf(today()), month = monthOf(today());
  while (nthWeekday(year, month, 5, -1) < today() + 3) {
    month = month % 12 + 1;
    year += month == 1;
  }
  std::vector<std::int64_t> expected;
  for (int i = 0, y = year, m = month; i < 10; ++i, y += m == 12, m = m % 12 + 1)
    expected.push_back(nthWeekday(y, m, 5, -1) * kDayMs + 19 * kHourMs);
  const auto first = createSeries(a, iso(expected[0]), "FREQ=MONTHLY;BYDAY=-1FR", slotsJson({{"bass", 2}}));
  const auto seriesId = seriesOf(first);
  ASSERT_EQ(joinSeries(b, seriesId, "bass").status, 201);

  auto s = seriesOk(b, seriesId);
  EXPECT_EQ(s->getValue<Poco::Int64>("id"), seriesId);
  EXPECT_EQ(s->getValue<std::string>("title"), "Jam");
  EXPECT_EQ(s->getValue<std::string>("recurrence"), "FREQ=MONTHLY;BYDAY=-1FR");
  EXPECT_EQ(s->getValue<std::string>("timezone"), "UTC");
  EXPECT_EQ(s->getValue<std::string>("status"), "scheduled");
  ASSERT_FALSE(first->isNull("channel"));
  EXPECT_EQ(s->getValue<Poco::Int64>("channel"), first->getValue<Poco::Int64>("channel"));
  auto creator = s->getObject("creator");
  ASSERT_TRUE(creator);
  EXPECT_EQ(creator->getValue<Poco::Int64>("id"), a.id);
  EXPECT_EQ(creator->getValue<std::string>("userName"), a.userName);
  EXPECT_FALSE(creator->has("email"));
  EXPECT_EQ(profileIds(s->getArray("regulars")), (Ids{a.id, b.id}));  // in join order, the creator first
  EXPECT_FALSE(s->getArray("regulars")->getObject(1)->has("email"));
  EXPECT_EQ(regularOf(s), "bass");
  EXPECT_EQ(regularOf(seriesOk(a, seriesId)), "general");
  EXPECT_EQ(regularOf(seriesOk(outsider, seriesId)), "null");
  // next: ten, soonest first, each an event of the series.
  auto next = s->getArray("next");
  ASSERT_TRUE(next);
  std::vector<Poco::JSON::Object::Ptr> nextEvents;
  for (std::size_t i = 0; i < next->size(); ++i) nextEvents.push_back(next->getObject(i));
  EXPECT_EQ(datetimes(nextEvents), isoAll(expected));
  for (const auto& e : nextEvents) {
    EXPECT_EQ(seriesOf(e), seriesId);
    EXPECT_EQ(e->getValue<std::string>("title"), "Jam");
  }
  ASSERT_EQ(nextEvents.size(), 10u);
  EXPECT_EQ(idOf(nextEvents[0]), idOf(first));
  // They exist: GET /v1/events lists them, and b, a regular, is in each (the later ones
  // made after b joined).
  EXPECT_EQ(ids(occurrencesOf(a, seriesId, 0, expected[9])), ids(nextEvents));
  EXPECT_EQ(rsvpsIn(b, ids(nextEvents)), times(10, "going:bass"));
  // A cancelled occurrence stays in next.
  ASSERT_EQ(cancelEvent(a, idOf(nextEvents[1])).status, 200);
  auto again = seriesOk(a, seriesId)->getArray("next");
  ASSERT_EQ(again->size(), 10u);
  EXPECT_EQ(idOf(again->getObject(1)), idOf(nextEvents[1]));
  EXPECT_EQ(again->getObject(1)->getValue<std::string>("status"), "cancelled");
  EXPECT_EQ(again->getObject(0)->getValue<std::string>("status"), "scheduled");
}

TEST_P(SeriesTest, SeriesEndpointsAre404ForAnUnknownSeriesAnd401WithoutASession) {
  const auto a = newAccount();
  const auto seriesId = seriesOf(weekly(a));
  expectProblem(series(a, 99999999), 404);
  expectProblem(joinSeries(a, 99999999), 404);
  expectProblem(leaveSeries(a, 99999999), 404);
  expectProblem(cancelSeries(a, 99999999), 404);
  expectProblem(call("GET", "/v1/series/" + str(seriesId)), 401);
  expectProblem(call("GET", "/v1/series/" + str(seriesId), "", "Zm9yZ2Vk"), 401);
  expectProblem(call("POST", "/v1/series/" + str(seriesId) + "/join", "{}"), 401);
  expectProblem(call("DELETE", "/v1/series/" + str(seriesId) + "/members/me"), 401);
  expectProblem(call("POST", "/v1/series/" + str(seriesId) + "/cancel", "{}"), 401);
  EXPECT_EQ(seriesOk(a, seriesId)->getValue<std::string>("status"), "scheduled");
}

// --- Regulars.

TEST_P(SeriesTest, ARegularIsInEveryUpcomingOccurrenceAndMovesInAllOfThemAtOnce) {
  const auto a = newAccount(), b = newAccount(), c = newAccount();
  const auto seriesId = seriesOf(weekly(a, 3, slotsJson({{"bass", 2}, {"drums", 1}})));
  const auto occurrences = ids(within90Days(a, seriesId));
  ASSERT_GE(occurrences.size(), 12u);
  const auto n = occurrences.size();

  auto joined = joinSeries(b, seriesId, "bass");
  ASSERT_EQ(joined.status, 201) << joined.body;
  auto s = json(joined);
  EXPECT_EQ(s->getValue<Poco::Int64>("id"), seriesId);
  EXPECT_EQ(regularOf(s), "bass");
  EXPECT_EQ(profileIds(s->getArray("regulars")), (Ids{a.id, b.id}));
  EXPECT_EQ(rsvpsIn(b, occurrences), times(n, "going:bass"));
  auto again = joinSeries(b, seriesId, "bass");
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(regularOf(json(again)), "bass");
  // Another instrument: a change (201), in every occurrence.
  auto moved = joinSeries(b, seriesId, "drums");
  EXPECT_EQ(moved.status, 201) << moved.body;
  EXPECT_EQ(regularOf(json(moved)), "drums");
  EXPECT_EQ(rsvpsIn(b, occurrences), times(n, "going:drums"));
  for (auto id : occurrences) {
    auto e = event(a, id);
    EXPECT_EQ(e->getValue<Poco::Int64>("goingCount"), 2) << id;  // a and b: bass freed
  }
  // Without an instrument: a general place.
  ASSERT_EQ(joinSeries(c, seriesId).status, 201);
  EXPECT_EQ(regularOf(seriesOk(c, seriesId)), "general");
  EXPECT_EQ(rsvpsIn(c, occurrences), times(n, "going:general"));
  EXPECT_EQ(profileIds(seriesOk(a, seriesId)->getArray("regulars")), (Ids{a.id, b.id, c.id}));
  // Their joined events are the occurrences (and any made past the 90 days).
  const auto joinedIds = ids(jsonArray(call("GET", "/v1/events/join?limit=200", "", b.token)));
  for (auto id : occurrences) EXPECT_NE(std::find(joinedIds.begin(), joinedIds.end(), id), joinedIds.end()) << id;
  for (auto id : joinedIds) EXPECT_EQ(seriesOf(event(b, id)), seriesId);
}

TEST_P(SeriesTest, ASecondRegularForAOnePlaceSlotWaitsEverywhereAndLeavingOneOccurrenceSkipsOnlyIt) {
  const auto a = newAccount(), b = newAccount(), c = newAccount();
  const auto [seriesId, occurrences] = oneBassPlace(a, b, c);
  ASSERT_GE(occurrences.size(), 12u);
  const auto n = occurrences.size();
  EXPECT_EQ(rsvpsIn(b, occurrences), times(n, "going:bass"));
  EXPECT_EQ(rsvpsIn(c, occurrences), times(n, "waitlisted:bass#1"));
  EXPECT_EQ(regularOf(seriesOk(c, seriesId)), "bass");  // a regular, though waiting

  // b skips the second one: c takes the place there, and only there.
  auto left = leaveEvent(b, occurrences[1]);
  ASSERT_EQ(left.status, 200) << left.body;
  auto bExpected = times(n, "going:bass"), cExpected = times(n, "waitlisted:bass#1");
  bExpected[1] = "none";
  cExpected[1] = "going:bass";
  EXPECT_EQ(rsvpsIn(b, occurrences), bExpected);
  EXPECT_EQ(rsvpsIn(c, occurrences), cExpected);
  auto s = seriesOk(b, seriesId);
  EXPECT_EQ(regularOf(s), "bass");  // still a regular
  EXPECT_EQ(profileIds(s->getArray("regulars")), (Ids{a.id, b.id, c.id}));
  // And in the occurrences made after it.
  const auto later = ids(occurrencesOf(a, seriesId, mmm::nowMillis() + 91 * kDayMs, mmm::nowMillis() + 200 * kDayMs));
  ASSERT_GE(later.size(), 10u);
  EXPECT_EQ(rsvpsIn(b, later), times(later.size(), "going:bass"));
  EXPECT_EQ(rsvpsIn(c, later), times(later.size(), "waitlisted:bass#1"));
  // Joining that one again is an ordinary join: the slot is c's now, so b waits there.
  auto back = joinEvent(b, occurrences[1], "bass");
  EXPECT_EQ(back.status, 201) << back.body;
  EXPECT_EQ(rsvpText(event(b, occurrences[1])), "waitlisted:bass#1");
}

TEST_P(SeriesTest, LeavingASeriesLeavesEveryUpcomingOccurrenceAndPromotesWhoWaits) {
  const auto a = newAccount(), b = newAccount(), c = newAccount(), d = newAccount();
  const auto [seriesId, occurrences] = oneBassPlace(a, b, c);
  ASSERT_GE(occurrences.size(), 12u);
  const auto n = occurrences.size();
  ASSERT_EQ(joinEvent(d, occurrences[2]).status, 201);  // one occurrence only: not a regular

  // Refused: no such instrument, no slot for it, not a string; the creator; non-regulars.
  expectProblem(joinSeries(d, seriesId, "kazoo-xyz"), 400);
  expectProblem(joinSeries(d, seriesId, "drums"), 400);
  expectProblem(call("POST", "/v1/series/" + str(seriesId) + "/join", R"({"instrument":5})", d.token), 400);
  EXPECT_EQ(regularOf(seriesOk(d, seriesId)), "null");
  expectProblem(leaveSeries(a, seriesId), 409);
  expectProblem(leaveEvent(a, occurrences[3]), 409);  // nor one occurrence
  expectProblem(leaveSeries(d, seriesId), 404);
  EXPECT_EQ(rsvpText(event(d, occurrences[2])), "going:general");

  auto left = leaveSeries(b, seriesId);
  ASSERT_EQ(left.status, 200) << left.body;
  EXPECT_EQ(left.header("content-type").rfind("text/plain", 0), 0u) << left.header("content-type");
  EXPECT_EQ(rsvpsIn(b, occurrences), times(n, "none"));
  EXPECT_EQ(rsvpsIn(c, occurrences), times(n, "going:bass"));  // promoted in each
  EXPECT_EQ(rsvpsIn(a, occurrences), times(n, "going:general"));
  auto s = seriesOk(b, seriesId);
  EXPECT_EQ(regularOf(s), "null");
  EXPECT_EQ(profileIds(s->getArray("regulars")), (Ids{a.id, c.id}));
  expectProblem(leaveSeries(b, seriesId), 404);  // no longer a regular
  // Made later: c in, b not.
  const auto later = ids(occurrencesOf(a, seriesId, mmm::nowMillis() + 91 * kDayMs, mmm::nowMillis() + 200 * kDayMs));
  ASSERT_GE(later.size(), 10u);
  EXPECT_EQ(rsvpsIn(b, later), times(later.size(), "none"));
  EXPECT_EQ(rsvpsIn(c, later), times(later.size(), "going:bass"));
  EXPECT_EQ(rsvpsIn(d, later), times(later.size(), "none"));
  // A regular again: 201.
  EXPECT_EQ(joinSeries(b, seriesId, "bass").status, 201);
  EXPECT_EQ(rsvpText(event(b, occurrences[0])), "waitlisted:bass#1");
}

TEST_P(SeriesTest, OccurrencesMadeLaterOnDemandIncludeEveryRegularByTheJoinRules) {
  const auto a = newAccount(), b = newAccount(), c = newAccount(), d = newAccount();
  const auto first = weekly(a, 3, R"("capacity":2,)" + slotsJson({{"bass", 1}}));
  const auto seriesId = seriesOf(first);
  ASSERT_EQ(joinSeries(b, seriesId, "bass").status, 201);
  ASSERT_EQ(joinSeries(c, seriesId, "bass").status, 201);
  ASSERT_EQ(joinSeries(d, seriesId).status, 201);
  // None of these existed when they joined: a `to` past the 90 days makes them now.
  const auto later = ids(occurrencesOf(a, seriesId, mmm::nowMillis() + 91 * kDayMs, mmm::nowMillis() + 200 * kDayMs));
  ASSERT_GE(later.size(), 10u);
  const auto m = later.size();
  EXPECT_EQ(rsvpsIn(a, later), times(m, "going:general"));
  EXPECT_EQ(rsvpsIn(b, later), times(m, "going:bass"));
  EXPECT_EQ(rsvpsIn(c, later), times(m, "waitlisted:bass#1"));
  EXPECT_EQ(rsvpsIn(d, later), times(m, "going:general"));  // capacity 2: a and d
  for (auto id : later) {
    auto e = event(a, id);
    EXPECT_EQ(e->getValue<Poco::Int64>("goingCount"), 3);
    EXPECT_EQ(e->getValue<Poco::Int64>("waitlistCount"), 1);
    EXPECT_EQ(e->getValue<Poco::Int64>("channel"), first->getValue<Poco::Int64>("channel"));
  }
}

// --- Races: a series-wide join and single joins of its dates never overbook a place.

TEST_P(SeriesTest, SeriesJoinsRacingSingleJoinsOfItsDatesNeverOverbookAPlace) {
  const auto a = newAccount();
  const auto seriesId = seriesOf(weekly(a, 3, slotsJson({{"bass", 1}})));
  const auto dates = ids(within90Days(a, seriesId));
  ASSERT_GE(dates.size(), 12u);
  std::vector<Account> people;
  for (int n = 0; n < 12; ++n) people.push_back(newAccount());
  // Half become regulars on bass (every date, in one transaction each); the others join
  // three dates each, one request per date, all at once.
  std::vector<int> statuses(12 * 3, 0);
  {
    std::vector<std::thread> threads;
    for (std::size_t n = 0; n < people.size(); ++n)
      threads.emplace_back([&, n] {
        if (n % 2 == 0) {
          statuses[n * 3] = joinSeries(people[n], seriesId, "bass").status;
          return;
        }
        for (std::size_t k = 0; k < 3; ++k)
          statuses[n * 3 + k] = joinEvent(people[n], dates[(n + k * 4) % dates.size()], "bass").status;
      });
    for (auto& t : threads) t.join();
  }
  for (std::size_t n = 0; n < people.size(); ++n)
    for (std::size_t k = 0; k < (n % 2 == 0 ? 1u : 3u); ++k) EXPECT_EQ(statuses[n * 3 + k], 201) << n << "/" << k;
  // Each date: one bass place held, everyone else on bass waiting at 1…n, the counts exact.
  for (auto id : dates) {
    SCOPED_TRACE("event " + str(id));
    const auto ev = event(a, id);
    const auto slot = ev->getArray("slots")->getObject(0);
    const auto going = slot->getArray("going"), waitlist = slot->getArray("waitlist");
    EXPECT_EQ(going->size(), 1u);
    EXPECT_EQ(ev->getValue<std::int64_t>("goingCount"), 2);  // the creator's general place, and the bass one
    EXPECT_EQ(ev->getValue<std::int64_t>("waitlistCount"), static_cast<std::int64_t>(waitlist->size()));
    std::set<std::int64_t> members{going->getObject(0)->getValue<std::int64_t>("id")};
    for (std::size_t w = 0; w < waitlist->size(); ++w) {
      const auto who = waitlist->getObject(static_cast<unsigned>(w))->getValue<std::int64_t>("id");
      EXPECT_TRUE(members.insert(who).second) << "user " << who << " twice in the line-up";
    }
    // Every regular is in it, as are the single joiners of this date.
    for (std::size_t n = 0; n < people.size(); n += 2) EXPECT_EQ(members.count(people[n].id), 1u) << people[n].id;
  }
}

// --- PATCH with scope=series.

TEST_P(SeriesTest, PatchWithScopeSeriesChangesThatOccurrenceAndEveryLaterOneOnly) {
  const auto a = newAccount(), b = newAccount();
  const auto seriesId = seriesOf(weekly(a, 3, slotsJson({{"bass", 1}})));
  ASSERT_EQ(joinSeries(b, seriesId, "bass").status, 201);
  const auto made = within90Days(a, seriesId);
  ASSERT_GE(made.size(), 12u);
  const auto occurrences = ids(made);
  const auto starts = datetimes(made);
  const auto n = occurrences.size();

  expectProblem(patch(b, occurrences[2], R"({"title":"Mine"})", "?scope=series"), 403);
  auto reply = patch(a, occurrences[2],
                     R"({"title":"Renamed",)" + slotsJson({{"drums", 2}}) + R"(,"endsAt":")" +
                         iso(millisOf(starts[2]) + 3 * kHourMs) + "\"}",
                     "?scope=series");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(json(reply)->getValue<std::string>("title"), "Renamed");
  for (std::size_t i = 0; i < n; ++i) {
    SCOPED_TRACE("occurrence " + std::to_string(i));
    auto e = event(b, occurrences[i]);
    EXPECT_EQ(e->getValue<std::string>("datetime"), starts[i]);
    if (i < 2) {
      EXPECT_EQ(e->getValue<std::string>("title"), "Jam");
      EXPECT_EQ(slotsOf(e), (Slots{{"bass", 1}}));
      expectNull(e, "endsAt");
      EXPECT_EQ(rsvpText(e), "going:bass");
    } else {
      EXPECT_EQ(e->getValue<std::string>("title"), "Renamed");
      EXPECT_EQ(slotsOf(e), (Slots{{"drums", 2}}));
      EXPECT_EQ(e->getValue<std::string>("endsAt"), iso(millisOf(starts[i]) + 3 * kHourMs));  // the same duration
      EXPECT_EQ(rsvpText(e), "going:general");  // the bass slot is gone: a general place
    }
  }
  EXPECT_EQ(seriesOk(a, seriesId)->getValue<std::string>("title"), "Renamed");
  // Those made later follow the change, b in a general place.
  const auto later = occurrencesOf(b, seriesId, mmm::nowMillis() + 91 * kDayMs, mmm::nowMillis() + 200 * kDayMs);
  ASSERT_GE(later.size(), 10u);
  for (const auto& e : later) {
    EXPECT_EQ(e->getValue<std::string>("title"), "Renamed");
    EXPECT_EQ(slotsOf(e), (Slots{{"drums", 2}}));
    EXPECT_EQ(e->getValue<std::string>("endsAt"), iso(millisOf(e->getValue<std::string>("datetime")) + 3 * kHourMs));
    EXPECT_EQ(rsvpText(e), "going:general");
  }
  // The bass slot is gone for its regular too: joining with it again is refused as for
  // anyone, and the drums slot takes them.
  expectProblem(joinSeries(b, seriesId, "bass"), 400);
  EXPECT_EQ(joinSeries(b, seriesId, "drums").status, 201);
  EXPECT_EQ(rsvpText(event(b, occurrences[n - 1])), "going:drums");
  // Without scope: that one only.
  ASSERT_EQ(patch(a, occurrences[0], R"({"title":"Only this"})").status, 200);
  EXPECT_EQ(event(a, occurrences[0])->getValue<std::string>("title"), "Only this");
  EXPECT_EQ(event(a, occurrences[1])->getValue<std::string>("title"), "Jam");
  EXPECT_EQ(event(a, occurrences[2])->getValue<std::string>("title"), "Renamed");
  // An admin may too.
  const auto boss = admin();
  ASSERT_EQ(patch(boss, occurrences[5], R"({"location":"The Barn"})", "?scope=series").status, 200);
  EXPECT_EQ(event(a, occurrences[4])->getValue<std::string>("location"), "The Hall");
  EXPECT_EQ(event(a, occurrences[5])->getValue<std::string>("location"), "The Barn");
  EXPECT_EQ(event(a, occurrences[n - 1])->getValue<std::string>("location"), "The Barn");
}

TEST_P(SeriesTest, PatchWithScopeSeriesMovesTheTimeOfDayKeepingEachLocalDateAcrossDaylightSaving) {
  const auto a = newAccount();
  // As in OccurrencesKeepTheLocalTimeAcrossADaylightSavingChange: two Sundays before the
  // next change of Los Angeles' offset, 19:00 local; the `to` makes them on demand.
  const auto change = nextLosAngelesChange();
  const std::int64_t start = change.day - 14;
  const auto seriesId = seriesOf(createSeries(a, iso(losAngelesToUtc(start, 19, 0)), "FREQ=WEEKLY;BYDAY=SU",
                                              R"("timezone":"America/Los_Angeles")"));
  const auto made = occurrencesOf(a, seriesId, 0, losAngelesToUtc(start + 28, 23, 0));
  ASSERT_EQ(made.size(), 5u);
  // From the second on, 20:30 local: the same local date as that occurrence.
  auto reply = patch(a, idOf(made[1]), R"({"datetime":")" + iso(losAngelesToUtc(start + 7, 20, 30)) + "\"}", "?scope=series");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(json(reply)->getValue<std::string>("datetime"), iso(losAngelesToUtc(start + 7, 20, 30)));
  std::vector<std::int64_t> expected{losAngelesToUtc(start, 19, 0)};
  for (int week = 1; week < 5; ++week) expected.push_back(losAngelesToUtc(start + 7 * week, 20, 30));
  Strings got;
  for (const auto& e : made) got.push_back(event(a, idOf(e))->getValue<std::string>("datetime"));
  EXPECT_EQ(got, isoAll(expected)) << "change on " << civilText(change.day);
  // The UTC hour changes across the change (04:30Z and 03:30Z for a spring one).
  const std::string before = change.spring ? "T04:30:00Z" : "T03:30:00Z", after = change.spring ? "T03:30:00Z" : "T04:30:00Z";
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got[1].substr(10), before);
  EXPECT_EQ(got[2].substr(10), after);
  EXPECT_EQ(got[4].substr(10), after);
  // Made later: at 20:30 local too.
  const auto later = occurrencesOf(a, seriesId, losAngelesToUtc(start + 29, 0, 0), losAngelesToUtc(start + 49, 23, 0));
  EXPECT_EQ(datetimes(later), isoAll({losAngelesToUtc(start + 35, 20, 30), losAngelesToUtc(start + 42, 20, 30),
                                      losAngelesToUtc(start + 49, 20, 30)}));
}

TEST_P(SeriesTest, PatchWithScopeSeriesChangesTheZoneKeepingEachLocalDateAndTime) {
  const auto a = newAccount();
  const auto day = today() + 3;
  const auto seriesId = seriesOf(createSeries(a, iso(day * kDayMs + 19 * kHourMs), std::string("FREQ=WEEKLY;BYDAY=") + byDay(weekdayOf(day))));
  const auto made = within90Days(a, seriesId);
  ASSERT_GE(made.size(), 12u);
  auto reply = patch(a, idOf(made[3]), R"({"timezone":"Europe/Berlin"})", "?scope=series");
  ASSERT_EQ(reply.status, 200) << reply.body;
  for (std::size_t i = 0; i < made.size(); ++i) {
    SCOPED_TRACE("occurrence " + std::to_string(i));
    auto e = event(a, idOf(made[i]));
    const std::int64_t local = day + 7 * static_cast<std::int64_t>(i);
    if (i < 3) {
      EXPECT_EQ(e->getValue<std::string>("timezone"), "UTC");
      EXPECT_EQ(e->getValue<std::string>("datetime"), iso(local * kDayMs + 19 * kHourMs));
    } else if (i == 3) {
      // (The patched one itself: the decisions speak of "each later occurrence"; only its
      // zone is checked.)
      EXPECT_EQ(e->getValue<std::string>("timezone"), "Europe/Berlin");
    } else {
      EXPECT_EQ(e->getValue<std::string>("timezone"), "Europe/Berlin");
      EXPECT_EQ(e->getValue<std::string>("datetime"), iso(berlinToUtc(local, 19, 0)));  // 19:00 in Berlin
    }
  }
  const auto later = occurrencesOf(a, seriesId, mmm::nowMillis() + 91 * kDayMs, mmm::nowMillis() + 200 * kDayMs);
  ASSERT_FALSE(later.empty());
  for (const auto& e : later) {
    EXPECT_EQ(e->getValue<std::string>("timezone"), "Europe/Berlin");
    const auto localDay = (millisOf(e->getValue<std::string>("datetime")) + 2 * kHourMs) / kDayMs;
    EXPECT_EQ(e->getValue<std::string>("datetime"), iso(berlinToUtc(localDay, 19, 0)));
  }
  EXPECT_EQ(seriesOk(a, seriesId)->getValue<std::string>("timezone"), "Europe/Berlin");
}

TEST_P(SeriesTest, PatchRefusesAnotherDateWithScopeSeriesAScopeOtherThanSeriesAndARecurrence) {
  const auto a = newAccount();
  const auto seriesId = seriesOf(weekly(a));
  const auto made = within90Days(a, seriesId);
  ASSERT_GE(made.size(), 12u);
  const auto id = idOf(made[1]);
  const auto start = millisOf(made[1]->getValue<std::string>("datetime"));
  expect400(patch(a, id, R"({"datetime":")" + iso(start + kDayMs) + "\"}", "?scope=series"), "datetime");
  expect400(patch(a, id, R"({"datetime":")" + iso(start - kDayMs + kHourMs) + "\"}", "?scope=series"), "datetime");
  expect400(patch(a, id, R"({"title":"X"})", "?scope=bogus"), "scope");
  expect400(patch(a, id, R"({"title":"X"})", "?scope=SERIES"), "scope");
  expect400(patch(a, id, R"({"title":"X"})", "?scope="), "scope");
  expect400(patch(a, id, R"({"recurrence":"FREQ=WEEKLY;BYDAY=MO"})", "?scope=series"), "recurrence");
  expect400(patch(a, id, R"({"recurrence":"FREQ=WEEKLY;BYDAY=MO"})"), "recurrence");
  expect400(patch(a, id, R"({"title":"X","recurrence":"FREQ=WEEKLY;BYDAY=MO"})", "?scope=series"), "recurrence");
  const auto plain = idOf(create(a, iso(daysAhead(2))));
  expect400(patch(a, plain, R"({"title":"X"})", "?scope=series"), "scope");
  expect400(patch(a, plain, R"({"recurrence":"FREQ=WEEKLY;BYDAY=MO"})"), "recurrence");
  // Nothing changed.
  const auto now = within90Days(a, seriesId);
  EXPECT_EQ(datetimes(now), datetimes(made));
  for (const auto& e : now) EXPECT_EQ(e->getValue<std::string>("title"), "Jam");
  EXPECT_EQ(event(a, plain)->getValue<std::string>("title"), "Jam");
  expectNull(event(a, plain), "seriesID");
  // recurrence: null is a recurrence in a PATCH too: refused, and nothing is changed.
  expect400(patch(a, id, R"({"title":"X","recurrence":null})", "?scope=series"), "recurrence");
  EXPECT_EQ(event(a, id)->getValue<std::string>("title"), "Jam");
}

// --- Cancelling a series.

TEST_P(SeriesTest, CancellingASeriesCancelsEveryUpcomingOccurrencePostsOnceAndMakesNoMore) {
  const auto a = newAccount(), b = newAccount(), c = newAccount(), outsider = newAccount();
  const auto first = weekly(a, 3, slotsJson({{"bass", 1}}));
  const auto seriesId = seriesOf(first);
  const auto channel = first->getValue<Poco::Int64>("channel");
  ASSERT_EQ(joinSeries(b, seriesId, "bass").status, 201);
  const auto occurrences = ids(within90Days(a, seriesId));
  ASSERT_GE(occurrences.size(), 12u);

  expectProblem(cancelSeries(b, seriesId, R"({"reason":"mine"})"), 403);
  expectProblem(cancelSeries(outsider, seriesId), 403);
  EXPECT_EQ(seriesOk(a, seriesId)->getValue<std::string>("status"), "scheduled");

  auto reply = cancelSeries(a, seriesId, R"({"reason":"Hall closed"})");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(json(reply)->getValue<Poco::Int64>("id"), seriesId);
  EXPECT_EQ(json(reply)->getValue<std::string>("status"), "cancelled");
  auto s = seriesOk(b, seriesId);
  EXPECT_EQ(s->getValue<std::string>("status"), "cancelled");
  auto next = s->getArray("next");
  for (std::size_t i = 0; next && i < next->size(); ++i)
    EXPECT_EQ(next->getObject(i)->getValue<std::string>("status"), "cancelled");
  for (auto id : occurrences) EXPECT_EQ(event(b, id)->getValue<std::string>("status"), "cancelled") << id;
  EXPECT_EQ(listAll(b, "").size(), 0u);  // hidden from the list
  using Messages = std::vector<std::pair<std::string, std::int64_t>>;
  EXPECT_EQ(messagesStarting(b, channel, "Cancelled"), (Messages{{"Cancelled: Hall closed", a.id}}));
  // Twice: 200, no second message.
  reply = cancelSeries(a, seriesId, R"({"reason":"Still closed"})");
  EXPECT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(json(reply)->getValue<std::string>("status"), "cancelled");
  EXPECT_EQ(messagesStarting(b, channel, "Cancelled"), (Messages{{"Cancelled: Hall closed", a.id}}));
  // No joining, and none made any more, however far ahead one asks.
  expectProblem(joinSeries(c, seriesId), 409);
  expectProblem(joinSeries(c, seriesId, "bass"), 409);
  expectProblem(joinSeries(b, seriesId, "bass"), 409);  // a regular's "the same again" too
  expectProblem(joinEvent(c, occurrences[0]), 409);
  EXPECT_EQ(ids(occurrencesOf(a, seriesId, 0, mmm::nowMillis() + 400 * kDayMs)), occurrences);
  EXPECT_EQ(seriesOk(a, seriesId)->getValue<std::string>("status"), "cancelled");

  // An admin cancels another's series; without a reason the message is "Cancelled".
  const auto boss = admin();
  const auto other = weekly(a, 4);
  reply = cancelSeries(boss, seriesOf(other));
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(json(reply)->getValue<std::string>("status"), "cancelled");
  EXPECT_EQ(messagesStarting(a, other->getValue<Poco::Int64>("channel"), "Cancelled"), (Messages{{"Cancelled", boss.id}}));
  // With a reason: the audit log has it, against the series.
  const auto third = weekly(a, 5);
  ASSERT_EQ(cancelSeries(boss, seriesOf(third), R"({"reason":"Double booked"})").status, 200);
  auto log = call("GET", "/v1/audit?limit=1", "", boss.token);
  ASSERT_EQ(log.status, 200) << log.body;
  auto entry = jsonArray(log)->getObject(0);
  EXPECT_EQ(entry->getValue<std::string>("action"), "series.cancel");
  EXPECT_EQ(entry->getValue<std::string>("targetKind"), "series");
  EXPECT_EQ(entry->getValue<Poco::Int64>("targetID"), seriesOf(third));
  EXPECT_EQ(entry->getValue<std::string>("reason"), "Double booked");
}

// --- The series' chat channel.

TEST_P(SeriesTest, EveryOccurrenceSharesTheSeriesChannelWhoseMembersAreInAnyOccurrence) {
  const auto a = newAccount(), b = newAccount(), d = newAccount();
  const auto first = weekly(a);
  const auto seriesId = seriesOf(first);
  ASSERT_FALSE(first->isNull("channel"));
  const auto channel = first->getValue<Poco::Int64>("channel");
  const auto occurrences = within90Days(a, seriesId);
  ASSERT_GE(occurrences.size(), 12u);
  for (const auto& e : occurrences) EXPECT_EQ(e->getValue<Poco::Int64>("channel"), channel) << idOf(e);
  for (const auto& e : occurrencesOf(a, seriesId, mmm::nowMillis() + 91 * kDayMs, mmm::nowMillis() + 150 * kDayMs))
    EXPECT_EQ(e->getValue<Poco::Int64>("channel"), channel) << "made later: " << idOf(e);
  EXPECT_EQ(seriesOk(a, seriesId)->getValue<Poco::Int64>("channel"), channel);
  EXPECT_EQ(channelMembers(a, channel), (Ids{a.id}));

  // Joining one occurrence: a member of the channel, a reader and writer.
  ASSERT_EQ(joinEvent(d, idOf(occurrences[2])).status, 201);
  EXPECT_EQ(channelMembers(a, channel), sorted({a.id, d.id}));
  EXPECT_EQ(channelMembers(d, channel), sorted({a.id, d.id}));
  EXPECT_EQ(call("GET", "/v1/channels/" + str(channel), "", d.token).status, 200);
  EXPECT_EQ(call("POST", "/v1/channels/" + str(channel), R"({"body":"see you on the third"})", d.token).status, 201);
  // A regular too; skipping one occurrence keeps them in it.
  ASSERT_EQ(joinSeries(b, seriesId).status, 201);
  EXPECT_EQ(channelMembers(a, channel), sorted({a.id, b.id, d.id}));
  ASSERT_EQ(leaveEvent(b, idOf(occurrences[0])).status, 200);
  EXPECT_EQ(channelMembers(a, channel), sorted({a.id, b.id, d.id}));
  // Leaving the only occurrence d was in, and the series for b: out of the channel.
  ASSERT_EQ(leaveEvent(d, idOf(occurrences[2])).status, 200);
  EXPECT_EQ(channelMembers(a, channel), sorted({a.id, b.id}));
  expectProblem(call("GET", "/v1/channels/" + str(channel), "", d.token), 403);
  ASSERT_EQ(leaveSeries(b, seriesId).status, 200);
  EXPECT_EQ(channelMembers(a, channel), (Ids{a.id}));
  expectProblem(call("GET", "/v1/channels/" + str(channel), "", b.token), 403);
  // One channel for the whole series, not one per occurrence.
  std::size_t seriesChannels = 0;
  auto list = jsonArray(call("GET", "/v1/channels?limit=200", "", a.token));
  for (std::size_t i = 0; i < list->size(); ++i)
    if (list->getObject(i)->getValue<bool>("private")) ++seriesChannels;
  EXPECT_EQ(seriesChannels, 1u);
}

TEST_P(SeriesTest, DeletingAnOccurrenceDeletesOnlyItAndItIsNeverMadeAgain) {
  const auto a = newAccount();
  const auto first = weekly(a);
  const auto seriesId = seriesOf(first);
  const auto channel = first->getValue<Poco::Int64>("channel");
  const auto made = within90Days(a, seriesId);
  ASSERT_GE(made.size(), 12u);
  const auto gone = made[2];
  auto reply = call("DELETE", "/v1/events/" + str(idOf(gone)), "", a.token);
  ASSERT_EQ(reply.status, 200) << reply.body;
  expectProblem(call("GET", "/v1/events/" + str(idOf(gone)), "", a.token), 404);
  auto expected = made;
  expected.erase(expected.begin() + 2);
  EXPECT_EQ(ids(within90Days(a, seriesId)), ids(expected));
  // The channel stays; the series goes on, and asking far ahead does not make it again.
  EXPECT_EQ(call("GET", "/v1/channels/" + str(channel), "", a.token).status, 200);
  EXPECT_EQ(seriesOk(a, seriesId)->getValue<std::string>("status"), "scheduled");
  const auto far = occurrencesOf(a, seriesId, 0, mmm::nowMillis() + 200 * kDayMs);
  for (const auto& e : far) EXPECT_NE(e->getValue<std::string>("datetime"), gone->getValue<std::string>("datetime"));
  EXPECT_EQ(uniqueOf(datetimes(far)).size(), far.size());
  EXPECT_GT(far.size(), made.size());
}

TEST_P(SeriesTest, ASeriesMadeWhileChatWasOffGetsOneSharedChannelWithEveryoneInItsDatesWhenChatIsOn) {
  startServer(kUsersWithAdmin + kMusiciansPlugin + kMeetupsPlugin + "  - name: chat\n    enabled: false\n");
  auto a = newAccount(), b = newAccount(), c = newAccount();
  const auto first = weekly(a, 3, slotsJson({{"bass", 1}}));
  EXPECT_TRUE(first->isNull("channel"));
  const auto seriesId = seriesOf(first);
  ASSERT_EQ(joinSeries(b, seriesId, "bass").status, 201);
  const auto dates = ids(within90Days(a, seriesId));
  ASSERT_GE(dates.size(), 12u);
  ASSERT_EQ(joinEvent(c, dates[5]).status, 201);
  ASSERT_EQ(call("PATCH", "/v1/events/" + str(dates[0]) + "?scope=series", R"({"title":"Tuesday folk"})", a.token).status,
            200);

  startServer(kPlugins);  // chat on, the same store: one channel for the series, made at start
  signIn(a), signIn(b), signIn(c);
  const auto now = within90Days(a, seriesId);
  ASSERT_EQ(now.size(), dates.size());
  ASSERT_FALSE(now[0]->isNull("channel"));
  const auto channel = now[0]->getValue<std::int64_t>("channel");
  for (const auto& e : now) EXPECT_EQ(e->getValue<std::int64_t>("channel"), channel) << toJson(e);
  EXPECT_EQ(seriesOk(a, seriesId)->getValue<std::int64_t>("channel"), channel);
  EXPECT_EQ(channelMembers(a, channel), sorted({a.id, b.id, c.id}));
  auto reply = call("GET", "/v1/channels/" + str(channel), "", c.token);
  EXPECT_EQ(reply.status, 200) << reply.body;
  auto channels = jsonArray(call("GET", "/v1/channels?limit=200", "", a.token));
  std::vector<std::string> names;
  for (std::size_t i = 0; i < channels->size(); ++i) names.push_back(channels->getObject(i)->getValue<std::string>("name"));
  EXPECT_EQ(std::count(names.begin(), names.end(), "Tuesday folk"), 1) << "one channel, named after the series";
  // Who leaves their only date leaves the channel; a regular skipping one date stays.
  ASSERT_EQ(leaveEvent(c, dates[5]).status, 200);
  ASSERT_EQ(leaveEvent(b, dates[5]).status, 200);
  EXPECT_EQ(channelMembers(a, channel), sorted({a.id, b.id}));
}

// --- Pushes.

namespace {

/// Every push `socket` gets before the chat message `marker`.
std::vector<Poco::JSON::Object::Ptr> pushesUntil(WsClient& socket, const std::string& marker) {
  std::vector<Poco::JSON::Object::Ptr> out;
  for (;;) {
    const auto text = socket.nextText();
    if (text.empty()) {
      ADD_FAILURE() << "the marker " << marker << " never came";
      return out;
    }
    auto frame = Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
    if (frame->getValue<std::string>("type") == "message-new" &&
        frame->getObject("message")->getValue<std::string>("body") == marker)
      return out;
    out.push_back(frame);
  }
}

}  // namespace

TEST_P(SeriesTest, SeriesChangesPushAnEventUpdatePerOccurrenceChangedAndAnRsvpUpdatePerMove) {
  const auto a = newAccount(), b = newAccount(), c = newAccount();
  const auto seriesId = seriesOf(weekly(a, 3, slotsJson({{"bass", 1}})));
  ASSERT_EQ(joinSeries(b, seriesId, "bass").status, 201);
  ASSERT_EQ(joinSeries(c, seriesId, "bass").status, 201);
  const auto occurrences = ids(within90Days(a, seriesId));
  ASSERT_GE(occurrences.size(), 12u);
  WsClient sb(port_, "/v1/ws?auth=Bearer%20" + b.token), sc(port_, "/v1/ws?auth=Bearer%20" + c.token);
  ASSERT_EQ(sb.status(), 101);
  ASSERT_EQ(sc.status(), 101);
  mark(a, "ready");
  pushesUntil(sb, "ready");
  pushesUntil(sc, "ready");

  // A change from the third on: an event-update for each of those, none for the first two.
  ASSERT_EQ(patch(a, occurrences[2], R"({"title":"Renamed"})", "?scope=series").status, 200);
  mark(a, "patched");
  std::set<std::int64_t> updated;
  for (const auto& f : pushesUntil(sb, "patched")) {
    if (f->getValue<std::string>("type") != "event-update") continue;
    auto e = f->getObject("event");
    EXPECT_FALSE(e->has("rsvp"));
    EXPECT_EQ(e->getValue<std::string>("title"), "Renamed") << "an update for occurrence " << idOf(e);
    updated.insert(idOf(e));
  }
  EXPECT_EQ(updated, std::set<std::int64_t>(occurrences.begin() + 2, occurrences.end()));
  pushesUntil(sc, "patched");

  // b leaves the series: c, promoted in each occurrence, hears of each.
  ASSERT_EQ(leaveSeries(b, seriesId).status, 200);
  mark(a, "left");
  std::set<std::int64_t> promoted;
  for (const auto& f : pushesUntil(sc, "left")) {
    if (f->getValue<std::string>("type") != "rsvp-update") continue;
    auto r = f->getObject("rsvp");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->getValue<std::string>("state"), "going");
    EXPECT_EQ(r->getValue<std::string>("instrument"), "bass");
    promoted.insert(f->getValue<Poco::Int64>("eventID"));
  }
  EXPECT_EQ(promoted, std::set<std::int64_t>(occurrences.begin(), occurrences.end()));
}

// --- The job: run again, and on two nodes, it never makes an occurrence twice.

namespace {

class SeriesJobTest : public SeriesTest {
 protected:
  void SetUp() override { startServer(kPluginsWithFastJob); }
};

}  // namespace

TEST_P(SeriesJobTest, RestartingOnTheSameStoreRunsTheJobAgainWithoutDuplicates) {
  auto a = newAccount(), b = newAccount();
  const std::int64_t weeklyDay = today() + 3, dailyDay = today() + 1;
  const auto weekly = seriesOf(weeklyAt(a, weeklyDay, slotsJson({{"bass", 1}})));
  const auto daily = seriesOf(createSeries(a, iso(at19(dailyDay)), kEveryDay));
  ASSERT_EQ(joinSeries(b, weekly, "bass").status, 201);
  const auto made = within90Days(a, weekly), madeDaily = within90Days(a, daily);
  ASSERT_GE(made.size(), 12u);
  ASSERT_GE(madeDaily.size(), 89u);
  ASSERT_EQ(call("DELETE", "/v1/events/" + str(idOf(made[1])), "", a.token).status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // the job has run twice: nothing was due
  auto deleted = made;
  deleted.erase(deleted.begin() + 1);
  EXPECT_EQ(ids(within90Days(a, weekly)), ids(deleted));
  EXPECT_EQ(ids(within90Days(a, daily)), ids(madeDaily));

  // Four weeks pass while the server is down: in the store, both series and their
  // occurrences move 28 days back, so four weeks of occurrences are due. At start the job
  // makes them (a request only makes them when its `to` is past the horizon, and the lists
  // below stop short of it); a second restart finds nothing to do.
  {
    auto store = stopAndOpenStore();
    store->runTransaction([&](mmm::DbSession& s) {
      shiftBack(s, weekly, weeklyDay, 28);
      shiftBack(s, daily, dailyDay, 28);
    });
  }
  for (int restart = 0; restart < 2; ++restart) {
    SCOPED_TRACE("restart " + std::to_string(restart));
    startServer(kPluginsWithFastJob);  // the same store; the job runs at start
    signIn(a);
    signIn(b);
    const std::int64_t until = mmm::nowMillis() + 89 * kDayMs;  // within the horizon: nothing made on demand
    std::vector<std::int64_t> expected;
    for (auto t = at19(weeklyDay - 28); t <= until; t += 7 * kDayMs)
      if (t != at19(weeklyDay - 21)) expected.push_back(t);  // the deleted one is never made again
    awaitJob(a, weekly, until, expected.size());
    const auto now = occurrencesOf(a, weekly, 0, until);
    EXPECT_EQ(datetimes(now), isoAll(expected));
    const auto nowIds = ids(now);
    ASSERT_GE(nowIds.size(), deleted.size());
    EXPECT_EQ(Ids(nowIds.begin(), nowIds.begin() + static_cast<std::ptrdiff_t>(deleted.size())), ids(deleted))
        << "the occurrences there were are kept";
    EXPECT_EQ(rsvpsIn(b, nowIds), times(nowIds.size(), "going:bass")) << "the regular is in those the job made";
    std::vector<std::int64_t> expectedDaily;
    for (auto t = at19(dailyDay - 28); t <= until; t += kDayMs) expectedDaily.push_back(t);
    const auto nowDaily = occurrencesOf(a, daily, 0, until);
    EXPECT_EQ(datetimes(nowDaily), isoAll(expectedDaily));
    const auto nowDailyIds = ids(nowDaily);
    ASSERT_GE(nowDailyIds.size(), madeDaily.size());
    EXPECT_EQ(Ids(nowDailyIds.begin(), nowDailyIds.begin() + static_cast<std::ptrdiff_t>(madeDaily.size())),
              ids(madeDaily));
  }
  // All 200 of the daily one, each once.
  std::vector<std::int64_t> all;
  for (int i = 0; i < 200; ++i) all.push_back(at19(dailyDay - 28 + i));
  EXPECT_EQ(datetimes(occurrencesOf(a, daily, 0, mmm::nowMillis() + 400 * kDayMs)), isoAll(all));
}

TEST_P(SeriesJobTest, ASeriesThatCannotBeMadeDoesNotHoldBackTheOthers) {
  auto a = newAccount();
  const std::int64_t day = today() + 1;
  // The broken one first: the job takes due series in the order of their ids.
  const auto broken = seriesOf(createSeries(a, iso(at19(day)), kEveryDay));
  const auto fine = seriesOf(createSeries(a, iso(at19(day)), kEveryDay));
  const auto brokenBefore = ids(within90Days(a, broken)), fineBefore = ids(within90Days(a, fine));
  ASSERT_GE(fineBefore.size(), 89u);
  // Four weeks pass while the server is down, and a tzdata update drops the broken one's zone.
  {
    auto store = stopAndOpenStore();
    store->runTransaction([&](mmm::DbSession& s) {
      shiftBack(s, broken, day, 28);
      shiftBack(s, fine, day, 28);
      execute(s, "UPDATE series SET time_zone = 'Mars/Olympus_Mons' WHERE id = " + std::to_string(broken));
    });
  }
  startServer(kPluginsWithFastJob);
  signIn(a);
  const std::int64_t until = mmm::nowMillis() + 89 * kDayMs;
  std::vector<std::int64_t> expected;
  for (auto t = at19(day - 28); t <= until; t += kDayMs) expected.push_back(t);
  awaitJob(a, fine, until, expected.size());
  EXPECT_EQ(datetimes(occurrencesOf(a, fine, 0, until)), isoAll(expected)) << "the job went on past the broken series";
  EXPECT_EQ(ids(occurrencesOf(a, broken, 0, until)), brokenBefore) << "the broken one kept what it had, made nothing";
  EXPECT_EQ(call("GET", "/healthz", "", a.token).status, 200);  // and the job still runs (it ran again meanwhile)
}

INSTANTIATE_TEST_SUITE_P(Backends, SeriesTest, ::testing::Values(Backends::SQLiteMemory, Backends::MariaDBRedis),
                         backendsName);
INSTANTIATE_TEST_SUITE_P(Backends, SeriesJobTest, ::testing::Values(Backends::SQLiteMemory, Backends::MariaDBRedis),
                         backendsName);

// --- Two nodes on one MariaDB, both running the job every second, and on-demand requests
// racing through both.

namespace {

class SeriesTwoNodesTest : public SeriesTest {
 protected:
  void SetUp() override { startServer(kPluginsWithFastJob); }
  void TearDown() override {
    if (node2_) {
      EXPECT_EQ(node2_->stop(), 0);
    }
    SeriesTest::TearDown();
  }
  /// Restarts this node and starts a second one on the same store and Redis, at the same
  /// time (both run the job at start, then every second).
  void startBothNodes() {
    // Written before the threads: startServer assigns storeUrl_ again while the other
    // thread would be reading it.
    const std::string config2 = "server: {listen: '127.0.0.1:0', threads: 32, queue: 256}\n"
                                "log: {level: debug}\n"
                                "web: {enabled: false}\n"
                                "store: {url: '" + storeUrl_ + "', pool_size: 16, acquire_timeout_ms: 10000}\n"
                                "sessions: {url: '" + redisUrl() + "', signing_key: '" + kTestSigningKey + "'}\n"
                                "plugins:\n" + kPluginsWithFastJob;
    Threads threads;
    threads.emplace_back([&] { startServer(kPluginsWithFastJob); });
    threads.emplace_back([&] { node2_ = std::make_unique<ServerProcess>(config2); });
  }
  std::unique_ptr<ServerProcess> node2_;
};

}  // namespace

TEST_P(SeriesTwoNodesTest, BothNodesRunningTheJobAndMakingOccurrencesOnDemandMakeEachOnce) {
  auto a = newAccount(), b = newAccount();
  const std::int64_t day = today() + 1;
  const auto daily = seriesOf(createSeries(a, iso(at19(day)), kEveryDay, slotsJson({{"bass", 1}})));
  ASSERT_EQ(joinSeries(b, daily, "bass").status, 201);
  const auto made = ids(within90Days(a, daily));
  // Four weeks pass while the node is down (as in RestartingOnTheSameStore…): 28 days of
  // occurrences are due, and both nodes, started at once, run the job at start.
  {
    auto store = stopAndOpenStore();
    store->runTransaction([&](mmm::DbSession& s) { shiftBack(s, daily, day, 28); });
  }
  startBothNodes();
  ASSERT_TRUE(node2_);
  // (The sessions live in Redis: the tokens work on both nodes.)
  const std::int64_t until = mmm::nowMillis() + 89 * kDayMs;  // within the horizon: nothing made on demand
  std::vector<std::int64_t> expected;
  for (auto t = at19(day - 28); t <= until; t += kDayMs) expected.push_back(t);
  awaitJob(a, daily, until, expected.size());
  for (const std::uint16_t port : {port_, node2_->port()}) {
    SCOPED_TRACE("node on port " + std::to_string(port));
    port_ = port;
    const auto now = occurrencesOf(a, daily, 0, until);
    EXPECT_EQ(datetimes(now), isoAll(expected));  // each once
    const auto nowIds = ids(now);
    ASSERT_GE(nowIds.size(), made.size());
    EXPECT_EQ(Ids(nowIds.begin(), nowIds.begin() + static_cast<std::ptrdiff_t>(made.size())), made);
    EXPECT_EQ(rsvpsIn(b, nowIds), times(nowIds.size(), "going:bass"));
  }
  port_ = server_->port();

  // Then sixteen clients, half on each node, ask at once for every occurrence 300 days
  // ahead, and for each series' next ten: each request makes what is missing, as the jobs
  // do every second.
  const std::int64_t weeklyDay = today() + 2;
  const auto weekly = seriesOf(weeklyAt(a, weeklyDay));
  ASSERT_EQ(joinSeries(b, weekly).status, 201);
  const std::int64_t to = mmm::nowMillis() + 300 * kDayMs;
  std::atomic<int> failures{0};
  {
    Threads threads;
    for (int i = 0; i < 16; ++i)
      threads.emplace_back([&, i] {
        const std::uint16_t port = i % 2 ? node2_->port() : port_;
        const std::string auth = "Authorization: Bearer " + (i % 4 < 2 ? a.token : b.token) + "\r\n";
        const auto list = request(port, "GET", "/v1/events?limit=100&status=all&to=" + iso(to), auth);
        const auto next = request(port, "GET", "/v1/series/" + str(i % 3 ? daily : weekly), auth);
        if (list.status != 200 || next.status != 200) ++failures;
      });
  }
  EXPECT_EQ(failures.load(), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // both jobs have run again
  std::vector<std::int64_t> all, allWeekly;
  for (int i = 0; i < 200; ++i) all.push_back(at19(day - 28 + i));
  for (auto t = at19(weeklyDay); t <= to; t += 7 * kDayMs) allWeekly.push_back(t);
  for (const std::uint16_t port : {port_, node2_->port()}) {
    SCOPED_TRACE("node on port " + std::to_string(port));
    port_ = port;
    const auto dailies = occurrencesOf(a, daily, 0, to);
    EXPECT_EQ(datetimes(dailies), isoAll(all));  // each once, all 200
    EXPECT_EQ(rsvpsIn(b, ids(dailies)), times(dailies.size(), "going:bass"));
    const auto weeklies = occurrencesOf(a, weekly, 0, to);
    EXPECT_EQ(datetimes(weeklies), isoAll(allWeekly));
    EXPECT_EQ(rsvpsIn(b, ids(weeklies)), times(weeklies.size(), "going:general"));
  }
  port_ = server_->port();
}

// MariaDB only: two processes on one SQLite file are not a deployment the server supports.
INSTANTIATE_TEST_SUITE_P(Backends, SeriesTwoNodesTest, ::testing::Values(Backends::MariaDBRedis), backendsName);
