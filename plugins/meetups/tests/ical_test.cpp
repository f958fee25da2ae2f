// The iCalendar writer byte by byte: a whole calendar, folding at 75 octets without cutting
// a UTF-8 character, TEXT escaping, dropped controls, invalid UTF-8, UTC times, GEO.
#include "ical.hpp"

#include <mmm/text.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace mmm::meetups;

namespace {

// The physical lines of `folded` (each must end in CRLF; the CRLFs are not included).
std::vector<std::string> physicalLines(const std::string& folded) {
  std::vector<std::string> lines;
  std::size_t at = 0;
  while (at < folded.size()) {
    const auto end = folded.find("\r\n", at);
    EXPECT_NE(end, std::string::npos) << "no CRLF after " << folded.substr(at);
    if (end == std::string::npos) break;
    lines.push_back(folded.substr(at, end - at));
    at = end + 2;
  }
  return lines;
}

std::string unfold(const std::string& folded) {
  std::string out;
  for (std::size_t i = 0; i < folded.size(); ++i) {
    if (folded.compare(i, 3, "\r\n ") == 0) {
      i += 2;
      continue;
    }
    out.push_back(folded[i]);
  }
  return out;
}

std::size_t charLength(unsigned char lead) {
  return lead < 0x80 ? 1 : (lead & 0xE0) == 0xC0 ? 2 : (lead & 0xF0) == 0xE0 ? 3 : 4;
}

// Every physical line within 75 octets and valid UTF-8 on its own, no bare CR or LF,
// each cut as late as it can be, and unfolding gives back `line`.
void expectFoldedWell(const std::string& line) {
  const std::string folded = foldLine(line);
  ASSERT_GE(folded.size(), 2u);
  EXPECT_EQ(folded.substr(folded.size() - 2), "\r\n");
  const auto lines = physicalLines(folded);
  std::size_t consumed = 0;  // octets of `line` in the physical lines so far
  for (std::size_t k = 0; k < lines.size(); ++k) {
    const std::string& physical = lines[k];
    SCOPED_TRACE("physical line " + std::to_string(k) + ": " + physical);
    EXPECT_LE(physical.size(), 75u);
    EXPECT_TRUE(mmm::isValidUtf8(physical));
    EXPECT_EQ(physical.find_first_of("\r\n"), std::string::npos);
    std::string_view content = physical;
    if (k > 0) {
      ASSERT_FALSE(content.empty());
      EXPECT_EQ(content[0], ' ');
      content.remove_prefix(1);
    }
    consumed += content.size();
    if (k + 1 < lines.size()) {  // the next character would not have fitted
      ASSERT_LT(consumed, line.size());
      EXPECT_GT(physical.size() + charLength(static_cast<unsigned char>(line[consumed])), 75u);
    }
  }
  EXPECT_EQ(unfold(folded), line + "\r\n");
}

CalendarEvent rehearsal() {
  CalendarEvent e;
  e.uid = "event-12@meet.example.org";
  e.stamp = 1796117400000;  // 2026-12-01T09:30:00Z
  e.start = 1796580000000;  // 2026-12-06T18:00:00Z
  e.end = 1796587200000;    // 2026-12-06T20:00:00Z
  e.summary = "Jam, blues; all welcome";
  e.location = "Café Kranz\nBerlin";
  e.description = "Bring a\\n amp";
  e.url = "https://meet.example.org/events/12";
  e.lat = 52.52;
  e.lon = 13.405;
  e.sequence = 3;
  e.status = "CONFIRMED";
  return e;
}

std::string geoLineOf(double lat, double lon) {
  CalendarEvent e = rehearsal();
  e.lat = lat;
  e.lon = lon;
  const std::string out = renderCalendar("", {e});
  const auto at = out.find("\r\nGEO:");
  if (at == std::string::npos) return "";
  return out.substr(at + 2, out.find("\r\n", at + 2) - at - 2);
}

}  // namespace

TEST(Ical, RendersAWholeCalendarExactly) {
  CalendarEvent cancelled;
  cancelled.uid = "event-13@meet.example.org";
  cancelled.stamp = 1796117400000;
  cancelled.start = 1835481599000;  // 2028-02-29T23:59:59Z
  cancelled.end = 1835481599000 + 7200000;
  cancelled.summary = "Gig (waitlist #2)";
  cancelled.sequence = 0;
  cancelled.status = "CANCELLED";
  EXPECT_EQ(renderCalendar("Music Maker Meetup; mine", {rehearsal(), cancelled}),
            "BEGIN:VCALENDAR\r\n"
            "VERSION:2.0\r\n"
            "PRODID:-//Music Maker Meetup//mmm-server//EN\r\n"
            "CALSCALE:GREGORIAN\r\n"
            "X-WR-CALNAME:Music Maker Meetup\\; mine\r\n"
            "REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n"
            "X-PUBLISHED-TTL:PT1H\r\n"
            "BEGIN:VEVENT\r\n"
            "UID:event-12@meet.example.org\r\n"
            "DTSTAMP:20261201T093000Z\r\n"
            "DTSTART:20261206T180000Z\r\n"
            "DTEND:20261206T200000Z\r\n"
            "SEQUENCE:3\r\n"
            "STATUS:CONFIRMED\r\n"
            "SUMMARY:Jam\\, blues\\; all welcome\r\n"
            "LOCATION:Café Kranz\\nBerlin\r\n"
            "DESCRIPTION:Bring a\\\\n amp\r\n"
            "GEO:52.52;13.405\r\n"
            "URL:https://meet.example.org/events/12\r\n"
            "END:VEVENT\r\n"
            "BEGIN:VEVENT\r\n"
            "UID:event-13@meet.example.org\r\n"
            "DTSTAMP:20261201T093000Z\r\n"
            "DTSTART:20280229T235959Z\r\n"
            "DTEND:20280301T015959Z\r\n"
            "SEQUENCE:0\r\n"
            "STATUS:CANCELLED\r\n"
            "SUMMARY:Gig (waitlist #2)\r\n"
            "LOCATION:\r\n"
            "DESCRIPTION:\r\n"
            "END:VEVENT\r\n"
            "END:VCALENDAR\r\n");
}

// Nor an event: RFC 5545 wants a component, so it has UTC's time zone.
TEST(Ical, ACalendarWithoutANameHasNoFeedProperties) {
  EXPECT_EQ(renderCalendar("", {}),
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Music Maker Meetup//mmm-server//EN\r\n"
            "CALSCALE:GREGORIAN\r\nBEGIN:VTIMEZONE\r\nTZID:UTC\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n"
            "TZOFFSETFROM:+0000\r\nTZOFFSETTO:+0000\r\nTZNAME:UTC\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
            "END:VCALENDAR\r\n");
}

TEST(Ical, FoldsAtExactly75Octets) {
  const std::string line75 = "SUMMARY:" + std::string(67, 'a');
  ASSERT_EQ(line75.size(), 75u);
  EXPECT_EQ(foldLine(line75), line75 + "\r\n");
  const std::string line76 = line75 + "b";
  EXPECT_EQ(foldLine(line76), line75 + "\r\n b\r\n");
  // Continuation lines hold 74 octets after their space.
  const std::string line224 = line75 + std::string(74, 'c') + std::string(75, 'd');
  EXPECT_EQ(foldLine(line224), line75 + "\r\n " + std::string(74, 'c') + "\r\n " + std::string(74, 'd') + "\r\n d\r\n");
  EXPECT_EQ(foldLine(""), "\r\n");
}

TEST(Ical, NeverFoldsInsideAUtf8Character) {
  // Each character straddles octet 75, where a naive cut would split it.
  const std::string prefix = "SUMMARY:";
  EXPECT_EQ(foldLine(prefix + std::string(66, 'a') + "é!"), prefix + std::string(66, 'a') + "\r\n é!\r\n");
  EXPECT_EQ(foldLine(prefix + std::string(65, 'a') + "€!"), prefix + std::string(65, 'a') + "\r\n €!\r\n");
  EXPECT_EQ(foldLine(prefix + std::string(64, 'a') + "€!"), prefix + std::string(64, 'a') + "€\r\n !\r\n");
  EXPECT_EQ(foldLine(prefix + std::string(64, 'a') + "🎸!"), prefix + std::string(64, 'a') + "\r\n 🎸!\r\n");
  EXPECT_EQ(foldLine(prefix + std::string(66, 'a') + "🎸!"), prefix + std::string(66, 'a') + "\r\n 🎸!\r\n");
  // Ending exactly at octet 75: not folded.
  EXPECT_EQ(foldLine(prefix + std::string(63, 'a') + "🎸"), prefix + std::string(63, 'a') + "🎸\r\n");
  // On continuation lines too, whatever the alignment.
  for (std::size_t shift = 0; shift < 12; ++shift) {
    std::string title(shift, 'x');
    for (int i = 0; i < 40; ++i) title += "é€🎸a";
    SCOPED_TRACE("shift " + std::to_string(shift));
    expectFoldedWell(prefix + title);
    expectFoldedWell(prefix + escapeText(title + ";,\\\n"));
  }
}

TEST(Ical, EveryLineOfALongCalendarIsFoldedWell) {
  CalendarEvent e = rehearsal();
  for (int i = 0; i < 30; ++i) {
    e.summary += "🎸 Jam é € ";
    e.description += "Line, with; escapes\\ and\nnewlines é€🎸 ";
  }
  const std::string out = renderCalendar(std::string(100, 'N') + "é", {e, e});
  const auto lines = physicalLines(out);
  for (const auto& physical : lines) {
    EXPECT_LE(physical.size(), 75u) << physical;
    EXPECT_TRUE(mmm::isValidUtf8(physical)) << physical;
    EXPECT_EQ(physical.find_first_of("\r\n"), std::string::npos) << physical;
  }
  const std::string unfolded = unfold(out);
  EXPECT_NE(unfolded.find("\r\nSUMMARY:" + escapeText(e.summary) + "\r\n"), std::string::npos);
  EXPECT_NE(unfolded.find("\r\nDESCRIPTION:" + escapeText(e.description) + "\r\n"), std::string::npos);
}

TEST(Ical, EscapesText) {
  EXPECT_EQ(escapeText("a;b,c\\d"), "a\\;b\\,c\\\\d");
  EXPECT_EQ(escapeText("one\r\ntwo\nthree\rfour"), "one\\ntwo\\nthree\\nfour");
  EXPECT_EQ(escapeText("\r\r\n\n\r"), "\\n\\n\\n\\n");
  EXPECT_EQ(escapeText("colon: \"quoted\" 🎸 é"), "colon: \"quoted\" 🎸 é");
  EXPECT_EQ(escapeText(""), "");
}

TEST(Ical, DropsControlCharacters) {
  EXPECT_EQ(escapeText(std::string("a\x01" "b\x1F" "c\x7F" "d\x1B[0m", 11)), "abcd[0m");
  EXPECT_EQ(escapeText(std::string("nul\0here", 8)), "nulhere");
  EXPECT_EQ(escapeText("tab\tkept"), "tab\tkept");                  // HTAB is a WSP, which TEXT allows
  EXPECT_EQ(escapeText("c1\xC2\x85" "gone\xC2\x9F!"), "c1gone!");  // C1 controls (U+0085, U+009F)
  EXPECT_EQ(escapeText("\xC2\xA0nbsp"), "\xC2\xA0nbsp");          // U+00A0 is no control
}

TEST(Ical, ReplacesInvalidUtf8) {
  EXPECT_EQ(escapeText("a\xFF" "b"), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(escapeText("cut \xE2\x82"), "cut \xEF\xBF\xBD\xEF\xBF\xBD");      // € cut short
  EXPECT_EQ(escapeText("over\xC0\xAF"), "over\xEF\xBF\xBD\xEF\xBF\xBD");      // overlong '/'
  EXPECT_EQ(escapeText("sur\xED\xA0\x80"), "sur\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
  EXPECT_EQ(escapeText("\xF4\x90\x80\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // past U+10FFFF
  CalendarEvent e = rehearsal();
  e.summary = std::string(70, 'a') + "\xE2\x82" + "\xFF;";
  e.uid = "uid\xFF";
  e.url = "https://x.example/\xFF a\r\nb";
  const std::string out = renderCalendar("bad \xC3", {e});
  EXPECT_TRUE(mmm::isValidUtf8(out));
  EXPECT_NE(out.find("X-WR-CALNAME:bad \xEF\xBF\xBD\r\n"), std::string::npos);
  EXPECT_NE(out.find("UID:uid\xEF\xBF\xBD\r\n"), std::string::npos);
  EXPECT_NE(out.find("URL:https://x.example/%FF%20a%0D%0Ab\r\n"), std::string::npos);
}

TEST(Ical, FormatsUtcTimes) {
  EXPECT_EQ(formatUtc(0), "19700101T000000Z");
  EXPECT_EQ(formatUtc(1796580000000), "20261206T180000Z");
  EXPECT_EQ(formatUtc(1796580000999), "20261206T180000Z");  // milliseconds dropped, not rounded
  EXPECT_EQ(formatUtc(1835481599000), "20280229T235959Z");
  EXPECT_EQ(formatUtc(1835481600000), "20280301T000000Z");
  EXPECT_EQ(formatUtc(951782400000), "20000229T000000Z");
}

TEST(Ical, WritesGeoWithAtMostSixDecimals) {
  EXPECT_EQ(geoLineOf(52.52, 13.405), "GEO:52.52;13.405");
  EXPECT_EQ(geoLineOf(-33.8688, 151.2093), "GEO:-33.8688;151.2093");
  EXPECT_EQ(geoLineOf(13.0, -0.0), "GEO:13;0");
  EXPECT_EQ(geoLineOf(0.000001, -0.0000004), "GEO:0.000001;0");
  EXPECT_EQ(geoLineOf(1e-7, 123.4567891), "GEO:0;123.456789");
  EXPECT_EQ(geoLineOf(90, -180), "GEO:90;-180");
  EXPECT_EQ(geoLineOf(90.5, 0), "");  // out of range: no GEO at all
  EXPECT_EQ(geoLineOf(0, 180.1), "");
  EXPECT_EQ(geoLineOf(std::nan(""), 0), "");
  CalendarEvent onlyLat = rehearsal();
  onlyLat.lon.reset();
  EXPECT_EQ(renderCalendar("", {onlyLat}).find("GEO:"), std::string::npos);
}

TEST(Ical, LeavesOutAnEmptyUrlAndGeoButAlwaysHasLocationAndDescription) {
  // API.md: each VEVENT has LOCATION and DESCRIPTION (an event's description may be empty).
  CalendarEvent e = rehearsal();
  e.location.clear();
  e.description.clear();
  e.url.clear();
  e.lat.reset();
  const std::string out = renderCalendar("", {e});
  for (const char* name : {"URL", "GEO"}) EXPECT_EQ(out.find(std::string("\r\n") + name), std::string::npos) << name;
  EXPECT_NE(out.find("\r\nSUMMARY:Jam\\, blues\\; all welcome\r\nLOCATION:\r\nDESCRIPTION:\r\nEND:VEVENT\r\n"),
            std::string::npos)
      << out;
}

TEST(Ical, AnyBytesGiveValidFoldedLines) {
  // Random bytes weighted towards what needs care: escapes, controls, lead and continuation
  // bytes, whole multi-byte characters.
  std::mt19937 random(17);
  const std::vector<std::string> pieces = {"a", " ", "\\", ";", ",", "\r", "\n", "\t", "\x7F", "\x01", "é", "€", "🎸",
                                           "\xC2\x85", "\x80", "\xBF", "\xC3", "\xE2\x82", "\xF0\x9F\x8E", "\xFF", "\xED\xA0\x80"};
  std::uniform_int_distribution<std::size_t> pick(0, pieces.size() - 1), length(0, 200);
  const auto text = [&] {
    std::string out;
    for (std::size_t n = length(random); n > 0; --n) out += pieces[pick(random)];
    return out;
  };
  for (int round = 0; round < 500; ++round) {
    CalendarEvent e = rehearsal();
    e.uid = text();
    e.summary = text();
    e.location = text();
    e.description = text();
    e.url = text();
    const std::string out = renderCalendar(text(), {e});
    ASSERT_TRUE(mmm::isValidUtf8(out)) << round;
    for (const auto& physical : physicalLines(out)) {
      ASSERT_LE(physical.size(), 75u) << round;
      ASSERT_EQ(physical.find_first_of("\r\n"), std::string::npos) << round;
      ASSERT_FALSE(mmm::hasControlCharacter(physical, "\t")) << round << ": " << physical;
    }
  }
}
