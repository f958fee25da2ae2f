#include "recurrence.hpp"

#include <mmm/error.hpp>

#include <date/date.h>
#include <date/tz.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <exception>
#include <map>

namespace mmm::meetups {
namespace {

using Millis = std::chrono::milliseconds;

constexpr std::size_t kMaxText = 200;
constexpr int kMaxInterval = 12;
constexpr int kMonday = 1;
// RFC 5545 day codes, indexed 0 = Sunday … 6 = Saturday like Recurrence::weekdays.
constexpr std::array<const char*, 7> kDayCodes = {"SU", "MO", "TU", "WE", "TH", "FR", "SA"};
constexpr std::array<const char*, 7> kDayNames = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                  "Thursday", "Friday", "Saturday"};
constexpr const char* kSupported = "(FREQ, INTERVAL, BYDAY, COUNT, UNTIL are)";
// Instants the tz database and LocalDate can both express: years 0001–9999.
constexpr std::int64_t kMinMillis = -62135596800000LL;  // 0001-01-01T00:00:00Z
constexpr std::int64_t kMaxMillis = 253402300799999LL;  // 9999-12-31T23:59:59.999Z

[[noreturn]] void fail(const std::string& detail) { throw HttpError(400, "recurrence: " + detail); }

// Whether `text` may be echoed in an error detail: short, printable ASCII.
bool isEchoable(const std::string& text) {
  if (text.size() > 64) return false;
  for (char c : text)
    if (c < ' ' || c > '~') return false;
  return true;
}

const date::time_zone* zone(const std::string& name) {
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {  // zones are checked before they get here: never crash
    throw HttpError(400, isEchoable(name) ? "timezone " + name + " is not in the time-zone database"
                                          : std::string("timezone is not in the time-zone database"));
  }
}

bool isDigits(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

bool isUpperName(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if ((c < 'A' || c > 'Z') && c != '-') return false;
  return true;
}

bool hasLower(const std::string& s) {
  for (char c : s)
    if (c >= 'a' && c <= 'z') return true;
  return false;
}

int dayCode(const std::string& code) {
  for (int d = 0; d < 7; ++d)
    if (code == kDayCodes[d]) return d;
  return -1;
}

date::year_month_day ymd(const LocalDate& d) {
  return date::year{d.year} / date::month{static_cast<unsigned>(d.month)} / date::day{static_cast<unsigned>(d.day)};
}

LocalDate localDate(const date::year_month_day& d) {
  return {static_cast<int>(d.year()), static_cast<int>(static_cast<unsigned>(d.month())),
          static_cast<int>(static_cast<unsigned>(d.day()))};
}

bool isDate(const LocalDate& d) { return d.year >= 1 && d.year <= 9999 && ymd(d).ok(); }

// 0 = Sunday … 6 = Saturday.
int weekdayOf(date::sys_days day) { return static_cast<int>(date::weekday{day}.c_encoding()); }

// A local wall-clock time as UTC: the offset in force before it (a gap: the offset before
// the gap; an overlap: the first of the two), as RFC 5545 3.3.5 says.
std::int64_t utcOf(const date::time_zone* tz, date::local_days day, int secondsOfDay) {
  const date::local_seconds local = day + std::chrono::seconds(secondsOfDay);
  const date::local_info info = tz->get_info(local);
  const auto utc = date::sys_seconds{local.time_since_epoch()} - info.first.offset;
  return std::chrono::duration_cast<Millis>(utc.time_since_epoch()).count();
}

// YYYYMMDD or YYYYMMDDTHHMMSSZ.
void parseUntil(const std::string& value, Recurrence& rule) {
  const bool utc = value.size() == 16 && value[8] == 'T' && value[15] == 'Z';
  if (!(value.size() == 8 && isDigits(value)) &&
      !(utc && isDigits(value.substr(0, 8)) && isDigits(value.substr(9, 6))))
    fail("UNTIL must be a date YYYYMMDD or a UTC time YYYYMMDDTHHMMSSZ");
  const LocalDate day{std::stoi(value.substr(0, 4)), std::stoi(value.substr(4, 2)), std::stoi(value.substr(6, 2))};
  if (!isDate(day)) fail("UNTIL " + value + " is not a date");
  if (!utc) {
    rule.untilDate = day;
    return;
  }
  const int hour = std::stoi(value.substr(9, 2)), minute = std::stoi(value.substr(11, 2)),
            second = std::stoi(value.substr(13, 2));
  if (hour > 23 || minute > 59 || second > 59) fail("UNTIL " + value + " is not a time");
  const auto time = date::sys_days{ymd(day)} + std::chrono::hours(hour) + std::chrono::minutes(minute) +
                    std::chrono::seconds(second);
  rule.untilUtc = std::chrono::duration_cast<Millis>(time.time_since_epoch()).count();
}

void parseByDay(const std::string& value, Recurrence& rule) {
  std::vector<std::string> items;
  for (std::size_t start = 0;;) {
    const std::size_t comma = value.find(',', start);
    items.push_back(value.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (rule.freq == Recurrence::Freq::Weekly) {
    for (const auto& item : items) {
      const int day = dayCode(item);
      if (day < 0) {
        const bool numbered = !item.empty() && (item[0] == '+' || item[0] == '-' || (item[0] >= '0' && item[0] <= '9'));
        fail(numbered ? "BYDAY of a WEEKLY rule takes days without a number, such as BYDAY=MO,TH"
                      : "BYDAY must be days among MO, TU, WE, TH, FR, SA, SU separated by commas");
      }
      for (int seen : rule.weekdays)
        if (seen == day) fail(std::string("BYDAY names ") + kDayCodes[day] + " twice");
      rule.weekdays.push_back(day);
    }
    std::sort(rule.weekdays.begin(), rule.weekdays.end());
    return;
  }
  static const std::string monthly =
      "BYDAY of a MONTHLY rule must be one day with its week in the month, 1–4 or -1 for the last "
      "(BYDAY=2SU, BYDAY=-1FR)";
  if (items.size() != 1 || items[0].size() < 3) fail(monthly);
  const std::string& item = items[0];
  const int day = dayCode(item.substr(item.size() - 2));
  const std::string number = item.substr(0, item.size() - 2);
  int ordinal = 0;
  if (number == "-1")
    ordinal = -1;
  else if ((number.size() == 1 && number[0] >= '1' && number[0] <= '4') ||
           (number.size() == 2 && number[0] == '+' && number[1] >= '1' && number[1] <= '4'))
    ordinal = number.back() - '0';
  if (day < 0 || ordinal == 0) fail(monthly);
  rule.weekdays = {day};
  rule.ordinal = ordinal;
}

// Whether `day` is one of the rule's days (not counting INTERVAL, which counts from the first).
bool isRuleDay(const Recurrence& rule, date::sys_days day) {
  const int weekday = weekdayOf(day);
  if (std::find(rule.weekdays.begin(), rule.weekdays.end(), weekday) == rule.weekdays.end()) return false;
  if (rule.freq == Recurrence::Freq::Weekly) return true;
  const date::year_month_day d{day};
  const unsigned dom = static_cast<unsigned>(d.day());
  if (rule.ordinal == -1) return dom + 7 > static_cast<unsigned>((d.year() / d.month() / date::last).day());
  return static_cast<int>((dom - 1) / 7 + 1) == rule.ordinal;
}

// "a Wednesday" (WEEKLY), "the 2nd Friday of its month" (MONTHLY).
std::string describeDay(const Recurrence& rule, date::sys_days day) {
  const std::string name = kDayNames[weekdayOf(day)];
  if (rule.freq == Recurrence::Freq::Weekly) return "a " + name;
  static const std::array<const char*, 5> kNth = {"1st", "2nd", "3rd", "4th", "5th"};
  return std::string("the ") + kNth[(static_cast<unsigned>(date::year_month_day{day}.day()) - 1) / 7] + " " + name +
         " of its month";
}

bool isUsable(const Recurrence& rule) {
  if (rule.interval < 1 || rule.interval > kMaxInterval || rule.weekdays.empty()) return false;
  for (int d : rule.weekdays)
    if (d < 0 || d > 6) return false;
  if (rule.freq == Recurrence::Freq::Weekly) return true;
  return rule.weekdays.size() == 1 && (rule.ordinal == -1 || (rule.ordinal >= 1 && rule.ordinal <= 4));
}

// The rule's dates from `first` on, in order (index 0 is the first rule day on or after it).
class DateWalk {
 public:
  DateWalk(const Recurrence& rule, date::sys_days first) : rule_(rule), first_(first) {
    if (rule.freq == Recurrence::Freq::Weekly) {
      // WKST=MO: the week holding the first date starts on the Monday on or before it.
      week_ = first - date::days((weekdayOf(first) + 7 - kMonday) % 7);
      for (int d : rule.weekdays) offsets_.push_back((d + 7 - kMonday) % 7);  // days after Monday
      std::sort(offsets_.begin(), offsets_.end());
    } else {
      const date::year_month_day d{first};
      month_ = d.year() / d.month();
    }
  }

  date::sys_days next() {
    if (rule_.freq == Recurrence::Freq::Weekly) {
      for (;;) {  // ends: every week after the first has all of offsets_ after first_
        if (slot_ == offsets_.size()) {
          slot_ = 0;
          week_ += date::days(7 * rule_.interval);
        }
        const date::sys_days day = week_ + date::days(offsets_[slot_++]);
        if (day >= first_) return day;
      }
    }
    for (;;) {  // ends: every month has a 1st–4th and a last of each weekday
      const date::sys_days day = nthWeekday(month_);
      month_ += date::months(rule_.interval);
      if (day >= first_) return day;
    }
  }

 private:
  date::sys_days nthWeekday(date::year_month ym) const {
    const date::weekday wd{static_cast<unsigned>(rule_.weekdays.front())};
    if (rule_.ordinal == -1) return date::sys_days{ym / wd[date::last]};
    return date::sys_days{ym / wd[static_cast<unsigned>(rule_.ordinal)]};
  }

  const Recurrence& rule_;
  date::sys_days first_;
  date::sys_days week_{};
  std::vector<int> offsets_;
  std::size_t slot_ = 0;
  date::year_month month_{};
};

}  // namespace

std::string formatDate(const LocalDate& date) {
  char out[16];
  std::snprintf(out, sizeof out, "%04d-%02d-%02d", date.year, date.month, date.day);
  return out;
}

std::string Recurrence::text() const {
  std::string out = freq == Freq::Weekly ? "FREQ=WEEKLY" : "FREQ=MONTHLY";
  if (interval > 1) out += ";INTERVAL=" + std::to_string(interval);
  out += ";BYDAY=";
  if (freq == Freq::Weekly) {
    bool firstDay = true;
    for (int i = 0; i < 7; ++i) {  // MO … SU
      const int day = (kMonday + i) % 7;
      if (std::find(weekdays.begin(), weekdays.end(), day) == weekdays.end()) continue;
      if (!firstDay) out += ",";
      out += kDayCodes[day];
      firstDay = false;
    }
  } else if (!weekdays.empty() && weekdays.front() >= 0 && weekdays.front() < 7) {
    out += std::to_string(ordinal) + kDayCodes[weekdays.front()];
  }
  if (count) out += ";COUNT=" + std::to_string(*count);
  if (untilDate) {
    char until[16];
    std::snprintf(until, sizeof until, "%04d%02d%02d", untilDate->year, untilDate->month, untilDate->day);
    out += std::string(";UNTIL=") + until;
  } else if (untilUtc) {
    const date::sys_seconds t{std::chrono::duration_cast<std::chrono::seconds>(Millis(*untilUtc))};
    out += ";UNTIL=" + date::format("%Y%m%dT%H%M%SZ", t);
  }
  return out;
}

Recurrence parseRecurrence(const std::string& text) {
  if (text.empty()) fail("FREQ is required");
  if (text.size() > kMaxText) fail("must be at most " + std::to_string(kMaxText) + " characters");
  std::map<std::string, std::string> parts;
  for (std::size_t start = 0;;) {
    const std::size_t semicolon = text.find(';', start);
    const std::string part =
        text.substr(start, semicolon == std::string::npos ? std::string::npos : semicolon - start);
    if (part.empty()) fail("a part is empty (parts are NAME=VALUE separated by single ';')");
    const std::size_t equals = part.find('=');
    const std::string name = part.substr(0, equals);
    if (!isUpperName(name)) {
      std::string upper = name;
      for (char& c : upper) c = c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
      if (hasLower(name) && isUpperName(upper)) fail(name + " must be upper case (" + upper + ")");
      fail((isEchoable(name) ? "\"" + name + "\" is not a part name" : std::string("a part name has other characters")) +
           " (names are upper-case letters such as FREQ or BYDAY)");
    }
    if (name != "FREQ" && name != "INTERVAL" && name != "BYDAY" && name != "COUNT" && name != "UNTIL")
      fail(name + " is not supported " + kSupported);
    if (equals == std::string::npos || equals + 1 == part.size()) fail(name + " has no value (NAME=VALUE)");
    if (!parts.emplace(name, part.substr(equals + 1)).second) fail(name + " is given twice");
    if (semicolon == std::string::npos) break;
    start = semicolon + 1;
  }

  Recurrence rule;
  const auto freq = parts.find("FREQ");
  if (freq == parts.end()) fail("FREQ is required");
  if (freq->second == "WEEKLY")
    rule.freq = Recurrence::Freq::Weekly;
  else if (freq->second == "MONTHLY")
    rule.freq = Recurrence::Freq::Monthly;
  else if (isUpperName(freq->second))
    fail("FREQ=" + freq->second + " is not supported (WEEKLY or MONTHLY is)");
  else
    fail("FREQ must be WEEKLY or MONTHLY");

  if (const auto interval = parts.find("INTERVAL"); interval != parts.end()) {
    const std::string& v = interval->second;
    if (!isDigits(v) || v.size() > 3 || std::stoi(v) < 1 || std::stoi(v) > kMaxInterval)
      fail("INTERVAL must be 1–" + std::to_string(kMaxInterval));
    rule.interval = std::stoi(v);
  }

  const auto byDay = parts.find("BYDAY");
  if (byDay == parts.end()) fail("BYDAY is required");
  parseByDay(byDay->second, rule);

  const auto count = parts.find("COUNT");
  const auto until = parts.find("UNTIL");
  if (count != parts.end() && until != parts.end()) fail("COUNT and UNTIL cannot both be given");
  if (count != parts.end()) {
    const std::string& v = count->second;
    if (!isDigits(v) || v.size() > 4 || std::stoi(v) < 1 || std::stoi(v) > kMaxOccurrences)
      fail("COUNT must be 1–" + std::to_string(kMaxOccurrences));
    rule.count = std::stoi(v);
  }
  if (until != parts.end()) parseUntil(until->second, rule);
  return rule;
}

SeriesAnchor anchorOf(const Recurrence& rule, const std::string& timezone, std::int64_t firstStart) {
  const auto [first, seconds] = toLocal(timezone, firstStart);
  const date::sys_days day{ymd(first)};
  if (!isUsable(rule) || !isRuleDay(rule, day))
    throw HttpError(400, "datetime " + formatDate(first) + " (" + describeDay(rule, day) + " in " + timezone +
                             ") is not an occurrence of the recurrence " + rule.text());
  if ((rule.untilUtc && *rule.untilUtc < firstStart) || (rule.untilDate && *rule.untilDate < first))
    fail("UNTIL is before datetime, the first occurrence");
  return {timezone, first, seconds};
}

std::vector<Occurrence> occurrences(const Recurrence& rule, const SeriesAnchor& anchor, int fromIndex,
                                    std::int64_t until, std::size_t max) {
  std::vector<Occurrence> out;
  int end = kMaxOccurrences;
  if (rule.count) end = std::min(end, *rule.count);
  if (max == 0 || fromIndex >= end || !isUsable(rule) || !isDate(anchor.firstDate) || anchor.secondsOfDay < 0 ||
      anchor.secondsOfDay > 86399)
    return out;
  const date::time_zone* tz = zone(anchor.timezone);
  DateWalk walk(rule, date::sys_days{ymd(anchor.firstDate)});
  for (int index = 0; index < end && out.size() < max; ++index) {  // at most 200 rounds
    const date::sys_days day = walk.next();
    const LocalDate local = localDate(date::year_month_day{day});
    if (local.year > 9999 || (rule.untilDate && *rule.untilDate < local)) break;
    const std::int64_t startsAt = utcOf(tz, date::local_days{day.time_since_epoch()}, anchor.secondsOfDay);
    if ((rule.untilUtc && *rule.untilUtc < startsAt) || startsAt > until) break;
    if (index >= fromIndex) out.push_back({index, local, startsAt});
  }
  return out;
}

std::int64_t toUtc(const std::string& timezone, const LocalDate& date, int secondsOfDay) {
  if (!isDate(date)) throw HttpError(400, "date " + formatDate(date) + " is not a date");
  if (secondsOfDay < 0 || secondsOfDay > 86399) throw HttpError(400, "a time of day must be 00:00:00–23:59:59");
  return utcOf(zone(timezone), date::local_days{ymd(date)}, secondsOfDay);
}

std::pair<LocalDate, int> toLocal(const std::string& timezone, std::int64_t utcMillis) {
  if (utcMillis < kMinMillis || utcMillis > kMaxMillis) throw HttpError(400, "datetime must be in years 0001–9999");
  const date::time_zone* tz = zone(timezone);
  const auto local = tz->to_local(date::sys_time<Millis>{Millis(utcMillis)});
  const auto day = date::floor<date::days>(local);
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(local - day).count();
  return {localDate(date::year_month_day{day}), static_cast<int>(seconds)};
}

}  // namespace mmm::meetups
