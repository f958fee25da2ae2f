// The RRULE subset of a series and its dates across daylight-saving changes. Every expected
// UTC time is written out by hand from the zones' known rules: America/Los_Angeles is UTC-7
// (PDT) until 2026-11-01 02:00, UTC-8 (PST) until 2027-03-14 02:00; Europe/Berlin is UTC+2
// (CEST) until 2026-10-25 03:00, UTC+1 (CET) until 2027-03-28 02:00, CEST until 2027-10-31;
// America/New_York is UTC-5 (EST) from 2027-11-07 until 2028-03-12.
#include "recurrence.hpp"

#include <mmm/error.hpp>

#include <gtest/gtest.h>

#include <ctime>
#include <limits>

using namespace mmm::meetups;

namespace {

constexpr const char* kLosAngeles = "America/Los_Angeles";
constexpr const char* kBerlin = "Europe/Berlin";
constexpr std::int64_t kFar = 4102444800000LL;  // 2100-01-01T00:00:00Z

// "2026-10-26T02:00:00Z" as UTC milliseconds, with the C library (not the code under test).
std::int64_t utc(const std::string& text) {
  std::tm tm{};
  if (!strptime(text.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm)) throw std::invalid_argument(text);
  return static_cast<std::int64_t>(timegm(&tm)) * 1000;
}

std::string iso(std::int64_t millis) {
  const std::time_t seconds = millis / 1000;
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char out[32];
  std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return out;
}

std::vector<std::string> starts(const std::vector<Occurrence>& list) {
  std::vector<std::string> out;
  for (const auto& o : list) out.push_back(iso(o.startsAt));
  return out;
}

std::vector<std::string> dates(const std::vector<Occurrence>& list) {
  std::vector<std::string> out;
  for (const auto& o : list) out.push_back(formatDate(o.date));
  return out;
}

std::vector<int> indexes(const std::vector<Occurrence>& list) {
  std::vector<int> out;
  for (const auto& o : list) out.push_back(o.index);
  return out;
}

// The occurrences of `rule` from its first one at `first` (UTC) in `zone`.
std::vector<Occurrence> series(const std::string& rule, const std::string& zone, const std::string& first,
                               std::size_t max, int fromIndex = 0, std::int64_t until = kFar) {
  const Recurrence r = parseRecurrence(rule);
  return occurrences(r, anchorOf(r, zone, utc(first)), fromIndex, until, max);
}

// The detail of the HttpError(400) `f` throws ("" when it throws none).
template <class F>
std::string error400(F f) {
  try {
    f();
  } catch (const mmm::HttpError& e) {
    EXPECT_EQ(e.status(), 400) << e.detail();
    return e.detail();
  }
  return "";
}

std::string parseError(const std::string& text) {
  return error400([&] { parseRecurrence(text); });
}

}  // namespace

TEST(Recurrence, WeeklyKeepsLocalTimeAcrossLosAngelesChanges) {
  // Sundays at 19:00 from 2026-10-25 (PDT) to 2027-03-21 (PDT again): 22 weeks.
  const auto all = series("FREQ=WEEKLY;BYDAY=SU", kLosAngeles, "2026-10-26T02:00:00Z", 100, 0,
                          utc("2027-03-22T02:00:00Z"));
  ASSERT_EQ(all.size(), 22u);
  EXPECT_EQ(all[0].date, (LocalDate{2026, 10, 25}));
  EXPECT_EQ(iso(all[0].startsAt), "2026-10-26T02:00:00Z");  // 19:00 PDT
  EXPECT_EQ(all[1].date, (LocalDate{2026, 11, 1}));         // the fall-back day itself
  EXPECT_EQ(iso(all[1].startsAt), "2026-11-02T03:00:00Z");  // 19:00 PST
  EXPECT_EQ(iso(all[2].startsAt), "2026-11-09T03:00:00Z");
  EXPECT_EQ(formatDate(all[19].date), "2027-03-07");
  EXPECT_EQ(iso(all[19].startsAt), "2027-03-08T03:00:00Z");  // still PST
  EXPECT_EQ(formatDate(all[20].date), "2027-03-14");         // the spring-forward day
  EXPECT_EQ(iso(all[20].startsAt), "2027-03-15T02:00:00Z");  // 19:00 PDT
  EXPECT_EQ(iso(all[21].startsAt), "2027-03-22T02:00:00Z");
  for (std::size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i].index, static_cast<int>(i));
}

TEST(Recurrence, WeeklyKeepsLocalTimeAcrossBerlinChanges) {
  EXPECT_EQ(starts(series("FREQ=WEEKLY;BYDAY=SU", kBerlin, "2026-10-18T17:00:00Z", 3)),
            (std::vector<std::string>{"2026-10-18T17:00:00Z",     // 19:00 CEST
                                      "2026-10-25T18:00:00Z",     // 19:00 CET, the change's day
                                      "2026-11-01T18:00:00Z"}));  // 19:00 CET
  // 2027-03-21 is 22 weeks after 2026-10-18.
  const auto spring = series("FREQ=WEEKLY;BYDAY=SU", kBerlin, "2026-10-18T17:00:00Z", 3, 22);
  EXPECT_EQ(indexes(spring), (std::vector<int>{22, 23, 24}));
  EXPECT_EQ(dates(spring), (std::vector<std::string>{"2027-03-21", "2027-03-28", "2027-04-04"}));
  EXPECT_EQ(starts(spring),
            (std::vector<std::string>{"2027-03-21T18:00:00Z", "2027-03-28T17:00:00Z", "2027-04-04T17:00:00Z"}));
}

TEST(Recurrence, BiweeklyCountsWeeksFromTheFirstDatesWeek) {
  // From Thursday 2026-12-03, 20:00 CET: its week's Monday (11-30) is before it, so skipped;
  // then every other week (from Monday 11-30) both days, across the new year.
  const auto list = series("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH", kBerlin, "2026-12-03T19:00:00Z", 7);
  EXPECT_EQ(dates(list), (std::vector<std::string>{"2026-12-03", "2026-12-14", "2026-12-17", "2026-12-28",
                                                   "2026-12-31", "2027-01-11", "2027-01-14"}));
  EXPECT_EQ(starts(list), (std::vector<std::string>{"2026-12-03T19:00:00Z", "2026-12-14T19:00:00Z",
                                                    "2026-12-17T19:00:00Z", "2026-12-28T19:00:00Z",
                                                    "2026-12-31T19:00:00Z", "2027-01-11T19:00:00Z",
                                                    "2027-01-14T19:00:00Z"}));
}

TEST(Recurrence, WeeksStartOnMonday) {
  // Sunday 2026-11-01 ends its week (WKST=MO): the next Monday is in a skipped week.
  EXPECT_EQ(dates(series("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,SU", kLosAngeles, "2026-11-02T03:00:00Z", 5)),
            (std::vector<std::string>{"2026-11-01", "2026-11-09", "2026-11-15", "2026-11-23", "2026-11-29"}));
}

TEST(Recurrence, MonthlySecondSundayAcrossBothChanges) {
  const auto list = series("FREQ=MONTHLY;BYDAY=2SU", kLosAngeles, "2026-10-12T02:00:00Z", 7);
  EXPECT_EQ(dates(list), (std::vector<std::string>{"2026-10-11", "2026-11-08", "2026-12-13", "2027-01-10",
                                                   "2027-02-14", "2027-03-14", "2027-04-11"}));
  EXPECT_EQ(starts(list), (std::vector<std::string>{"2026-10-12T02:00:00Z", "2026-11-09T03:00:00Z",
                                                    "2026-12-14T03:00:00Z", "2027-01-11T03:00:00Z",
                                                    "2027-02-15T03:00:00Z", "2027-03-15T02:00:00Z",
                                                    "2027-04-12T02:00:00Z"}));
}

TEST(Recurrence, MonthlyLastFridayForAYearUntilItsLastDate) {
  const auto list = series("FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20271029", kBerlin, "2026-10-30T19:00:00Z", 50);
  EXPECT_EQ(dates(list),
            (std::vector<std::string>{"2026-10-30", "2026-11-27", "2026-12-25", "2027-01-29", "2027-02-26",
                                      "2027-03-26", "2027-04-30", "2027-05-28", "2027-06-25", "2027-07-30",
                                      "2027-08-27", "2027-09-24", "2027-10-29"}));
  EXPECT_EQ(starts(list),
            (std::vector<std::string>{"2026-10-30T19:00:00Z", "2026-11-27T19:00:00Z", "2026-12-25T19:00:00Z",
                                      "2027-01-29T19:00:00Z", "2027-02-26T19:00:00Z", "2027-03-26T19:00:00Z",
                                      "2027-04-30T18:00:00Z", "2027-05-28T18:00:00Z", "2027-06-25T18:00:00Z",
                                      "2027-07-30T18:00:00Z", "2027-08-27T18:00:00Z", "2027-09-24T18:00:00Z",
                                      "2027-10-29T18:00:00Z"}));
}

TEST(Recurrence, TwentyNinthOfFebruaryIsProduced) {
  // 19:30 in New York (EST until 2028-03-12): the UTC date is the next day.
  const auto monthly = series("FREQ=MONTHLY;BYDAY=-1TU", "America/New_York", "2027-12-01T00:30:00Z", 5);
  EXPECT_EQ(dates(monthly),
            (std::vector<std::string>{"2027-11-30", "2027-12-28", "2028-01-25", "2028-02-29", "2028-03-28"}));
  EXPECT_EQ(starts(monthly), (std::vector<std::string>{"2027-12-01T00:30:00Z", "2027-12-29T00:30:00Z",
                                                       "2028-01-26T00:30:00Z", "2028-03-01T00:30:00Z",
                                                       "2028-03-28T23:30:00Z"}));
  EXPECT_EQ(starts(series("FREQ=WEEKLY;BYDAY=TU", "UTC", "2028-02-22T12:00:00Z", 3)),
            (std::vector<std::string>{"2028-02-22T12:00:00Z", "2028-02-29T12:00:00Z", "2028-03-07T12:00:00Z"}));
}

TEST(Recurrence, CountEndsTheSeries) {
  EXPECT_EQ(series("FREQ=MONTHLY;BYDAY=2SU;COUNT=3", kLosAngeles, "2026-10-12T02:00:00Z", 10).size(), 3u);
  EXPECT_EQ(indexes(series("FREQ=WEEKLY;BYDAY=SU;COUNT=3", kLosAngeles, "2026-10-26T02:00:00Z", 10, 2)),
            (std::vector<int>{2}));
  EXPECT_TRUE(series("FREQ=WEEKLY;BYDAY=SU;COUNT=3", kLosAngeles, "2026-10-26T02:00:00Z", 10, 3).empty());
  EXPECT_EQ(series("FREQ=WEEKLY;BYDAY=SU;COUNT=1", kLosAngeles, "2026-10-26T02:00:00Z", 10).size(), 1u);
}

TEST(Recurrence, UntilAUtcTimeIsInclusive) {
  // Sundays 19:00 LA: 11-08 starts at 2026-11-09T03:00:00Z.
  EXPECT_EQ(dates(series("FREQ=WEEKLY;BYDAY=SU;UNTIL=20261109T030000Z", kLosAngeles, "2026-10-26T02:00:00Z", 10)),
            (std::vector<std::string>{"2026-10-25", "2026-11-01", "2026-11-08"}));
  EXPECT_EQ(series("FREQ=WEEKLY;BYDAY=SU;UNTIL=20261109T025959Z", kLosAngeles, "2026-10-26T02:00:00Z", 10).size(),
            2u);
}

TEST(Recurrence, UntilADateComparesLocalDates) {
  // 11-08 19:00 PST is already 11-09 in UTC, yet UNTIL=20261108 keeps it.
  EXPECT_EQ(dates(series("FREQ=WEEKLY;BYDAY=SU;UNTIL=20261108", kLosAngeles, "2026-10-26T02:00:00Z", 10)),
            (std::vector<std::string>{"2026-10-25", "2026-11-01", "2026-11-08"}));
  EXPECT_EQ(series("FREQ=WEEKLY;BYDAY=SU;UNTIL=20261107", kLosAngeles, "2026-10-26T02:00:00Z", 10).size(), 2u);
  // The first date itself as UNTIL: one occurrence, though its UTC date is the next day.
  EXPECT_EQ(series("FREQ=WEEKLY;BYDAY=SU;UNTIL=20261025", kLosAngeles, "2026-10-26T02:00:00Z", 10).size(), 1u);
}

TEST(Recurrence, SkippedLocalTimeUsesTheOffsetBeforeTheGap) {
  EXPECT_EQ(iso(toUtc(kLosAngeles, {2027, 3, 14}, 2 * 3600 + 30 * 60)), "2027-03-14T10:30:00Z");  // 03:30 PDT
  EXPECT_EQ(iso(toUtc(kBerlin, {2027, 3, 28}, 2 * 3600 + 30 * 60)), "2027-03-28T01:30:00Z");      // 03:30 CEST
  // Sundays at 02:30: 03-07 PST, 03-14 in the gap, 03-21 PDT.
  EXPECT_EQ(starts(series("FREQ=WEEKLY;BYDAY=SU", kLosAngeles, "2027-03-07T10:30:00Z", 3)),
            (std::vector<std::string>{"2027-03-07T10:30:00Z", "2027-03-14T10:30:00Z", "2027-03-21T09:30:00Z"}));
}

TEST(Recurrence, RepeatedLocalTimeIsTheFirst) {
  EXPECT_EQ(iso(toUtc(kLosAngeles, {2026, 11, 1}, 1 * 3600 + 30 * 60)), "2026-11-01T08:30:00Z");  // 01:30 PDT
  EXPECT_EQ(iso(toUtc(kBerlin, {2026, 10, 25}, 2 * 3600 + 30 * 60)), "2026-10-25T00:30:00Z");     // 02:30 CEST
  EXPECT_EQ(starts(series("FREQ=WEEKLY;BYDAY=SU", kLosAngeles, "2026-10-25T08:30:00Z", 3)),
            (std::vector<std::string>{"2026-10-25T08:30:00Z", "2026-11-01T08:30:00Z", "2026-11-08T09:30:00Z"}));
}

TEST(Recurrence, ToLocalGivesTheZonesDateAndTime) {
  const auto [date, seconds] = toLocal(kLosAngeles, utc("2026-11-01T09:30:00Z"));  // the second 01:30 (PST)
  EXPECT_EQ(date, (LocalDate{2026, 11, 1}));
  EXPECT_EQ(seconds, 1 * 3600 + 30 * 60);
  const auto [date2, seconds2] = toLocal(kBerlin, utc("2026-12-31T23:15:00Z") + 999);
  EXPECT_EQ(date2, (LocalDate{2027, 1, 1}));
  EXPECT_EQ(seconds2, 15 * 60);
  const auto [date3, seconds3] = toLocal(kLosAngeles, utc("1969-12-31T23:00:00Z"));  // before the epoch
  EXPECT_EQ(date3, (LocalDate{1969, 12, 31}));
  EXPECT_EQ(seconds3, 15 * 3600);
}

TEST(Recurrence, AnchorIsTheFirstLocalDateAndTime) {
  const Recurrence rule = parseRecurrence("FREQ=WEEKLY;BYDAY=SU");
  // A Monday in UTC, a Sunday in Los Angeles.
  const SeriesAnchor anchor = anchorOf(rule, kLosAngeles, utc("2026-10-26T02:00:00Z"));
  EXPECT_EQ(anchor.timezone, kLosAngeles);
  EXPECT_EQ(anchor.firstDate, (LocalDate{2026, 10, 25}));
  EXPECT_EQ(anchor.secondsOfDay, 19 * 3600);
}

TEST(Recurrence, AnchorRefusesADatetimeThatIsNotAnOccurrence) {
  const auto refused = [](const std::string& rule, const std::string& zone, const std::string& first) {
    return error400([&] { anchorOf(parseRecurrence(rule), zone, utc(first)); });
  };
  const std::string wednesday = refused("FREQ=WEEKLY;BYDAY=SU", kBerlin, "2026-12-09T18:00:00Z");
  EXPECT_NE(wednesday.find("datetime"), std::string::npos) << wednesday;
  EXPECT_NE(wednesday.find("2026-12-09"), std::string::npos) << wednesday;
  EXPECT_NE(wednesday.find("not an occurrence"), std::string::npos) << wednesday;
  // Sunday in Los Angeles, Monday in Berlin.
  EXPECT_NE(refused("FREQ=WEEKLY;BYDAY=SU", kBerlin, "2026-10-26T02:00:00Z").find("datetime"), std::string::npos);
  EXPECT_NE(refused("FREQ=MONTHLY;BYDAY=-1FR", kBerlin, "2026-10-09T18:00:00Z").find("datetime"),
            std::string::npos);  // the 2nd Friday
  EXPECT_NE(refused("FREQ=MONTHLY;BYDAY=-1FR", kBerlin, "2026-10-23T18:00:00Z").find("datetime"),
            std::string::npos);  // the 4th, not the last (10-30)
  EXPECT_NE(refused("FREQ=MONTHLY;BYDAY=2SU", kLosAngeles, "2026-10-19T02:00:00Z").find("datetime"),
            std::string::npos);  // the 3rd Sunday
  EXPECT_EQ(refused("FREQ=MONTHLY;BYDAY=4FR", kBerlin, "2026-10-23T18:00:00Z"), "");
  EXPECT_EQ(refused("FREQ=MONTHLY;BYDAY=-1FR", kBerlin, "2026-10-30T19:00:00Z"), "");
}

TEST(Recurrence, AnchorRefusesUntilBeforeTheFirst) {
  const auto refused = [](const std::string& rule) {
    return error400([&] { anchorOf(parseRecurrence(rule), kLosAngeles, utc("2026-10-26T02:00:00Z")); });
  };
  EXPECT_NE(refused("FREQ=WEEKLY;BYDAY=SU;UNTIL=20261024").find("UNTIL"), std::string::npos);
  EXPECT_NE(refused("FREQ=WEEKLY;BYDAY=SU;UNTIL=20261026T015959Z").find("UNTIL"), std::string::npos);
  EXPECT_EQ(refused("FREQ=WEEKLY;BYDAY=SU;UNTIL=20261026T020000Z"), "");  // the first start itself
  EXPECT_EQ(refused("FREQ=WEEKLY;BYDAY=SU;UNTIL=20261025"), "");           // its local date
}

TEST(Recurrence, UnknownZoneIsABadRequestNotACrash) {
  const Recurrence rule = parseRecurrence("FREQ=WEEKLY;BYDAY=SU");
  EXPECT_NE(error400([&] { anchorOf(rule, "Mars/Olympus_Mons", 0); }).find("timezone"), std::string::npos);
  EXPECT_NE(error400([] { toUtc("Mars/Olympus_Mons", {2027, 1, 1}, 0); }).find("timezone"), std::string::npos);
  EXPECT_NE(error400([] { toLocal("../../etc/passwd", 0); }).find("timezone"), std::string::npos);
  EXPECT_NE(error400([&] { occurrences(rule, {"", {2026, 10, 25}, 0}, 0, kFar, 10); }).find("timezone"),
            std::string::npos);
}

TEST(Recurrence, ParseErrorsNameThePart) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"FREQ=WEEKLY;BYDAY=SU;BYSETPOS=1", "BYSETPOS"},
      {"FREQ=MONTHLY;BYDAY=2SU;BYMONTH=3", "BYMONTH"},
      {"FREQ=WEEKLY;BYDAY=SU;WKST=MO", "WKST"},
      {"FREQ=WEEKLY;BYDAY=SU;X-NAME=1", "X-NAME"},
      {"FREQ=DAILY;BYDAY=SU", "FREQ=DAILY"},
      {"FREQ=YEARLY;BYDAY=SU", "FREQ=YEARLY"},
      {"FREQ=WEEKLY;BYDAY=SU;FREQ=WEEKLY", "FREQ"},
      {"FREQ=WEEKLY;BYDAY=SU;BYDAY=MO", "BYDAY"},
      {"FREQ=WEEKLY;BYDAY=SU;COUNT=2;COUNT=2", "COUNT"},
      {"BYDAY=SU", "FREQ"},
      {"", "FREQ"},
      {"FREQ=WEEKLY", "BYDAY"},
      {"FREQ=MONTHLY;COUNT=3", "BYDAY"},
      {"freq=WEEKLY;BYDAY=SU", "freq"},
      {"FREQ=WEEKLY;byday=SU", "byday"},
      {"FREQ=weekly;BYDAY=SU", "FREQ"},
      {"FREQ=WEEKLY;BYDAY=su", "BYDAY"},
      {"FREQ=MONTHLY;BYDAY=-1fr", "BYDAY"},
      {"FREQ=WEEKLY;BYDAY=SU;UNTIL=20270101t000000z", "UNTIL"},
      {"FREQ=WEEKLY;;BYDAY=SU", "empty"},
      {";FREQ=WEEKLY;BYDAY=SU", "empty"},
      {"FREQ=WEEKLY;BYDAY=SU;", "empty"},
      {"FREQ=;BYDAY=SU", "FREQ"},
      {"FREQ=WEEKLY;BYDAY", "BYDAY"},
      {"FREQ=WEEKLY;BYDAY=", "BYDAY"},
      {"FREQ=WEEKLY;BYDAY==SU", "BYDAY"},
      {"FREQ=WEEKLY; BYDAY=SU", " BYDAY"},
      {"FREQ=WEEKLY;=SU", "part name"},
      {"FREQ=WEEKLY;BYDAY=SU;COUNT=3;UNTIL=20270101", "COUNT and UNTIL"},
      {"FREQ=WEEKLY;BYDAY=SU;COUNT=0", "COUNT"},
      {"FREQ=WEEKLY;BYDAY=SU;COUNT=201", "COUNT"},
      {"FREQ=WEEKLY;BYDAY=SU;COUNT=-1", "COUNT"},
      {"FREQ=WEEKLY;BYDAY=SU;COUNT=+3", "COUNT"},
      {"FREQ=WEEKLY;BYDAY=SU;COUNT=3x", "COUNT"},
      {"FREQ=WEEKLY;BYDAY=SU;COUNT=99999999999999999999", "COUNT"},
      {"FREQ=WEEKLY;BYDAY=SU;INTERVAL=0", "INTERVAL"},
      {"FREQ=WEEKLY;BYDAY=SU;INTERVAL=13", "INTERVAL"},
      {"FREQ=WEEKLY;BYDAY=SU;INTERVAL=two", "INTERVAL"},
      {"FREQ=WEEKLY;BYDAY=SU;INTERVAL=1.5", "INTERVAL"},
      {"FREQ=WEEKLY;BYDAY=SU;INTERVAL=-2", "INTERVAL"},
      {"FREQ=WEEKLY;BYDAY=SU;INTERVAL= 2", "INTERVAL"},
      {"FREQ=WEEKLY;BYDAY=SU;INTERVAL=99999999999999999999", "INTERVAL"},
      {"FREQ=WEEKLY;BYDAY=1SU", "BYDAY"},
      {"FREQ=WEEKLY;BYDAY=MO,-1FR", "BYDAY"},
      {"FREQ=WEEKLY;BYDAY=MO,XX", "BYDAY"},
      {"FREQ=WEEKLY;BYDAY=MO,,TU", "BYDAY"},
      {"FREQ=WEEKLY;BYDAY=MO,", "BYDAY"},
      {"FREQ=WEEKLY;BYDAY=MO,MO", "BYDAY"},
      {"FREQ=WEEKLY;BYDAY=MONDAY", "BYDAY"},
      {"FREQ=MONTHLY;BYDAY=SU", "BYDAY"},
      {"FREQ=MONTHLY;BYDAY=2SU,3SU", "BYDAY"},
      {"FREQ=MONTHLY;BYDAY=5SU", "BYDAY"},
      {"FREQ=MONTHLY;BYDAY=0SU", "BYDAY"},
      {"FREQ=MONTHLY;BYDAY=-2FR", "BYDAY"},
      {"FREQ=MONTHLY;BYDAY=-0FR", "BYDAY"},
      {"FREQ=MONTHLY;BYDAY=+-1FR", "BYDAY"},
      {"FREQ=MONTHLY;BYDAY=12SU", "BYDAY"},
      {"FREQ=MONTHLY;BYDAY=2XX", "BYDAY"},
      {"FREQ=WEEKLY;BYDAY=SU;UNTIL=20270230", "UNTIL"},
      {"FREQ=WEEKLY;BYDAY=SU;UNTIL=20271301", "UNTIL"},
      {"FREQ=WEEKLY;BYDAY=SU;UNTIL=20270100", "UNTIL"},
      {"FREQ=WEEKLY;BYDAY=SU;UNTIL=20270229", "UNTIL"},  // 2027 is not a leap year
      {"FREQ=WEEKLY;BYDAY=SU;UNTIL=20270101T240000Z", "UNTIL"},
      {"FREQ=WEEKLY;BYDAY=SU;UNTIL=20270101T126000Z", "UNTIL"},
      {"FREQ=WEEKLY;BYDAY=SU;UNTIL=20270101T120000", "UNTIL"},  // a floating time
      {"FREQ=WEEKLY;BYDAY=SU;UNTIL=2027-01-01", "UNTIL"},
      {"FREQ=WEEKLY;BYDAY=SU;UNTIL=202701", "UNTIL"},
      {"FREQ=WEEKLY;BYDAY=SU;UNTIL=00000101", "UNTIL"},
      {"FREQ=WEEKLY;BYDAY=SU;UNTIL=+2027010", "UNTIL"},
      {"FREQ=WEEKLY;BYDAY=SU;" + std::string(200, 'X'), "200"},
  };
  for (const auto& [text, part] : cases) {
    const std::string detail = parseError(text);
    EXPECT_EQ(detail.rfind("recurrence: ", 0), 0u) << text << " → " << detail;
    EXPECT_NE(detail.find(part), std::string::npos) << text << " → " << detail;
  }
  EXPECT_EQ(parseError("FREQ=WEEKLY;BYDAY=SU;BYSETPOS=1"),
            "recurrence: BYSETPOS is not supported (FREQ, INTERVAL, BYDAY, COUNT, UNTIL are)");
  EXPECT_EQ(parseError("FREQ=WEEKLY;BYDAY=SU;INTERVAL=13"), "recurrence: INTERVAL must be 1–12");
}

TEST(Recurrence, ParsesTheSubset) {
  const Recurrence weekly = parseRecurrence("BYDAY=TH,MO;INTERVAL=2;FREQ=WEEKLY;COUNT=12");
  EXPECT_EQ(weekly.freq, Recurrence::Freq::Weekly);
  EXPECT_EQ(weekly.interval, 2);
  EXPECT_EQ(weekly.weekdays, (std::vector<int>{1, 4}));
  EXPECT_EQ(weekly.ordinal, 0);
  EXPECT_EQ(weekly.count, 12);
  EXPECT_FALSE(weekly.untilUtc || weekly.untilDate);

  const Recurrence monthly = parseRecurrence("FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20270101T120000Z");
  EXPECT_EQ(monthly.freq, Recurrence::Freq::Monthly);
  EXPECT_EQ(monthly.weekdays, (std::vector<int>{5}));
  EXPECT_EQ(monthly.ordinal, -1);
  EXPECT_EQ(monthly.untilUtc, utc("2027-01-01T12:00:00Z"));
  EXPECT_EQ(parseRecurrence("FREQ=MONTHLY;BYDAY=+2SU").ordinal, 2);
  EXPECT_EQ(parseRecurrence("FREQ=WEEKLY;BYDAY=SU;UNTIL=20280229").untilDate, (LocalDate{2028, 2, 29}));
  EXPECT_EQ(parseRecurrence("FREQ=WEEKLY;BYDAY=SU;COUNT=200").count, 200);
  EXPECT_EQ(parseRecurrence("FREQ=WEEKLY;BYDAY=SU;INTERVAL=12").interval, 12);
  EXPECT_EQ(parseRecurrence("FREQ=WEEKLY;BYDAY=" + std::string("SU,MO,TU,WE,TH,FR,SA")).weekdays,
            (std::vector<int>{0, 1, 2, 3, 4, 5, 6}));
}

TEST(Recurrence, TextIsCanonical) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"FREQ=WEEKLY;BYDAY=SU", "FREQ=WEEKLY;BYDAY=SU"},
      {"BYDAY=TH,MO;FREQ=WEEKLY;INTERVAL=2", "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH"},
      {"FREQ=WEEKLY;INTERVAL=1;BYDAY=SU,SA,MO", "FREQ=WEEKLY;BYDAY=MO,SA,SU"},
      {"UNTIL=20270101T120000Z;FREQ=MONTHLY;BYDAY=-1FR", "FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20270101T120000Z"},
      {"FREQ=MONTHLY;COUNT=010;BYDAY=+2SU;INTERVAL=03", "FREQ=MONTHLY;INTERVAL=3;BYDAY=2SU;COUNT=10"},
      {"FREQ=WEEKLY;BYDAY=FR;UNTIL=20270101", "FREQ=WEEKLY;BYDAY=FR;UNTIL=20270101"},
  };
  for (const auto& [given, canonical] : cases) {
    EXPECT_EQ(parseRecurrence(given).text(), canonical) << given;
    EXPECT_EQ(parseRecurrence(canonical).text(), canonical);
  }
}

TEST(Recurrence, WindowsAreSlicesOfTheWholeSeries) {
  const Recurrence rule = parseRecurrence("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH");
  const SeriesAnchor anchor = anchorOf(rule, kBerlin, utc("2026-12-03T19:00:00Z"));
  const auto all = occurrences(rule, anchor, 0, kFar, 1000);
  ASSERT_EQ(all.size(), static_cast<std::size_t>(kMaxOccurrences));  // index 200 ends any series
  EXPECT_EQ(all.back().index, 199);
  const auto tail = occurrences(rule, anchor, 5, kFar, 1000);
  ASSERT_EQ(tail.size(), all.size() - 5);
  EXPECT_EQ(starts(tail), starts({all.begin() + 5, all.end()}));
  EXPECT_EQ(dates(tail), dates({all.begin() + 5, all.end()}));
  EXPECT_EQ(tail.front().index, 5);
  EXPECT_EQ(starts(occurrences(rule, anchor, 5, kFar, 3)), starts({all.begin() + 5, all.begin() + 8}));
  // `until` is inclusive.
  EXPECT_EQ(starts(occurrences(rule, anchor, 0, all[10].startsAt, 1000)), starts({all.begin(), all.begin() + 11}));
  EXPECT_EQ(occurrences(rule, anchor, 0, all[10].startsAt - 1, 1000).size(), 10u);
  EXPECT_EQ(indexes(occurrences(rule, anchor, 8, all[10].startsAt, 1000)), (std::vector<int>{8, 9, 10}));
  EXPECT_TRUE(occurrences(rule, anchor, 0, all[0].startsAt - 1, 1000).empty());
  EXPECT_TRUE(occurrences(rule, anchor, 199, kFar, 0).empty());
  EXPECT_EQ(indexes(occurrences(rule, anchor, 199, kFar, 10)), (std::vector<int>{199}));
  EXPECT_TRUE(occurrences(rule, anchor, kMaxOccurrences, kFar, 10).empty());
  EXPECT_TRUE(occurrences(rule, anchor, 1 << 30, kFar, 10).empty());
  EXPECT_EQ(occurrences(rule, anchor, -3, kFar, 2).front().index, 0);
}

TEST(Recurrence, FarUntilStopsAtMaxAndAtTwoHundred) {
  const Recurrence far = parseRecurrence("FREQ=MONTHLY;INTERVAL=12;BYDAY=-1SU;UNTIL=99991231");
  const SeriesAnchor anchor = anchorOf(far, kBerlin, utc("2026-10-25T18:00:00Z"));
  EXPECT_EQ(occurrences(far, anchor, 0, std::numeric_limits<std::int64_t>::max(), 3).size(), 3u);
  const auto all = occurrences(far, anchor, 0, std::numeric_limits<std::int64_t>::max(), 1000);
  ASSERT_EQ(all.size(), 200u);
  EXPECT_EQ(formatDate(all[1].date), "2027-10-31");  // yearly, last Sunday of October
  EXPECT_EQ(all.back().date.year, 2225);
}

TEST(Recurrence, RuleWithoutDaysGivesNothing) {
  Recurrence empty;  // not from parseRecurrence: no BYDAY
  EXPECT_TRUE(occurrences(empty, {kBerlin, {2026, 10, 25}, 0}, 0, kFar, 10).empty());
  Recurrence noOrdinal = parseRecurrence("FREQ=MONTHLY;BYDAY=2SU");
  noOrdinal.ordinal = 0;
  EXPECT_TRUE(occurrences(noOrdinal, {kBerlin, {2026, 10, 11}, 0}, 0, kFar, 10).empty());
  Recurrence huge = parseRecurrence("FREQ=WEEKLY;BYDAY=SU");
  huge.interval = 1 << 30;  // weeks of days past any calendar
  EXPECT_TRUE(occurrences(huge, {kBerlin, {2026, 10, 25}, 0}, 0, kFar, 10).empty());
}

TEST(Recurrence, FormatDate) {
  EXPECT_EQ(formatDate({2026, 12, 6}), "2026-12-06");
  EXPECT_EQ(formatDate({987, 1, 1}), "0987-01-01");
}
