// libFuzzer target: request bodies (and query strings) into every bundled plugin's input
// parsing, the same functions the handlers call before they touch the store (users_input,
// chat_input, event_input, event_search), and the meetups plugin's recurrence rules and
// iCalendar text (a series' RRULE and every title reach them). The first byte picks the
// route (low four bits, of 16) and the Content-Type (top two bits); the rest is the body, or
// the query string for the GET routes, or the text itself for the last two. Property: a 4xx
// HttpError or a value that keeps the contract's rules; nothing else thrown, no crash, no
// hang, no sanitizer report.
#include "chat_input.hpp"
#include "event_input.hpp"
#include "event_search.hpp"
#include "ical.hpp"
#include "recurrence.hpp"
#include "users_input.hpp"

#include <mmm/error.hpp>
#include <mmm/input.hpp>
#include <mmm/text.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <set>
#include <string>

namespace {

constexpr std::size_t kMinPasswordLength = 8;

[[noreturn]] void broken(const char* what) {
  std::fprintf(stderr, "plugin_input_fuzz: %s\n", what);
  std::abort();
}

void expect(bool ok, const char* what) {
  if (!ok) broken(what);
}

// The instruments the line-up fields may name here (the musicians plugin's vocabulary in
// the server).
bool isInstrument(const std::string& slug) { return slug == "bass" || slug == "drums" || slug == "fiddle"; }

// What every accepted text holds: UTF-8, at most `maxChars` characters, and no control
// character but those `allowed`.
void expectText(const std::string& text, std::size_t maxChars, const char* allowed, const char* what) {
  expect(mmm::isValidUtf8(text), what);
  expect(mmm::utf8Length(text) <= maxChars, what);
  expect(!mmm::hasControlCharacter(text, allowed), what);
}

void expectOptionalText(const std::optional<std::string>& text, std::size_t maxChars, const char* allowed,
                        const char* what) {
  if (text) expectText(*text, maxChars, allowed, what);
}

bool blank(const std::string& text, const char* spaces) { return text.find_first_not_of(spaces) == std::string::npos; }

void route(unsigned which, const mmm::Request& request) {
  using namespace mmm;
  switch (which) {
    case 0: {  // POST /v1/users
      const auto in = users::parseSignUp(request, kMinPasswordLength);
      expectText(in.email, 254, "", "sign-up email");
      expectText(in.userName, 255, "", "sign-up userName");
      expect(!in.userName.empty(), "empty userName");
      expectText(in.firstName, 128, "", "sign-up firstName");
      expectText(in.lastName, 128, "", "sign-up lastName");
      expect(isValidUtf8(in.password) && utf8Length(in.password) >= kMinPasswordLength && in.password.size() <= 1024,
             "sign-up password");
      break;
    }
    case 1: {  // PATCH /v1/users/{id}
      const auto in = users::parseNameChanges(request);
      expect(in.firstName || in.lastName, "no name change");
      expectOptionalText(in.firstName, 128, "", "firstName");
      expectOptionalText(in.lastName, 128, "", "lastName");
      break;
    }
    case 2: {  // POST /v1/sessions
      const auto in = users::parseCredentials(request);
      expect(isValidUtf8(in.email) && !hasControlCharacter(in.email), "sign-in email");
      expect(isValidUtf8(in.password) && in.password.size() <= 4096, "sign-in password");
      break;
    }
    case 3: {  // POST /v1/channels
      const auto channel = chat::parseNewChannel(request, 7);
      expectText(channel.name, chat::kMaxChannelName, "", "channel name");
      expect(!blank(channel.name, " \t"), "blank channel name");
      expectText(channel.description, chat::kMaxChannelDescription, "\n\t", "channel description");
      expect(channel.creatorId == 7, "creator from the body");
      expect(!channel.members.empty() && channel.members.size() <= 1001, "member count");
      bool creator = false;
      for (std::size_t i = 0; i < channel.members.size(); ++i) {
        creator = creator || channel.members[i] == 7;
        expect(i == 0 || channel.members[i - 1] < channel.members[i], "members not sorted and unique");
      }
      expect(creator, "creator not a member");
      break;
    }
    case 4: {  // PATCH /v1/channels/{id}
      const auto changes = chat::parseChannelChanges(request);
      expect(changes.name || changes.description, "no channel change");
      expectOptionalText(changes.name, chat::kMaxChannelName, "", "channel name");
      expect(!changes.name || !blank(*changes.name, " \t"), "blank channel name");
      expectOptionalText(changes.description, chat::kMaxChannelDescription, "\n\t", "channel description");
      break;
    }
    case 5: {  // POST /v1/channels/{id} (a reply, and the @mentions in it), PATCH /v1/messages/{id}
      const auto body = chat::parseMessageBody(request);
      expect(!body.empty(), "empty message");
      expectText(body, chat::kMaxMessageBody, "\n\t", "message body");
      const auto message = chat::parseNewMessage(request);
      expect(message.body == body, "the two parsers read the body differently");
      expect(!message.replyTo || *message.replyTo >= 1, "replyTo not a message id");
      const auto mentions = chat::mentionCandidates(message.body, chat::kMaxMentions);
      expect(mentions.size() <= chat::kMaxMentions, "more mentions than the bound");
      for (const auto& m : mentions) {
        expect(!m.name.empty(), "an empty mention");
        expect(m.trimmed.empty() || (m.trimmed.size() < m.name.size() && m.name.rfind(m.trimmed, 0) == 0),
               "trimmed is not a shorter start of the name");
        expectText(m.name, chat::kMaxMessageBody, "", "mentioned name");  // valid UTF-8, no space or control
        expect(message.body.find("@" + m.name) != std::string::npos, "a mention not in the body");
      }
      break;
    }
    case 6:  // POST and DELETE /v1/channels/{id}/members
      chat::parseMemberId(request);
      break;
    case 7: {  // GET /v1/channels/{id}?before|after&limit
      const auto query = chat::parseHistoryQuery(request);
      expect(!(query.before && query.after), "before and after");
      expect(!query.before || *query.before >= 1, "before");
      expect(!query.after || *query.after >= 0, "after");
      expect(query.limit >= 1 && query.limit <= 100, "history limit");
      break;
    }
    case 8:    // POST /v1/events
    case 9: {  // PATCH /v1/events/{id}
      const auto f = which == 8 ? meetups::parseNewEvent(request, isInstrument) : meetups::parseEventChanges(request, isInstrument);
      if (which == 8) expect(f.title && f.startsAt && f.location, "event without title, datetime or location");
      expect(f.title || f.startsAt || f.location || f.description || f.endsAt || f.point || f.onlineUrl || f.timezone ||
                 f.capacity || f.slots,
             "no event change");
      if (which == 8 && f.endsAt && *f.endsAt)
        expect(**f.endsAt > *f.startsAt && **f.endsAt - *f.startsAt <= 7LL * 86400 * 1000, "endsAt out of range");
      if (f.point && *f.point) {
        const auto& p = **f.point;
        expect(p.lat >= -90 && p.lat <= 90 && p.lon >= -180 && p.lon <= 180, "coordinates out of range");
      }
      if (f.onlineUrl && *f.onlineUrl) expect(mmm::isHttpsUrl(**f.onlineUrl), "onlineURL not https");
      if (f.timezone) expect(meetups::isTimeZone(*f.timezone), "unknown time zone");
      if (f.capacity && *f.capacity) expect(**f.capacity >= 1 && **f.capacity <= 10000, "capacity out of range");
      if (f.slots) {
        expect(f.slots->size() <= 20, "more than 20 slots");
        std::set<std::string> seen;
        for (const auto& slot : *f.slots) {
          expect(isInstrument(slot.instrument) && seen.insert(slot.instrument).second, "slot instrument");
          expect(slot.count >= 1 && slot.count <= 50, "slot count out of range");
        }
      }
      expectOptionalText(f.title, 255, "", "event title");
      expect(!f.title || !blank(*f.title, " \t\r\n"), "blank event title");
      expectOptionalText(f.location, 255, "", "event location");
      expect(!f.location || !blank(*f.location, " \t\r\n"), "blank event location");
      expectOptionalText(f.description, 4000, "\n\t", "event description");
      expect(!f.startsAt || *f.startsAt > 0, "event in the past");
      break;
    }
    case 10: {  // POST /v1/events/join
      const auto join = meetups::parseJoin(request);
      expect(join.eventId > 0, "joined event id");
      expect(join.instrument.empty() || meetups::isSlug(join.instrument), "join instrument not a slug");
      break;
    }
    case 12: {  // POST /v1/events/{id}/cancel
      const auto reason = meetups::parseCancelReason(request);
      expectOptionalText(reason, 500, "\n\t", "cancel reason");
      break;
    }
    case 13: {  // POST /v1/series/{id}/join
      const auto instrument = meetups::parseSeriesJoin(request);
      expect(instrument.empty() || meetups::isSlug(instrument), "series join instrument not a slug");
      break;
    }
    case 14: {  // a series' recurrence (POST /v1/events {"recurrence": …}), from 2026-12-06 19:00 in Berlin
      const auto rule = meetups::parseRecurrence(request.body);
      expect(meetups::parseRecurrence(rule.text()).text() == rule.text(), "canonical text does not parse back");
      expect(rule.interval >= 1 && rule.interval <= 12, "interval out of range");
      expect(!rule.count || (*rule.count >= 1 && *rule.count <= 200), "count out of range");
      const std::int64_t start = 1796666400000;  // 2026-12-06T18:00:00Z, a Sunday
      const auto anchor = meetups::anchorOf(rule, "Europe/Berlin", start);
      const std::int64_t until = start + 3LL * 366 * 86400 * 1000;
      const auto dates = meetups::occurrences(rule, anchor, 0, until, 300);
      expect(dates.size() <= 200, "more than 200 occurrences");
      expect(!dates.empty() && dates.front().startsAt == start, "the first occurrence is not the start");
      for (std::size_t i = 1; i < dates.size(); ++i) {
        expect(dates[i].index == dates[i - 1].index + 1, "occurrence indices not consecutive");
        expect(dates[i].startsAt > dates[i - 1].startsAt && dates[i].startsAt <= until, "occurrences out of order");
      }
      break;
    }
    case 15: {  // a TEXT value in a calendar (every event's title, location, description)
      const auto line = meetups::foldLine("SUMMARY:" + meetups::escapeText(request.body));
      expect(line.size() >= 2 && line.compare(line.size() - 2, 2, "\r\n") == 0, "a line not ending in CRLF");
      for (std::size_t at = 0; at < line.size();) {
        const auto end = line.find("\r\n", at);
        expect(end != std::string::npos && end - at <= 75, "a physical line over 75 octets");
        const auto physical = line.substr(at, end - at);
        expect(physical.find_first_of("\r\n") == std::string::npos, "a bare CR or LF in a line");
        if (isValidUtf8(request.body)) expect(isValidUtf8(physical), "a UTF-8 sequence split by folding");
        at = end + 2;
        expect(at == line.size() || line[at] == ' ', "a continuation line without its space");
      }
      break;
    }
    default: {  // GET /v1/events?q&from&to&limit&offset&status&instrument&open&near&radiusKm&forMe
      const auto query = meetups::parseEventQuery(request, isInstrument);
      expect(!query.instrument || isInstrument(*query.instrument), "instrument filter");
      expect(!query.near || (query.near->radiusKm >= 1 && query.near->radiusKm <= 500), "radiusKm");
      expect(!(query.near && query.forMe), "near with forMe");
      expect(query.from <= query.to, "from after to");
      expect(query.limit >= 1 && query.limit <= 100, "events limit");
      expect(query.offset >= 0 && query.offset <= 1000000, "events offset");
      if (query.text) {
        expect(isValidUtf8(*query.text) && utf8Length(*query.text) <= 255, "q");
        expect(query.text->empty() || (query.text->front() != ' ' && query.text->back() != ' '), "q not trimmed");
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const unsigned which = data[0] & 0x0f;
  static const char* const kContentTypes[] = {"application/json", "application/json; charset=utf-8",
                                              " Application/JSON\t", "text/plain"};
  mmm::Request request;
  request.method = which == 7 || which == 11 ? "GET" : "POST";
  const std::string rest(reinterpret_cast<const char*>(data + 1), size - 1);
  if (which == 14 || which == 15) {
    request.body = rest;  // the text itself
  } else if (request.method == "GET") {
    request.query = rest;
  } else {
    request.headers.emplace_back("Content-Type", kContentTypes[data[0] >> 6]);
    request.body = rest;
  }
  try {
    route(which, request);
  } catch (const mmm::HttpError& e) {
    expect(e.status() >= 400 && e.status() <= 499, "not a 4xx");
    expect(!e.detail().empty(), "a 4xx without a detail");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "plugin_input_fuzz: route %u threw %s\n", which, e.what());
    std::abort();
  }
  return 0;
}
