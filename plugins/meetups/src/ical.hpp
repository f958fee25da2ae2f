// iCalendar (RFC 5545) output for the calendar feeds of API.md, "Calendars". Pure: the
// caller gives what each VEVENT says, this writes the exact bytes.
//
// Every line ends in CRLF; a content line longer than 75 octets is folded (CRLF and one
// space) at the last UTF-8 character boundary that keeps the line within 75 octets; TEXT
// values escape backslash, ';', ',' and newlines (CR LF, LF or CR alone all become "\n");
// TAB is kept (TEXT allows it), other C0 and C1 controls and DEL are dropped, and bytes
// that are not UTF-8 become U+FFFD. Times are UTC, "…Z".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mmm::meetups {

struct CalendarEvent {
  std::string uid;            // "event-12@meet.example.org"
  std::int64_t stamp = 0;     // DTSTAMP: when the event was last revised (UTC ms)
  std::int64_t start = 0;     // DTSTART (UTC ms)
  std::int64_t end = 0;       // DTEND (UTC ms)
  std::string summary;        // SUMMARY
  std::string location;       // LOCATION (written even when empty)
  std::string description;    // DESCRIPTION (written even when empty: "DESCRIPTION:")
  std::string url;            // URL (left out when empty): a URI, not escaped as TEXT
  std::optional<double> lat, lon;  // GEO, when both are given
  std::int64_t sequence = 0;  // SEQUENCE
  std::string status;         // STATUS: "CONFIRMED", "TENTATIVE" or "CANCELLED"
};

/// A whole VCALENDAR (VERSION:2.0, PRODID, CALSCALE:GREGORIAN; with X-WR-CALNAME `name`
/// and a refresh interval of an hour for feeds when `name` is not empty) holding `events`.
std::string renderCalendar(const std::string& name, const std::vector<CalendarEvent>& events);

/// A TEXT value escaped (RFC 5545 3.3.11).
std::string escapeText(std::string_view text);
/// One content line folded at 75 octets, each physical line ending in CRLF.
std::string foldLine(std::string_view line);
/// "20261206T180000Z".
std::string formatUtc(std::int64_t millis);

}  // namespace mmm::meetups
