// The Calendars section of the API contract (Part 2) and the lead's decisions where it is
// silent (briefs/series.md), through real HTTP against a running mmm-server, on SQLite and
// on MariaDB with Redis: one event's calendar.ics, the private feed of a user's RSVPs and
// the public feed. Every calendar is read by two real parsers (support/ics_check.hpp:
// Debian's python3-icalendar and Mozilla's ical.js), after byte-level checks of its own:
// CRLF, lines of at most 75 octets that never split a UTF-8 character, TEXT escapes.
#include "ics_check.hpp"
#include "meetups_fixture.hpp"

#include <map>
#include <thread>

using namespace mmm::test;

namespace {

const std::string kPublicUrl = "https://meet.example.org";
const std::string kMusiciansPlugin = "  - name: musicians\n";
const std::string kPlugins = kUsersPlugin + kMusiciansPlugin + kChatPlugin + kMeetupsPlugin;
const std::string kCalendarType = "text/calendar; charset=utf-8";

/// Whether `bytes` is valid UTF-8 (shortest forms, no surrogates, at most U+10FFFF).
bool validUtf8(const std::string& bytes) {
  for (std::size_t i = 0; i < bytes.size();) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    std::size_t length = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (!length || i + length > bytes.size() || (length == 2 && c < 0xC2) || c > 0xF4) return false;
    for (std::size_t k = 1; k < length; ++k)
      if ((static_cast<unsigned char>(bytes[i + k]) & 0xC0) != 0x80) return false;
    const auto c1 = static_cast<unsigned char>(length > 1 ? bytes[i + 1] : 0);
    if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 > 0x9F) || (c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 > 0x8F))
      return false;
    i += length;
  }
  return true;
}

/// RFC 5545 3.3.11: a TEXT value escaped.
std::string escaped(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\' || c == ';' || c == ',') out += '\\', out += c;
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

/// A JSON string literal of `text` (quotes, backslashes and newlines escaped).
std::string jsonString(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\', out += c;
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out + "\"";
}

/// A calendar's raw lines: checks the bytes (CRLF only, at most 75 octets a line, each line
/// valid UTF-8 on its own) and returns the unfolded content lines; `folds` counts the
/// continuation lines.
std::vector<std::string> contentLines(const std::string& body, int* folds = nullptr) {
  std::vector<std::string> lines;
  EXPECT_GE(body.size(), 2u);
  EXPECT_EQ(body.substr(body.size() >= 2 ? body.size() - 2 : 0), "\r\n") << "the last line does not end in CRLF";
  int continued = 0;
  std::size_t at = 0;
  for (int number = 1; at < body.size(); ++number) {
    auto end = body.find("\r\n", at);
    if (end == std::string::npos) end = body.size();
    const std::string line = body.substr(at, end - at);
    at = end + 2;
    EXPECT_EQ(line.find_first_of("\r\n"), std::string::npos) << "line " << number << ": a bare CR or LF";
    EXPECT_LE(line.size(), 75u) << "line " << number << ": " << line;
    EXPECT_TRUE(validUtf8(line)) << "line " << number << " is not valid UTF-8 on its own (a character split by folding)";
    if (!line.empty() && line[0] == ' ') {
      ++continued;
      if (lines.empty()) ADD_FAILURE() << "a continuation line first";
      else lines.back() += line.substr(1);
    } else {
      lines.push_back(line);
    }
  }
  if (folds) *folds = continued;
  return lines;
}
/// The value of the first content line named `name` (no parameters), or "<none>".
std::string property(const std::vector<std::string>& lines, const std::string& name) {
  for (const auto& line : lines)
    if (line.rfind(name + ":", 0) == 0) return line.substr(name.size() + 1);
  return "<none>";
}

class CalendarTest : public MeetupsTest {
 protected:
  void SetUp() override { startServer(kPlugins, ", public_url: '" + kPublicUrl + "'"); }

  /// A calendar read by python3-icalendar and by ical.js (support/ics_check.hpp), which
  /// must say the same: the parsed summary, {"name", "events": [...]}; empty when a
  /// checker refused it.
  Poco::JSON::Object::Ptr parsed(const HttpReply& reply) {
    try {
      const auto python = checkIcs(reply.body, "python");
      EXPECT_EQ(checkIcs(reply.body, "icaljs"), python) << "the two parsers disagree";
      return Poco::JSON::Parser().parse(python).extract<Poco::JSON::Object::Ptr>();
    } catch (const std::exception& e) {
      ADD_FAILURE() << e.what();
      return Poco::JSON::Object::Ptr(new Poco::JSON::Object);
    }
  }
  /// The VEVENTs of a parsed calendar by UID.
  static std::map<std::string, Poco::JSON::Object::Ptr> byUid(const Poco::JSON::Object::Ptr& calendar) {
    std::map<std::string, Poco::JSON::Object::Ptr> out;
    auto events = calendar->getArray("events");
    for (std::size_t i = 0; events && i < events->size(); ++i) {
      auto e = events->getObject(i);
      EXPECT_TRUE(out.emplace(e->getValue<std::string>("uid"), e).second) << "UID twice: " << e->getValue<std::string>("uid");
    }
    return out;
  }
  static std::string uid(std::int64_t id, const std::string& host = "meet.example.org") {
    return "event-" + std::to_string(id) + "@" + host;
  }
  HttpReply ics(const Account& who, std::int64_t id) {
    return call("GET", "/v1/events/" + str(id) + "/calendar.ics", "", who.token);
  }
  /// One event's calendar: 200, its types, and its one VEVENT as the parser read it.
  Poco::JSON::Object::Ptr vevent(const Account& who, std::int64_t id) {
    auto reply = ics(who, id);
    EXPECT_EQ(reply.status, 200) << reply.body;
    EXPECT_EQ(reply.header("content-type"), kCalendarType);
    auto calendar = parsed(reply);
    auto events = calendar->getArray("events");
    EXPECT_TRUE(events && events->size() == 1) << reply.body;
    return events && events->size() == 1 ? events->getObject(0) : Poco::JSON::Object::Ptr(new Poco::JSON::Object);
  }
  static void expectFeedTypes(const HttpReply& reply) {
    EXPECT_EQ(reply.header("content-type"), kCalendarType);
    EXPECT_EQ(reply.header("content-disposition").rfind("inline", 0), 0u) << reply.header("content-disposition");
  }

  /// POST /v1/calendar/feed: the new feed's path (its token is a secret the log must not hold).
  std::string newFeed(const Account& who) {
    auto reply = call("POST", "/v1/calendar/feed", "{}", who.token);
    EXPECT_EQ(reply.status, 201) << reply.body;
    if (reply.status != 201) return "/v1/calendar/feed/none.ics";
    const auto url = json(reply)->getValue<std::string>("url");
    const std::string prefix = "/v1/calendar/feed/", suffix = ".ics";
    EXPECT_EQ(url.rfind(prefix, 0), 0u) << url;
    EXPECT_TRUE(url.size() > prefix.size() + suffix.size() + 20 && url.substr(url.size() - suffix.size()) == suffix) << url;
    const auto token = url.substr(prefix.size(), url.size() - prefix.size() - suffix.size());
    EXPECT_EQ(token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
              std::string::npos)
        << "not URL-safe: " << url;
    keepSecret(token);
    return url;
  }
  /// GET /v1/calendar/feed: {active, createdAt}.
  Poco::JSON::Object::Ptr feedState(const Account& who) {
    auto reply = call("GET", "/v1/calendar/feed", "", who.token);
    EXPECT_EQ(reply.status, 200) << reply.body;
    return reply.status == 200 ? json(reply) : Poco::JSON::Object::Ptr(new Poco::JSON::Object);
  }

  /// Moves events' starts into the past in the store (the API refuses a start in the past),
  /// then starts the server again on it; everyone in `accounts` signs in again.
  void moveIntoThePast(const std::vector<std::pair<std::int64_t, std::int64_t>>& startsById,
                       const std::vector<Account*>& accounts, const std::string& plugins = kPlugins) {
    {
      auto store = stopAndOpenStore();
      store->runTransaction([&](mmm::DbSession& s) {
        for (const auto& [id, startsAt] : startsById)
          execute(s, "UPDATE events SET starts_at = " + std::to_string(startsAt) + " WHERE id = " + std::to_string(id));
      });
    }
    startServer(plugins, ", public_url: '" + kPublicUrl + "'");
    for (auto* who : accounts) signIn(*who);
  }
};

}  // namespace

// --- One event: GET /v1/events/{id}/calendar.ics.

TEST_P(CalendarTest, AnEventsCalendarIsOneVeventWithEveryField) {
  const auto a = newAccount(), outsider = newAccount();
  const std::int64_t start = daysAhead(5);
  const auto id = idOf(create(a, iso(start),
                              R"("endsAt":")" + iso(start + 3 * kHourMs) + R"(","lat":52.52,"lon":13.405)"));
  // Any signed-in user may read it (the event itself is readable by them).
  auto reply = ics(outsider, id);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.header("content-type"), kCalendarType);
  const auto disposition = reply.header("content-disposition");
  EXPECT_EQ(disposition.rfind("attachment", 0), 0u) << disposition;
  EXPECT_NE(disposition.find("event-" + str(id) + ".ics"), std::string::npos) << disposition;
  const auto lines = contentLines(reply.body);
  ASSERT_GE(lines.size(), 4u);
  EXPECT_EQ(lines.front(), "BEGIN:VCALENDAR");
  EXPECT_EQ(lines.back(), "END:VCALENDAR");
  EXPECT_EQ(property(lines, "VERSION"), "2.0");
  EXPECT_EQ(property(lines, "DTSTART"), iso(start).substr(0, 4) + iso(start).substr(5, 2) + iso(start).substr(8, 2) + "T" +
                                            iso(start).substr(11, 2) + iso(start).substr(14, 2) + iso(start).substr(17, 2) +
                                            "Z");  // UTC, "…Z"

  auto calendar = parsed(reply);
  EXPECT_TRUE(calendar->isNull("name")) << "no X-WR-CALNAME for one event";
  auto e = calendar->getArray("events");
  ASSERT_TRUE(e && e->size() == 1) << reply.body;
  auto v = e->getObject(0);
  EXPECT_EQ(v->getValue<std::string>("uid"), uid(id));
  EXPECT_EQ(v->getValue<std::string>("summary"), "Jam");
  EXPECT_EQ(v->getValue<std::string>("location"), "The Hall");
  EXPECT_EQ(v->getValue<std::string>("description"), "Bring a bass");
  EXPECT_EQ(v->getValue<std::string>("url"), kPublicUrl + "/events/" + str(id));
  EXPECT_EQ(v->getValue<std::string>("status"), "CONFIRMED");
  EXPECT_EQ(v->getValue<int>("sequence"), 0);
  EXPECT_EQ(v->getValue<std::string>("start"), iso(start));
  EXPECT_EQ(v->getValue<std::string>("end"), iso(start + 3 * kHourMs));  // endsAt
  EXPECT_LE(millisOf(v->getValue<std::string>("stamp")), mmm::nowMillis());
  auto geo = v->getArray("geo");
  ASSERT_TRUE(geo && geo->size() == 2);
  EXPECT_DOUBLE_EQ(geo->getElement<double>(0), 52.52);
  EXPECT_DOUBLE_EQ(geo->getElement<double>(1), 13.405);

  // Without endsAt: two hours.
  const auto plain = idOf(create(a, iso(start)));
  EXPECT_EQ(vevent(a, plain)->getValue<std::string>("end"), iso(start + 2 * kHourMs));
  EXPECT_TRUE(vevent(a, plain)->isNull("geo"));

  // 401 without a session, 404 for an unknown event.
  expectProblem(call("GET", "/v1/events/" + str(id) + "/calendar.ics"), 401);
  expectProblem(call("GET", "/v1/events/" + str(id) + "/calendar.ics", "", "Zm9yZ2Vk"), 401);
  expectProblem(ics(a, 99999999), 404);
  // The event's page the URL points at: the web UI's.
  auto page = call("GET", "/events/" + str(id));
  EXPECT_EQ(page.status, 302) << page.body;
  EXPECT_EQ(page.header("location"), "/#/events/" + str(id));
}

TEST_P(CalendarTest, EveryPatchAndTheCancelRaiseTheSequenceAndTheStamp) {
  const auto a = newAccount(), b = newAccount();
  const auto id = idOf(create(a, iso(daysAhead(5))));
  auto v = vevent(a, id);
  EXPECT_EQ(v->getValue<int>("sequence"), 0);
  EXPECT_EQ(v->getValue<std::string>("status"), "CONFIRMED");
  const auto created = v->getValue<std::string>("stamp");

  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // DTSTAMP has whole seconds
  const std::int64_t beforePatch = mmm::nowMillis() / 1000 * 1000;
  ASSERT_EQ(patch(a, id, R"({"title":"Big jam"})").status, 200);
  v = vevent(b, id);
  EXPECT_EQ(v->getValue<int>("sequence"), 1);
  EXPECT_EQ(v->getValue<std::string>("summary"), "Big jam");
  EXPECT_GE(millisOf(v->getValue<std::string>("stamp")), beforePatch) << "DTSTAMP is the last revision";
  EXPECT_GT(millisOf(v->getValue<std::string>("stamp")), millisOf(created));
  EXPECT_LE(millisOf(v->getValue<std::string>("stamp")), mmm::nowMillis());
  // A join is no revision of the event.
  ASSERT_EQ(joinEvent(b, id).status, 201);
  EXPECT_EQ(vevent(b, id)->getValue<int>("sequence"), 1);
  ASSERT_EQ(patch(a, id, R"({"location":"The Barn"})").status, 200);
  v = vevent(b, id);
  EXPECT_EQ(v->getValue<int>("sequence"), 2);
  EXPECT_EQ(v->getValue<std::string>("location"), "The Barn");
  // A refused PATCH changes nothing.
  expectProblem(patch(b, id, R"({"title":"Mine"})"), 403);
  expectProblem(patch(a, id, R"({"capacity":0})"), 400);
  EXPECT_EQ(vevent(b, id)->getValue<int>("sequence"), 2);

  ASSERT_EQ(cancelEvent(a, id, R"({"reason":"Rain"})").status, 200);
  v = vevent(b, id);
  EXPECT_EQ(v->getValue<int>("sequence"), 3);
  EXPECT_EQ(v->getValue<std::string>("status"), "CANCELLED");
  EXPECT_EQ(v->getValue<std::string>("uid"), uid(id));  // the same UID throughout
}

TEST_P(CalendarTest, TextIsEscapedAndFoldedAt75OctetsNeverInsideACharacter) {
  const auto a = newAccount();
  // Two-, three- and four-byte characters, ';', ',' and (in the description, which may
  // hold one) a newline and a backslash. "DESCRIPTION:" and 62 letters make 74 octets, so
  // the first 🎸 straddles octet 75: a fold must come before it.
  const std::string title = "Café ☕ jam; bass, drums 🎸 at the Große Halle, Zürich; bring 🎻 & 🥁 — €5";
  const std::string location = "Zürich, Bahnhofstraße 1; 2nd floor";
  std::string description = std::string(62, 'a') + "🎸" + "Line one\nLine two; with, commas and a back\\slash\n";
  for (int i = 0; i < 12; ++i) description += std::string(static_cast<std::size_t>(i), 'x') + "é€🎸ß";
  const auto id = idOf(create(a, iso(daysAhead(5)),
                              R"("location":)" + jsonString(location) + R"(,"description":)" + jsonString(description),
                              title));
  ASSERT_NE(id, 0);
  ASSERT_EQ(event(a, id)->getValue<std::string>("title"), title);
  auto reply = ics(a, id);
  ASSERT_EQ(reply.status, 200) << reply.body;
  int folds = 0;
  const auto lines = contentLines(reply.body, &folds);
  EXPECT_GE(folds, 4) << "long values are folded";
  // The raw values, escaped.
  EXPECT_EQ(property(lines, "SUMMARY"), escaped(title));
  EXPECT_EQ(property(lines, "LOCATION"), escaped(location));
  EXPECT_EQ(property(lines, "DESCRIPTION"), escaped(description));
  EXPECT_NE(property(lines, "SUMMARY").find("jam\\; bass\\, drums"), std::string::npos);
  EXPECT_NE(property(lines, "DESCRIPTION").find("Line one\\nLine two\\; with\\, commas and a back\\\\slash\\n"),
            std::string::npos);
  // And the parsers read the original text back.
  auto v = parsed(reply)->getArray("events");
  ASSERT_TRUE(v && v->size() == 1);
  EXPECT_EQ(v->getObject(0)->getValue<std::string>("summary"), title);
  EXPECT_EQ(v->getObject(0)->getValue<std::string>("location"), location);
  EXPECT_EQ(v->getObject(0)->getValue<std::string>("description"), description);
}

// --- The private feed of one's RSVPs.

TEST_P(CalendarTest, ThePrivateFeedHoldsTheOwnersRsvpsFrom30DaysAgoWithoutASession) {
  auto a = newAccount(), c = newAccount(), x = newAccount(), y = newAccount();
  // Two of a's events are moved into the past: 10 days ago (in the feed) and 31 (not).
  const auto recent = idOf(create(a, iso(daysAhead(3)), "", "Recent jam"));
  const auto old = idOf(create(a, iso(daysAhead(3)), "", "Old jam"));
  const std::int64_t recentStart = daysAhead(-10), oldStart = daysAhead(-31);
  moveIntoThePast({{recent, recentStart}, {old, oldStart}}, {&a, &c, &x, &y});

  const auto own = idOf(create(a, iso(daysAhead(4)), "", "Own jam"));
  const auto going = idOf(create(c, iso(daysAhead(5)), "", "Going jam"));
  ASSERT_EQ(joinEvent(a, going).status, 201);
  const auto waiting = idOf(create(c, iso(daysAhead(6)), slotsJson({{"bass", 1}}), "Waiting jam"));
  ASSERT_EQ(joinEvent(x, waiting, "bass").status, 201);
  ASSERT_EQ(joinEvent(y, waiting, "bass").status, 201);
  ASSERT_EQ(joinEvent(a, waiting, "bass").status, 201);  // waitlist #2
  EXPECT_EQ(rsvpText(event(a, waiting)), "waitlisted:bass#2");
  const auto cancelled = idOf(create(c, iso(daysAhead(7)), "", "Cancelled jam"));
  ASSERT_EQ(joinEvent(a, cancelled).status, 201);
  ASSERT_EQ(cancelEvent(c, cancelled).status, 200);
  const auto left = idOf(create(c, iso(daysAhead(8)), "", "Left jam"));
  ASSERT_EQ(joinEvent(a, left).status, 201);
  ASSERT_EQ(leaveEvent(a, left).status, 200);
  const auto others = idOf(create(c, iso(daysAhead(9)), "", "Not mine"));

  // No feed yet.
  auto state = feedState(a);
  EXPECT_FALSE(state->getValue<bool>("active"));
  expectNull(state, "createdAt");
  const std::int64_t before = mmm::nowMillis() / 1000 * 1000;
  const auto url = newFeed(a);
  state = feedState(a);
  EXPECT_TRUE(state->getValue<bool>("active"));
  ASSERT_FALSE(state->isNull("createdAt"));
  const auto createdAt = millisOf(state->getValue<std::string>("createdAt"));
  EXPECT_GE(createdAt, before);
  EXPECT_LE(createdAt, mmm::nowMillis());
  EXPECT_FALSE(state->has("url")) << "the token is never shown again";
  EXPECT_EQ(toJson(state).find(url.substr(18, 20)), std::string::npos) << "the token is never shown again";

  auto reply = call("GET", url);  // no session
  ASSERT_EQ(reply.status, 200) << reply.body;
  expectFeedTypes(reply);
  contentLines(reply.body);
  auto calendar = parsed(reply);
  EXPECT_FALSE(calendar->isNull("name")) << "a feed has X-WR-CALNAME";
  auto events = byUid(calendar);
  std::map<std::string, std::pair<std::string, std::string>> got;  // uid → {status, summary}
  for (const auto& [key, v] : events) got[key] = {v->getValue<std::string>("status"), v->getValue<std::string>("summary")};
  const std::map<std::string, std::pair<std::string, std::string>> expected{
      {uid(recent), {"CONFIRMED", "Recent jam"}},
      {uid(own), {"CONFIRMED", "Own jam"}},
      {uid(going), {"CONFIRMED", "Going jam"}},
      {uid(waiting), {"TENTATIVE", "Waiting jam (waitlist #2)"}},
      {uid(cancelled), {"CANCELLED", "Cancelled jam"}}};
  EXPECT_EQ(got, expected) << "left: " << left << ", others': " << others << ", old: " << old;
  if (events.count(uid(recent))) {
    EXPECT_EQ(events[uid(recent)]->getValue<std::string>("start"), iso(recentStart));
    EXPECT_EQ(events[uid(recent)]->getValue<std::string>("end"), iso(recentStart + 2 * kHourMs));
    EXPECT_EQ(events[uid(recent)]->getValue<std::string>("url"), kPublicUrl + "/events/" + str(recent));
  }
  // The feed as it is now: {status, summary} of an event, or "absent".
  const auto inFeed = [&](std::int64_t id) -> std::pair<std::string, std::string> {
    auto now = byUid(parsed(call("GET", url)));
    if (!now.count(uid(id))) return {"absent", ""};
    return {now[uid(id)]->getValue<std::string>("status"), now[uid(id)]->getValue<std::string>("summary")};
  };
  using Entry = std::pair<std::string, std::string>;
  // A place freed: a step up the waitlist, then CONFIRMED.
  ASSERT_EQ(leaveEvent(x, waiting).status, 200);
  EXPECT_EQ(inFeed(waiting), (Entry{"TENTATIVE", "Waiting jam (waitlist #1)"}));
  ASSERT_EQ(leaveEvent(y, waiting).status, 200);
  EXPECT_EQ(inFeed(waiting), (Entry{"CONFIRMED", "Waiting jam"}));
  // An event left disappears.
  ASSERT_EQ(leaveEvent(a, going).status, 200);
  EXPECT_EQ(inFeed(going), (Entry{"absent", ""}));

  // Another user's feed is theirs alone.
  const auto cUrl = newFeed(c);
  EXPECT_NE(cUrl, url);
  auto cEvents = byUid(parsed(call("GET", cUrl)));
  EXPECT_EQ(cEvents.count(uid(own)), 0u);
  EXPECT_EQ(cEvents.count(uid(others)), 1u);
}

// What the feed shows of an RSVP changes with the line-up, not only with the event: a step
// up the waitlist raises its DTSTAMP (a new SUMMARY), and a place confirmed or lost raises
// its SEQUENCE too (a new STATUS), never back down, even across leaving and joining again.
// The event's own calendar counts its edits alone.
TEST_P(CalendarTest, TheLineUpMovesThePrivateFeedsStampAndAPlaceConfirmedOrLostItsSequence) {
  const auto a = newAccount(), c = newAccount(), x = newAccount(), y = newAccount(), z = newAccount();
  const auto id = idOf(create(c, iso(daysAhead(6)), slotsJson({{"bass", 1}, {"drums", 1}}), "Waiting jam"));
  ASSERT_EQ(joinEvent(z, id, "drums").status, 201);
  ASSERT_EQ(joinEvent(x, id, "bass").status, 201);
  ASSERT_EQ(joinEvent(y, id, "bass").status, 201);
  ASSERT_EQ(joinEvent(a, id, "bass").status, 201);  // waitlist #2
  const auto url = newFeed(a);
  const auto mine = [&] {
    auto events = byUid(parsed(call("GET", url)));
    EXPECT_EQ(events.count(uid(id)), 1u);
    return events.count(uid(id)) ? events[uid(id)] : Poco::JSON::Object::Ptr(new Poco::JSON::Object);
  };
  const auto stampOf = [](const Poco::JSON::Object::Ptr& v) { return millisOf(v->getValue<std::string>("stamp")); };
  const auto wholeSecond = [] { std::this_thread::sleep_for(std::chrono::milliseconds(1100)); };  // DTSTAMP's unit
  auto v = mine();
  EXPECT_EQ(v->getValue<std::string>("summary"), "Waiting jam (waitlist #2)");
  auto sequence = v->getValue<int>("sequence");
  auto stamp = stampOf(v);

  wholeSecond();
  ASSERT_EQ(leaveEvent(y, id).status, 200);  // a step up: a new SUMMARY, the same STATUS
  v = mine();
  EXPECT_EQ(v->getValue<std::string>("summary"), "Waiting jam (waitlist #1)");
  EXPECT_EQ(v->getValue<std::string>("status"), "TENTATIVE");
  EXPECT_EQ(v->getValue<int>("sequence"), sequence);
  EXPECT_GT(stampOf(v), stamp) << "DTSTAMP is when what the feed shows last changed";
  EXPECT_LE(stampOf(v), mmm::nowMillis());
  stamp = stampOf(v);

  wholeSecond();
  ASSERT_EQ(leaveEvent(x, id).status, 200);  // the place freed is a's: CONFIRMED
  v = mine();
  EXPECT_EQ(v->getValue<std::string>("summary"), "Waiting jam");
  EXPECT_EQ(v->getValue<std::string>("status"), "CONFIRMED");
  EXPECT_GT(v->getValue<int>("sequence"), sequence);
  EXPECT_GT(stampOf(v), stamp);
  sequence = v->getValue<int>("sequence");
  stamp = stampOf(v);

  wholeSecond();
  const auto moved = joinEvent(a, id, "drums");  // z holds the one drums place: a waits for it
  ASSERT_LT(moved.status, 300) << moved.body;
  v = mine();
  EXPECT_EQ(v->getValue<std::string>("summary"), "Waiting jam (waitlist #1)");
  EXPECT_EQ(v->getValue<std::string>("status"), "TENTATIVE");
  EXPECT_GT(v->getValue<int>("sequence"), sequence);
  EXPECT_GT(stampOf(v), stamp);
  sequence = v->getValue<int>("sequence");

  // Gone from the feed, then back: still never a lower SEQUENCE for the same UID.
  ASSERT_EQ(leaveEvent(a, id).status, 200);
  EXPECT_EQ(byUid(parsed(call("GET", url))).count(uid(id)), 0u);
  ASSERT_EQ(joinEvent(a, id, "drums").status, 201);
  v = mine();
  EXPECT_EQ(v->getValue<std::string>("status"), "TENTATIVE");
  EXPECT_GT(v->getValue<int>("sequence"), sequence);
  sequence = v->getValue<int>("sequence");

  // An edit of the event adds one to it; the event's own calendar counts the edits alone.
  ASSERT_EQ(patch(c, id, R"({"title":"Big jam"})").status, 200);
  EXPECT_EQ(mine()->getValue<int>("sequence"), sequence + 1);
  EXPECT_EQ(vevent(a, id)->getValue<int>("sequence"), 1);
}

// A musician with no RSVP yet subscribes: a calendar both parsers read, with no event.
TEST_P(CalendarTest, AFeedWithNothingInItYetIsAValidCalendar) {
  const auto a = newAccount();
  const auto feed = call("GET", newFeed(a));
  ASSERT_EQ(feed.status, 200) << feed.body;
  const auto calendar = parsed(feed);
  ASSERT_TRUE(calendar->has("events")) << feed.body;
  EXPECT_EQ(calendar->getArray("events")->size(), 0u);
}

TEST_P(CalendarTest, ANewFeedRevokesTheOldOneAndDeleteRevokesIt) {
  const auto a = newAccount();
  const auto id = idOf(create(a, iso(daysAhead(3))));
  const auto first = newFeed(a);
  ASSERT_EQ(call("GET", first).status, 200);
  const auto second = newFeed(a);
  EXPECT_NE(second, first);
  auto revoked = call("GET", first);
  expectProblem(revoked, 404);
  auto fresh = call("GET", second);
  ASSERT_EQ(fresh.status, 200) << fresh.body;
  EXPECT_EQ(byUid(parsed(fresh)).count(uid(id)), 1u);
  // Other methods on the feed's URL are 405, and the access log (checked at the end) holds
  // the token for none of them.
  for (const std::string method : {"POST", "DELETE", "PUT"})
    EXPECT_EQ(call(method, second, method == "POST" ? "{}" : "").status, 405) << method;
  // A made-up token: the same answer as a revoked one.
  auto madeUp = call("GET", "/v1/calendar/feed/" + std::string(43, 'A') + ".ics");
  expectProblem(madeUp, 404);
  EXPECT_EQ(json(madeUp)->getValue<std::string>("detail"), json(revoked)->getValue<std::string>("detail"));
  for (const std::string& bad : {std::string("/v1/calendar/feed/x.ics"), std::string("/v1/calendar/feed/.ics"),
                                 second.substr(0, second.size() - 4), second + "x", second.substr(0, second.size() - 5) + ".ics"})
    EXPECT_EQ(call("GET", bad).status, 404) << bad;

  auto deleted = call("DELETE", "/v1/calendar/feed", "", a.token);
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_EQ(deleted.header("content-type").rfind("text/plain", 0), 0u) << deleted.header("content-type");
  expectProblem(call("GET", second), 404);
  auto state = feedState(a);
  EXPECT_FALSE(state->getValue<bool>("active"));
  expectNull(state, "createdAt");
  // And a new one works again.
  EXPECT_EQ(call("GET", newFeed(a)).status, 200);

  for (const char* method : {"GET", "POST", "DELETE"})
    expectProblem(call(method, "/v1/calendar/feed", std::string(method) == "POST" ? "{}" : ""), 401);
}

// --- The public feed.

TEST_P(CalendarTest, ThePublicFeedHoldsUpcomingScheduledEventsWithItsFiltersWithoutASession) {
  auto a = newAccount(), b = newAccount();
  const auto past = idOf(create(a, iso(daysAhead(2)), "", "Folk past"));
  moveIntoThePast({{past, daysAhead(-2)}}, {&a, &b});
  const auto folk = idOf(create(a, iso(daysAhead(3)), R"("lat":52.52,"lon":13.405)", "Sunday folk session"));
  const auto bass = idOf(create(b, iso(daysAhead(4)), slotsJson({{"bass", 1}}) + R"(,"lat":48.85,"lon":2.35)", "Jazz night"));
  const auto drums = idOf(create(b, iso(daysAhead(5)), slotsJson({{"drums", 2}}), "Folk drums circle"));
  const auto cancelled = idOf(create(a, iso(daysAhead(6)), slotsJson({{"bass", 1}}), "Cancelled folk"));
  ASSERT_EQ(cancelEvent(a, cancelled).status, 200);

  const auto uids = [&](const std::string& query) {
    auto reply = call("GET", "/v1/calendar/public.ics" + query);
    EXPECT_EQ(reply.status, 200) << query << ": " << reply.body;
    std::set<std::string> out;
    if (reply.status != 200) return out;
    expectFeedTypes(reply);
    contentLines(reply.body);
    for (const auto& [key, v] : byUid(parsed(reply))) {
      out.insert(key);
      EXPECT_EQ(v->getValue<std::string>("status"), "CONFIRMED") << key;
    }
    return out;
  };
  using Uids = std::set<std::string>;
  EXPECT_EQ(uids(""), (Uids{uid(folk), uid(bass), uid(drums)}));
  EXPECT_EQ(uids("?q=folk"), (Uids{uid(folk), uid(drums)}));
  EXPECT_EQ(uids("?instrument=bass"), (Uids{uid(bass)}));
  EXPECT_EQ(uids("?instrument=drums&q=circle"), (Uids{uid(drums)}));
  EXPECT_EQ(uids("?near=52.52,13.405&radiusKm=5"), (Uids{uid(folk)}));
  EXPECT_EQ(uids("?near=52.52,13.405&radiusKm=500"), (Uids{uid(folk)}));  // Paris is 878 km away
  // With a session it is the same.
  auto signedIn = call("GET", "/v1/calendar/public.ics", "", a.token);
  EXPECT_EQ(signedIn.status, 200);
  EXPECT_EQ(byUid(parsed(signedIn)).size(), 3u);
  for (const char* bad : {"?instrument=kazoo-xyz", "?instrument=Bass", "?near=52.52", "?near=91,0",
                          "?near=52.52,13.405&radiusKm=0", "?radiusKm=5"})
    expectProblem(call("GET", std::string("/v1/calendar/public.ics") + bad), 400);
}

TEST_P(CalendarTest, ThePublicFeedHoldsTheNext500EventsAtMost) {
  const auto a = newAccount();
  // Three series of 200 daily occurrences (made by asking for them), 600 events in all.
  for (int hour = 17; hour < 20; ++hour)
    createSeries(a, iso((today() + 1) * kDayMs + hour * kHourMs), "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU");
  const auto all = listAll(a, "to=" + iso(mmm::nowMillis() + 300 * kDayMs));
  ASSERT_EQ(all.size(), 600u);
  auto reply = call("GET", "/v1/calendar/public.ics");
  ASSERT_EQ(reply.status, 200);
  auto events = parsed(reply)->getArray("events");
  ASSERT_TRUE(events);
  ASSERT_EQ(events->size(), 500u);
  // The soonest 500: GET /v1/events lists soonest first.
  std::set<std::string> expected, got;
  for (std::size_t i = 0; i < 500; ++i) expected.insert(uid(idOf(all[i])));
  for (std::size_t i = 0; i < events->size(); ++i) got.insert(events->getObject(i)->getValue<std::string>("uid"));
  EXPECT_EQ(got, expected);
}

INSTANTIATE_TEST_SUITE_P(Backends, CalendarTest, ::testing::Values(Backends::SQLiteMemory, Backends::MariaDBRedis),
                         backendsName);

// --- Without server.public_url, and with the public feed turned off.

namespace {

class CalendarWithoutPublicUrlTest : public CalendarTest {
 protected:
  void SetUp() override {
    startServer(kUsersPlugin + kChatPlugin +
                "  - name: meetups\n    config: {rate_limits: {events: {count: 0}}, public_calendar: false}\n");
  }
};

}  // namespace

TEST_P(CalendarWithoutPublicUrlTest, TheUidTakesTheRequestsHostAndThePublicFeedIsOff) {
  const auto a = newAccount();
  const auto id = idOf(create(a, iso(daysAhead(3))));
  EXPECT_EQ(vevent(a, id)->getValue<std::string>("uid"), uid(id, "127.0.0.1"));  // the Host header's
  expectProblem(call("GET", "/v1/calendar/public.ics"), 404);
  expectProblem(call("GET", "/v1/calendar/public.ics", "", a.token), 404);
  // The private feed is unaffected.
  auto feed = call("GET", newFeed(a));
  ASSERT_EQ(feed.status, 200) << feed.body;
  EXPECT_EQ(byUid(parsed(feed)).count(uid(id, "127.0.0.1")), 1u);
}

INSTANTIATE_TEST_SUITE_P(Backends, CalendarWithoutPublicUrlTest,
                         ::testing::Values(Backends::SQLiteMemory, Backends::MariaDBRedis), backendsName);
