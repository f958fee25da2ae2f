// iCalendar (RFC 5545) writer: each content line is built in one reused buffer, then folded
// straight into the output string, which is reserved once for the whole calendar.
#include "ical.hpp"

#include <mmm/text.hpp>
#include <mmm/time.hpp>

#include <charconv>
#include <cmath>

namespace mmm::meetups {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// The length of the well-formed UTF-8 sequence at `i` (a multi-byte one: s[i] >= 0x80), or
// 0 when the bytes there are not one (overlong, surrogate, past U+10FFFF, cut short).
std::size_t utf8SequenceAt(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  const std::size_t length = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
  return length && i + length <= s.size() && isValidUtf8(s.substr(i, length)) ? length : 0;
}

// Appends the character at `i` (>= 0x80) and returns the index after it: a well-formed
// sequence as it is, but a C1 control (U+0080–U+009F) dropped; a byte that starts no
// well-formed sequence becomes U+FFFD (one per such byte; unlike appendJsonString, the
// well-formed characters around it are kept).
std::size_t appendNonAscii(std::string& out, std::string_view text, std::size_t i) {
  const std::size_t length = utf8SequenceAt(text, i);
  if (length == 0) {
    out.append(kReplacement);
    return i + 1;
  }
  const bool c1 = length == 2 && static_cast<unsigned char>(text[i]) == 0xC2 &&
                  static_cast<unsigned char>(text[i + 1]) <= 0x9F;
  if (!c1) out.append(text.data() + i, length);
  return i + length;
}

// The ASCII bytes a TEXT value holds as they are.
struct PlainTextBytes {
  bool plain[256] = {};
  constexpr PlainTextBytes() {
    for (int c = 0x20; c < 0x7F; ++c) plain[c] = c != '\\' && c != ';' && c != ',';
    plain[static_cast<unsigned char>('\t')] = true;
  }
};
constexpr PlainTextBytes kPlainText{};

// TEXT (RFC 5545 3.3.11): "\\", "\;", "\,", "\n" for CR LF, LF or CR; HTAB kept (a WSP,
// which TEXT allows); other controls (C0, DEL, C1) dropped; invalid UTF-8 replaced.
void appendText(std::string& out, std::string_view text) {
  std::size_t run = 0;  // start of the pending span of bytes copied as they are
  const auto flush = [&](std::size_t end) { out.append(text.data() + run, end - run); };
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (kPlainText.plain[c]) {
      ++i;
      continue;
    }
    flush(i);
    if (c >= 0x80) {
      i = appendNonAscii(out, text, i);
    } else {
      if (c == '\\' || c == ';' || c == ',') {
        out.push_back('\\');
        out.push_back(static_cast<char>(c));
      } else if (c == '\n' || c == '\r') {
        out.append("\\n");
        if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      }  // other controls and DEL: dropped
      ++i;
    }
    run = i;
  }
  flush(text.size());
}

// A URI value (URL): not TEXT, so nothing is escaped with '\'; bytes a URI cannot hold
// (controls, space, non-ASCII, "<>\"{}|\\^`") are percent-encoded (RFC 3986).
void appendUri(std::string& out, std::string_view uri) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char ch : uri) {
    const auto c = static_cast<unsigned char>(ch);
    const bool plain = c > 0x20 && c < 0x7F && std::string_view("<>\"{}|\\^`").find(ch) == std::string_view::npos;
    if (plain) {
      out.push_back(ch);
    } else {
      const char escape[3] = {'%', kHex[c >> 4], kHex[c & 0xF]};
      out.append(escape, 3);
    }
  }
}

// "YYYYMMDDTHHMMSSZ" (seconds; milliseconds dropped) appended to `out`.
void appendUtc(std::string& out, std::int64_t millis) {
  std::int64_t seconds = millis / 1000;
  if (millis % 1000 < 0) --seconds;
  for (char c : formatRfc3339(seconds * 1000))  // "2026-12-06T18:00:00Z"
    if (c != '-' && c != ':') out.push_back(c);
}

void appendInteger(std::string& out, std::int64_t value) {
  char buffer[24];
  const auto end = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
  out.append(buffer, end);
}

// A FLOAT with at most 6 decimals, no exponent, no trailing zeros ("52.52", "13", "-0.1").
void appendCoordinate(std::string& out, double value) {
  char buffer[64];
  auto end = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed, 6).ptr;
  while (end[-1] == '0') --end;
  if (end[-1] == '.') --end;
  std::string_view text(buffer, static_cast<std::size_t>(end - buffer));
  if (text == "-0") text = "0";
  out.append(text);
}

// Folds `line` into `out` (RFC 5545 3.1): at most 75 octets per physical line, CRLF then
// one space before each continuation, cut only before the first byte of a character.
void appendFolded(std::string& out, std::string_view line) {
  std::size_t at = 0, room = 75;
  while (line.size() - at > room) {
    std::size_t cut = at + room;
    while (cut > at && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
    if (cut == at) cut = at + room;  // only stray continuation bytes: not from this writer
    out.append(line.data() + at, cut - at);
    out.append("\r\n ");
    at = cut;
    room = 74;
  }
  out.append(line.data() + at, line.size() - at);
  out.append("\r\n");
}

// Builds content lines in one buffer reused for every line, folding each into `out`.
class Lines {
 public:
  explicit Lines(std::string& out) : out_(out) { line_.reserve(256); }

  void plain(std::string_view line) { appendFolded(out_, line); }
  void text(std::string_view name, std::string_view value) {
    start(name);
    appendText(line_, value);
    end();
  }
  void uri(std::string_view name, std::string_view value) {
    start(name);
    appendUri(line_, value);
    end();
  }
  void time(std::string_view name, std::int64_t millis) {
    start(name);
    appendUtc(line_, millis);
    end();
  }
  void integer(std::string_view name, std::int64_t value) {
    start(name);
    appendInteger(line_, value);
    end();
  }
  void geo(double lat, double lon) {
    start("GEO");
    appendCoordinate(line_, lat);
    line_.push_back(';');
    appendCoordinate(line_, lon);
    end();
  }
  // A value from a fixed set (STATUS): only letters and '-' kept.
  void token(std::string_view name, std::string_view value) {
    start(name);
    for (char c : value)
      if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-') line_.push_back(c);
    end();
  }

 private:
  void start(std::string_view name) {
    line_.assign(name.data(), name.size());
    line_.push_back(':');
  }
  void end() { appendFolded(out_, line_); }

  std::string& out_;
  std::string line_;
};

}  // namespace

std::string escapeText(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8 + 8);
  appendText(out, text);
  return out;
}

std::string foldLine(std::string_view line) {
  std::string out;
  out.reserve(line.size() + line.size() / 74 * 3 + 2);
  appendFolded(out, line);
  return out;
}

std::string formatUtc(std::int64_t millis) {
  std::string out;
  appendUtc(out, millis);
  return out;
}

std::string renderCalendar(const std::string& name, const std::vector<CalendarEvent>& events) {
  // Fixed lines and names take about 230 octets an event; values grow by escapes and folds.
  std::size_t size = 300 + name.size() * 2;
  for (const auto& e : events)
    size += 256 + (e.uid.size() + e.summary.size() + e.location.size() + e.description.size() + e.url.size()) * 9 / 8;
  std::string out;
  out.reserve(size);
  Lines lines(out);
  lines.plain("BEGIN:VCALENDAR");
  lines.plain("VERSION:2.0");
  lines.plain("PRODID:-//Music Maker Meetup//mmm-server//EN");
  lines.plain("CALSCALE:GREGORIAN");
  if (!name.empty()) {
    lines.text("X-WR-CALNAME", name);
    lines.plain("REFRESH-INTERVAL;VALUE=DURATION:PT1H");
    lines.plain("X-PUBLISHED-TTL:PT1H");
  }
  for (const auto& e : events) {
    lines.plain("BEGIN:VEVENT");
    lines.text("UID", e.uid);
    lines.time("DTSTAMP", e.stamp);
    lines.time("DTSTART", e.start);
    lines.time("DTEND", e.end);
    lines.integer("SEQUENCE", e.sequence);
    if (!e.status.empty()) lines.token("STATUS", e.status);
    lines.text("SUMMARY", e.summary);
    lines.text("LOCATION", e.location);  // both always (API.md lists them), empty or not
    lines.text("DESCRIPTION", e.description);
    if (e.lat && e.lon && std::isfinite(*e.lat) && std::isfinite(*e.lon) && std::fabs(*e.lat) <= 90 &&
        std::fabs(*e.lon) <= 180)
      lines.geo(*e.lat, *e.lon);
    if (!e.url.empty()) lines.uri("URL", e.url);
    lines.plain("END:VEVENT");
  }
  // RFC 5545 wants a component in every calendar: one with no event (a feed with nothing
  // in it yet) has UTC's time zone, which nothing refers to (every time is in UTC).
  if (events.empty())
    for (const char* line : {"BEGIN:VTIMEZONE", "TZID:UTC", "BEGIN:STANDARD", "DTSTART:19700101T000000",
                             "TZOFFSETFROM:+0000", "TZOFFSETTO:+0000", "TZNAME:UTC", "END:STANDARD", "END:VTIMEZONE"})
      lines.plain(line);
  lines.plain("END:VCALENDAR");
  return out;
}

}  // namespace mmm::meetups
