// The calendar feed checkers (tests/support/ics_check.hpp) themselves: both parsers read the
// meetups plugin's iCalendar writer alike, and each rejects a feed that breaks RFC 5545's
// rules the writer follows (a line over 75 octets, LF line ends, a character split by a
// fold, a VEVENT without UID, unbalanced BEGIN/END), so tests built on them can fail.
#include "ical.hpp"
#include "ics_check.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

namespace {

using mmm::meetups::CalendarEvent;
using mmm::test::checkIcs;
using mmm::test::runIcsCheck;

std::vector<CalendarEvent> sampleEvents() {
  CalendarEvent going;
  going.uid = "event-12@meet.example.org";
  going.stamp = 1796117400000;  // 2026-12-01T09:30:00Z
  going.start = 1796580000000;  // 2026-12-06T18:00:00Z
  going.end = 1796587200000;    // 2026-12-06T20:00:00Z
  going.summary = "Jam, blues; all welcome \\o/ 🎸";
  for (int i = 0; i < 12; ++i) going.summary += " é€🎸";
  going.location = "Café Kranz\r\nBerlin";
  going.description = "Bring an amp\\n (the text \\n, not a newline)\nand\ta tuner.";
  going.url = "https://meet.example.org/events/12";
  going.lat = 52.52;
  going.lon = 13.405;
  going.sequence = 4;
  going.status = "CONFIRMED";
  CalendarEvent waiting = going;
  waiting.uid = "event-13@meet.example.org";
  waiting.summary = "Gig (waitlist #2)";
  waiting.location.clear();
  waiting.description.clear();
  waiting.url.clear();
  waiting.lat.reset();
  waiting.start = 1835481599000;  // 2028-02-29T23:59:59Z
  waiting.end = waiting.start + 7200000;
  waiting.sequence = 0;
  waiting.status = "TENTATIVE";
  return {going, waiting};
}

// A 75-octet content line: "SUMMARY:" and 67 octets.
const std::string kLine75 = "SUMMARY:" + std::string(67, 'x');

class IcsCheckTest : public ::testing::TestWithParam<std::string> {
 protected:
  // The writer's feed with `from` replaced by `to` (which must be there).
  static std::string feedWith(const std::string& from, const std::string& to) {
    std::string feed = mmm::meetups::renderCalendar("Mine", sampleEvents());
    const auto at = feed.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return at == std::string::npos ? feed : feed.replace(at, from.size(), to);
  }
  void expectRejected(const std::string& feed, const std::string& reason) {
    const auto run = runIcsCheck(feed, GetParam());
    EXPECT_EQ(run.exitCode, 1) << run.out;
    EXPECT_NE(run.err.find(reason), std::string::npos) << run.err;
    EXPECT_EQ(run.out, "");
  }
};

TEST_P(IcsCheckTest, ReadsTheWritersFeed) {
  const std::string out = checkIcs(mmm::meetups::renderCalendar("Mine; all, \\ of it", sampleEvents()), GetParam());
  Poco::JSON::Parser parser;
  const auto calendar = parser.parse(out).extract<Poco::JSON::Object::Ptr>();
  EXPECT_EQ(calendar->getValue<std::string>("name"), "Mine; all, \\ of it");
  const auto events = calendar->getArray("events");
  ASSERT_EQ(events->size(), 2u);
  const auto going = events->getObject(0), waiting = events->getObject(1);
  const auto expected = sampleEvents();
  EXPECT_EQ(going->getValue<std::string>("uid"), "event-12@meet.example.org");
  EXPECT_EQ(going->getValue<std::string>("summary"), expected[0].summary);
  EXPECT_EQ(going->getValue<std::string>("location"), "Café Kranz\nBerlin");
  EXPECT_EQ(going->getValue<std::string>("description"), expected[0].description);
  EXPECT_EQ(going->getValue<std::string>("url"), "https://meet.example.org/events/12");
  EXPECT_EQ(going->getValue<std::string>("status"), "CONFIRMED");
  EXPECT_EQ(going->getValue<int>("sequence"), 4);
  EXPECT_EQ(going->getValue<std::string>("start"), "2026-12-06T18:00:00Z");
  EXPECT_EQ(going->getValue<std::string>("end"), "2026-12-06T20:00:00Z");
  EXPECT_EQ(going->getValue<std::string>("stamp"), "2026-12-01T09:30:00Z");
  const auto geo = going->getArray("geo");
  ASSERT_TRUE(geo);
  EXPECT_DOUBLE_EQ(geo->getElement<double>(0), 52.52);
  EXPECT_DOUBLE_EQ(geo->getElement<double>(1), 13.405);
  EXPECT_EQ(waiting->getValue<std::string>("summary"), "Gig (waitlist #2)");
  EXPECT_EQ(waiting->getValue<std::string>("status"), "TENTATIVE");
  EXPECT_EQ(waiting->getValue<std::string>("start"), "2028-02-29T23:59:59Z");
  EXPECT_EQ(waiting->getValue<std::string>("end"), "2028-03-01T01:59:59Z");
  for (const char* empty : {"location", "description"})  // always there (API.md), empty here
    EXPECT_EQ(waiting->getValue<std::string>(empty), "") << empty;
  for (const char* absent : {"url", "geo"}) EXPECT_TRUE(waiting->isNull(absent)) << absent;
}

TEST_P(IcsCheckTest, AcceptsA75OctetLine) {
  checkIcs(feedWith("SUMMARY:Gig (waitlist #2)", kLine75), GetParam());
}

TEST_P(IcsCheckTest, RejectsALineOf76Octets) {
  expectRejected(feedWith("SUMMARY:Gig (waitlist #2)", kLine75 + "x"), "76 octets");
}

TEST_P(IcsCheckTest, RejectsLfLineEnds) {
  expectRejected(feedWith("BEGIN:VEVENT\r\n", "BEGIN:VEVENT\n"), "bare CR or LF");
  std::string lf = mmm::meetups::renderCalendar("", sampleEvents());
  for (std::size_t at; (at = lf.find("\r\n")) != std::string::npos;) lf.erase(at, 1);
  expectRejected(lf, "CRLF");
}

TEST_P(IcsCheckTest, RejectsAVeventWithoutUid) {
  expectRejected(feedWith("UID:event-13@meet.example.org\r\n", ""), "without UID");
}

TEST_P(IcsCheckTest, RejectsACharacterSplitByAFold) {
  // "€" is E2 82 AC: a fold after its first octet leaves both lines invalid UTF-8.
  expectRejected(feedWith("SUMMARY:Gig (waitlist #2)", "SUMMARY:Gig \xE2\r\n \x82\xAC"), "not valid UTF-8");
}

TEST_P(IcsCheckTest, RejectsUnbalancedComponents) {
  expectRejected(feedWith("END:VEVENT\r\nEND:VCALENDAR\r\n", "END:VEVENT\r\n"), "BEGIN:VCALENDAR never ends");
  expectRejected(feedWith("END:VEVENT\r\nEND:VCALENDAR", "END:VTODO\r\nEND:VCALENDAR"), "does not close VEVENT");
}

// RFC 5545's icalbody is calprops and at least one component: a calendar with no event
// still has one (UTC's time zone), which both parsers read, and none is refused.
TEST_P(IcsCheckTest, ReadsAFeedWithNoEventAndRejectsOneWithoutAComponent) {
  const std::string empty = mmm::meetups::renderCalendar("Mine", {});
  EXPECT_EQ(checkIcs(empty, GetParam()), "{\"name\":\"Mine\",\"events\":[]}\n");
  const auto zone = empty.find("BEGIN:VTIMEZONE\r\n"), end = empty.find("END:VTIMEZONE\r\n");
  ASSERT_NE(zone, std::string::npos);
  ASSERT_NE(end, std::string::npos);
  expectRejected(std::string(empty).erase(zone, end + 15 - zone), "without a component");
}

TEST_P(IcsCheckTest, RejectsFloatingTimes) {
  expectRejected(feedWith("DTSTART:20280229T235959Z", "DTSTART:20280229T235959"), "not a UTC date-time");
}

TEST(IcsCheck, BothParsersSayTheSame) {
  const std::string feed = mmm::meetups::renderCalendar("Mine", sampleEvents());
  EXPECT_EQ(checkIcs(feed, "python"), checkIcs(feed, "icaljs"));
}

INSTANTIATE_TEST_SUITE_P(Parsers, IcsCheckTest, ::testing::Values("python", "icaljs"),
                         [](const auto& info) { return info.param; });

}  // namespace
