// The event inputs' checks: slugs and time-zone names, and the series fields of a request.
#include "event_input.hpp"

#include <mmm/error.hpp>

#include <gtest/gtest.h>

#include <functional>

using namespace mmm::meetups;

TEST(EventInput, TimeZonesAreTheDatabasesZoneNamesOnly) {
  for (const char* zone : {"UTC", "Europe/Berlin", "America/Los_Angeles", "America/Argentina/Buenos_Aires",
                           "America/Port-au-Prince", "Etc/GMT+5", "Etc/GMT-14"})
    EXPECT_TRUE(isTimeZone(zone)) << zone;
  for (const char* bad : {"", "Europe", "europe/berlin", "Mars/Olympus", "Europe/Berlin/", "/Europe/Berlin",
                          "Europe//Berlin", "../etc/passwd", "Europe/../../etc/passwd", "Europe/.Berlin",
                          "posix/Europe/Berlin", "right/UTC", "posixrules", "Factory", "localtime", "zone.tab",
                          "iso3166.tab", "Europe/Berlin\n"})
    EXPECT_FALSE(isTimeZone(bad)) << bad;
  EXPECT_FALSE(isTimeZone(std::string(65, 'A')));
}

TEST(EventInput, SlugsAreLowercaseAsciiDigitsAndDashes) {
  for (const std::string slug : {"bass", "double-bass", "dj", "808"}) EXPECT_TRUE(isSlug(slug)) << slug;
  EXPECT_TRUE(isSlug(std::string(40, 'a')));
  for (const std::string bad : {"", "Bass", "bass guitar", "bass_", "bäss", "bass/"}) EXPECT_FALSE(isSlug(bad)) << bad;
  EXPECT_FALSE(isSlug(std::string(41, 'a')));
}

namespace {
mmm::Request jsonRequest(const std::string& body, const std::string& query = "") {
  mmm::Request request;
  request.method = "PATCH";
  request.headers.emplace_back("Content-Type", "application/json");
  request.body = body;
  request.query = query;
  return request;
}
bool anyInstrument(const std::string&) { return true; }
int statusOf(const std::function<void()>& run) {
  try {
    run();
  } catch (const mmm::HttpError& e) {
    return e.status();
  }
  return 0;
}
}  // namespace

TEST(EventInput, ARecurrenceIsReadOnCreateAndRefusedInAChangeEvenWhenNull) {
  const auto created = parseNewEvent(
      jsonRequest(R"({"title":"Jam","datetime":"2030-01-06T18:00:00Z","location":"Hall","recurrence":"FREQ=WEEKLY;BYDAY=SU"})"),
      anyInstrument);
  EXPECT_EQ(created.recurrence, std::optional<std::string>("FREQ=WEEKLY;BYDAY=SU"));
  EXPECT_FALSE(parseNewEvent(jsonRequest(R"({"title":"Jam","datetime":"2030-01-06T18:00:00Z","location":"Hall",)"
                                         R"("recurrence":null})"),
                             anyInstrument)
                   .recurrence);
  for (const char* body : {R"({"recurrence":"FREQ=WEEKLY;BYDAY=MO"})", R"({"title":"X","recurrence":null})",
                           R"({"title":"X","recurrence":"FREQ=WEEKLY;BYDAY=MO"})"}) {
    try {
      parseEventChanges(jsonRequest(body), anyInstrument);
      ADD_FAILURE() << body << " was accepted";
    } catch (const mmm::HttpError& e) {
      EXPECT_EQ(e.status(), 400) << body;
      EXPECT_NE(e.detail().find("recurrence"), std::string::npos) << body << ": " << e.detail();
    }
  }
}

TEST(EventInput, ScopeIsSeriesOrAbsent) {
  EXPECT_FALSE(parseSeriesScope(jsonRequest("{}")));
  EXPECT_TRUE(parseSeriesScope(jsonRequest("{}", "scope=series")));
  for (const char* query : {"scope=", "scope=all", "scope=SERIES", "scope=series%00"})
    EXPECT_EQ(statusOf([&] { parseSeriesScope(jsonRequest("{}", query)); }), 400) << query;
}

TEST(EventInput, ASeriesJoinTakesAnOptionalInstrumentSlug) {
  EXPECT_EQ(parseSeriesJoin(jsonRequest("")), "");
  EXPECT_EQ(parseSeriesJoin(jsonRequest(R"({"instrument":null})")), "");
  EXPECT_EQ(parseSeriesJoin(jsonRequest(R"({"instrument":"bass"})")), "bass");
  for (const char* body : {R"({"instrument":"Bass"})", R"({"instrument":3})", "[]", "{"})
    EXPECT_EQ(statusOf([&] { parseSeriesJoin(jsonRequest(body)); }), 400) << body;
}
