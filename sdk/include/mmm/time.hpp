// Times on the wire are RFC 3339 strings; in the store they are milliseconds since the Unix
// epoch (UTC).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace mmm {

inline std::int64_t nowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// An RFC 3339 time as text in a buffer of its own (no allocation): what rfc3339() gives,
/// for writers that copy it at once, as in json.value(rfc3339(t).view()). The view points
/// into the object: keep the object, not the view of a temporary.
struct Rfc3339Text {
  char text[64];
  std::size_t size = 0;
  std::string_view view() const { return std::string_view(text, size); }
};

namespace detail {
// gmtime_r and snprintf: any year, but slow (a time-zone lock and a format parse per call).
inline void formatRfc3339Slow(std::int64_t seconds, int ms, Rfc3339Text& out) {
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  const int n =
      ms ? std::snprintf(out.text, sizeof out.text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms)
         : std::snprintf(out.text, sizeof out.text, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  out.size = n < 0 ? 0 : std::min(static_cast<std::size_t>(n), sizeof out.text - 1);
}
inline void putDigits(char* at, int value, int count) {
  for (int i = count - 1; i >= 0; --i, value /= 10) at[i] = static_cast<char>('0' + value % 10);
}
}  // namespace detail

/// "2026-12-06T18:00:00Z" (with ".123" when the milliseconds are not zero).
inline Rfc3339Text rfc3339(std::int64_t millis) {
  Rfc3339Text out;
  std::int64_t seconds = millis / 1000, ms = millis % 1000;
  if (ms < 0) {
    ms += 1000;
    --seconds;
  }
  // The civil date from days since the epoch (Howard Hinnant's civil_from_days): the
  // history of 100 messages formats 100 of these per request.
  std::int64_t days = seconds / 86400, secondOfDay = seconds % 86400;
  if (secondOfDay < 0) {
    secondOfDay += 86400;
    --days;
  }
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t dayOfEra = z - era * 146097;
  const std::int64_t yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146096) / 365;
  const std::int64_t dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
  const std::int64_t mp = (5 * dayOfYear + 2) / 153;
  const int day = static_cast<int>(dayOfYear - (153 * mp + 2) / 5 + 1);
  const int month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  const std::int64_t year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  if (year < 0 || year > 9999) {
    detail::formatRfc3339Slow(seconds, static_cast<int>(ms), out);
    return out;
  }
  std::memcpy(out.text, "0000-00-00T00:00:00.000", 23);
  detail::putDigits(out.text, static_cast<int>(year), 4);
  detail::putDigits(out.text + 5, month, 2);
  detail::putDigits(out.text + 8, day, 2);
  detail::putDigits(out.text + 11, static_cast<int>(secondOfDay / 3600), 2);
  detail::putDigits(out.text + 14, static_cast<int>(secondOfDay / 60 % 60), 2);
  detail::putDigits(out.text + 17, static_cast<int>(secondOfDay % 60), 2);
  std::size_t length = 19;
  if (ms) {
    detail::putDigits(out.text + 20, static_cast<int>(ms), 3);
    length = 23;
  }
  out.text[length++] = 'Z';
  out.size = length;
  return out;
}

/// rfc3339(millis) as a std::string.
inline std::string formatRfc3339(std::int64_t millis) { return std::string(rfc3339(millis).view()); }

/// Parses an RFC 3339 date-time ("2026-12-06T18:00:00Z", "…T19:00:00.5+01:00"; 't', 'z'
/// and a space for 'T' accepted) into UTC milliseconds; nullopt when it is not one.
inline std::optional<std::int64_t> parseRfc3339(std::string_view text) {
  auto digits = [&](std::size_t at, std::size_t count, int& out) {
    if (at + count > text.size()) return false;
    out = 0;
    for (std::size_t i = at; i < at + count; ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
      out = out * 10 + (text[i] - '0');
    }
    return true;
  };
  int year, month, day, hour, minute, second;
  if (!digits(0, 4, year) || text.size() < 20 || text[4] != '-' || !digits(5, 2, month) || text[7] != '-' ||
      !digits(8, 2, day) || (text[10] != 'T' && text[10] != 't' && text[10] != ' ') || !digits(11, 2, hour) ||
      text[13] != ':' || !digits(14, 2, minute) || text[16] != ':' || !digits(17, 2, second))
    return std::nullopt;
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > kDays[month - 1] + (month == 2 && leap) ||
      hour > 23 || minute > 59 || second > 59)
    return std::nullopt;
  std::size_t at = 19;
  int millis = 0;
  if (at < text.size() && text[at] == '.') {
    std::size_t start = ++at, scale = 100;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
      millis += static_cast<int>((text[at] - '0') * scale);
      scale /= 10;
      ++at;
    }
    if (at == start || at - start > 9) return std::nullopt;
  }
  int offsetMinutes = 0;
  if (at < text.size() && (text[at] == 'Z' || text[at] == 'z')) {
    ++at;
  } else if (at < text.size() && (text[at] == '+' || text[at] == '-')) {
    int oh, om;
    if (!digits(at + 1, 2, oh) || at + 3 >= text.size() || text[at + 3] != ':' || !digits(at + 4, 2, om) || oh > 23 ||
        om > 59)
      return std::nullopt;
    offsetMinutes = (text[at] == '+' ? 1 : -1) * (oh * 60 + om);
    at += 6;
  } else {
    return std::nullopt;
  }
  if (at != text.size()) return std::nullopt;
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  const std::int64_t seconds = static_cast<std::int64_t>(timegm(&tm)) - offsetMinutes * 60;
  return seconds * 1000 + millis;
}

}  // namespace mmm
