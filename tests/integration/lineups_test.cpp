// The Line-ups section of the API contract (Part 2: slots, capacity, waitlists) and the
// lead's decisions where it is silent (briefs/lineups.md), through real HTTP and WebSocket
// against a running mmm-server, on SQLite and on MariaDB with Redis: every new field at and
// past its bound, joining, moving, leaving and removal with their promotions, shrinking and
// growing, racing joins and leaves, cancelling, the event's chat, the new list filters
// (distances against hand-computed great-circle values) and the pushes.
#include "meetups_fixture.hpp"
#include "ws_client.hpp"

#include <mmm/time.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <tuple>

using namespace mmm::test;

namespace {

const std::string kAdminEmail = "lineups.admin@example.org";
const std::string kUsersWithAdmin = kUsersPlugin + "      admins: ['" + kAdminEmail + "']\n";
const std::string kMusiciansPlugin = "  - name: musicians\n";
const std::string kHub = "hub: {max_sockets_per_user: 0, max_client_frames_per_s: 0}\n";
constexpr std::int64_t kHour = 3600 * 1000, kDay = 24 * kHour;

/// Whole seconds `days` from now, in UTC milliseconds.
std::int64_t dayMs(int days) { return (mmm::nowMillis() / 1000 + days * 86400LL) * 1000; }

/// Great-circle distance on a sphere of 6371 km (haversine), rounded to 0.1 km as the API does.
double haversineKm(double lat1, double lon1, double lat2, double lon2) {
  const double rad = M_PI / 180, dLat = (lat2 - lat1) * rad, dLon = (lon2 - lon1) * rad;
  const double h = std::sin(dLat / 2) * std::sin(dLat / 2) +
                   std::cos(lat1 * rad) * std::cos(lat2 * rad) * std::sin(dLon / 2) * std::sin(dLon / 2);
  return std::round(2 * 6371 * std::asin(std::sqrt(h)) * 10) / 10;
}

/// An RSVP as the API gives it: state "" when null; instrument "" for the general line-up;
/// position 0 when null ("<absent>" / -1 when the field is missing).
struct Rsvp {
  std::string state, instrument;
  std::int64_t position = 0;
  bool operator==(const Rsvp& o) const { return state == o.state && instrument == o.instrument && position == o.position; }
};
[[maybe_unused]] std::ostream& operator<<(std::ostream& out, const Rsvp& r) {
  if (r.state.empty()) return out << "null";
  return out << "{" << r.state << ", " << (r.instrument.empty() ? "general" : r.instrument) << ", " << r.position << "}";
}
const Rsvp kNoRsvp{};
Rsvp going(const std::string& instrument = "") { return {"going", instrument, 0}; }
Rsvp waiting(const std::string& instrument, std::int64_t position) { return {"waitlisted", instrument, position}; }

using Frame = Poco::JSON::Object::Ptr;

/// Threads joined at the end of the scope, also when an assertion returns early.
struct Threads : std::vector<std::thread> {
  ~Threads() { joinAll(); }
  void joinAll() {
    for (auto& t : *this)
      if (t.joinable()) t.join();
  }
};

/// A WebSocket whose pushes can be looked for in any order: those read while looking for
/// another are kept for later.
class Pushes {
 public:
  Pushes(std::uint16_t port, const std::string& token) : client_(port, "/v1/ws?auth=Bearer%20" + token) {}
  int status() const { return client_.status(); }

  /// The first push that `match` accepts (kept from before, or coming within 5 s of the
  /// last one), taken out; null when none came.
  Frame take(const std::function<bool(const Frame&)>& match) {
    for (auto it = kept_.begin(); it != kept_.end(); ++it)
      if (match(*it)) {
        auto frame = *it;
        kept_.erase(it);
        return frame;
      }
    for (int i = 0; i < 200; ++i) {
      const auto text = client_.nextText();
      if (text.empty()) return nullptr;
      auto frame = Poco::JSON::Parser().parse(text).extract<Frame>();
      if (match(frame)) return frame;
      kept_.push_back(frame);
    }
    return nullptr;
  }
  /// Every push before the chat message `marker` (which ends them), and forgets them.
  std::vector<Frame> until(const std::string& marker) {
    auto found = take([&](const Frame& f) {
      return f->getValue<std::string>("type") == "message-new" && f->getObject("message")->getValue<std::string>("body") == marker;
    });
    EXPECT_TRUE(found) << "the marker " << marker << " never came";
    std::vector<Frame> before;
    before.swap(kept_);
    return before;
  }

 private:
  WsClient client_;
  std::vector<Frame> kept_;
};

std::function<bool(const Frame&)> pushOf(const std::string& type, std::int64_t eventId,
                                         const std::function<bool(const Frame&)>& also = nullptr) {
  return [=](const Frame& f) {
    if (f->getValue<std::string>("type") != type) return false;
    const bool sameEvent = type == "event-update" ? f->getObject("event")->getValue<Poco::Int64>("id") == eventId
                                                  : f->getValue<Poco::Int64>("eventID") == eventId;
    return sameEvent && (!also || also(f));
  };
}

class LineupsTest : public MeetupsTest {
 protected:
  void SetUp() override { startServer(kUsersWithAdmin + kMusiciansPlugin + kChatPlugin + kMeetupsPlugin, "", kHub); }

  static std::string eventBody(const std::string& extra = "", const std::string& datetime = iso(dayMs(7))) {
    return R"({"title":"Jam","datetime":")" + datetime + R"(","location":"The Hall","description":"Bring a bass")" +
           (extra.empty() ? "" : "," + extra) + "}";
  }
  /// Creates an event with `extra` fields (a JSON object's members without braces).
  Poco::JSON::Object::Ptr create(const Account& who, const std::string& extra = "",
                                 const std::string& datetime = iso(dayMs(7))) {
    auto reply = call("POST", "/v1/events", eventBody(extra, datetime), who.token);
    EXPECT_EQ(reply.status, 201) << extra << ": " << reply.body;
    return json(reply);
  }
  HttpReply join(const Account& who, std::int64_t id, const std::string& instrument = "") {
    return call("POST", "/v1/events/join",
                R"({"id":)" + std::to_string(id) + (instrument.empty() ? "" : R"(,"instrument":")" + instrument + "\"") + "}",
                who.token);
  }
  /// Joins and expects a 201 whose rsvp is `expected`.
  void joinAs(const Account& who, std::int64_t id, const std::string& instrument, const Rsvp& expected) {
    auto reply = join(who, id, instrument);
    EXPECT_EQ(reply.status, 201) << reply.body;
    if (reply.status == 201) {
      EXPECT_EQ(rsvp(json(reply)), expected) << "user " << who.id << " joining " << (instrument.empty() ? "general" : instrument);
    }
  }
  /// Each of `queue` waits on `instrument`'s waitlist ("" general) at 1, 2, 3… in that order.
  void expectWaitlist(std::int64_t id, const std::string& instrument, const std::vector<const Account*>& queue) {
    for (std::size_t n = 0; n < queue.size(); ++n)
      EXPECT_EQ(rsvpOf(*queue[n], id), waiting(instrument, static_cast<std::int64_t>(n + 1))) << "user " << queue[n]->id;
  }
  /// Each of `queue` joins `instrument` in turn and waits, from position `first` on.
  void joinWaitlist(std::int64_t id, const std::string& instrument, const std::vector<const Account*>& queue, int first = 1) {
    for (std::size_t n = 0; n < queue.size(); ++n)
      joinAs(*queue[n], id, instrument, waiting(instrument, first + static_cast<std::int64_t>(n)));
  }
  void joinWaitlistAll(std::int64_t id, const std::string& instrument, const std::vector<Account>& queue) {
    std::vector<const Account*> pointers;
    for (const auto& a : queue) pointers.push_back(&a);
    joinWaitlist(id, instrument, pointers);
  }
  HttpReply leave(const Account& who, std::int64_t id) {
    return call("DELETE", "/v1/events/" + std::to_string(id) + "/members/me", "", who.token);
  }
  HttpReply removeMember(const Account& by, std::int64_t id, std::int64_t userId) {
    return call("DELETE", "/v1/events/" + std::to_string(id) + "/members/" + std::to_string(userId), "", by.token);
  }
  void patchOk(const Account& who, std::int64_t id, const std::string& body) {
    auto reply = patch(who, id, body);
    EXPECT_EQ(reply.status, 200) << body << ": " << reply.body;
  }
  HttpReply cancel(const Account& who, std::int64_t id, const std::string& body = "{}") {
    return call("POST", "/v1/events/" + std::to_string(id) + "/cancel", body, who.token);
  }
  Rsvp rsvpOf(const Account& who, std::int64_t id) { return rsvp(event(who, id)); }

  static Rsvp rsvp(const Poco::JSON::Object::Ptr& e) {
    if (!e->has("rsvp")) return {"<absent>", "", 0};
    if (e->isNull("rsvp")) return kNoRsvp;
    auto o = e->getObject("rsvp");
    Rsvp r;
    r.state = o->getValue<std::string>("state");
    if (!o->has("instrument")) r.instrument = "<absent>";
    else if (!o->isNull("instrument")) r.instrument = o->getValue<std::string>("instrument");
    if (!o->has("position")) r.position = -1;
    else if (!o->isNull("position")) r.position = o->getValue<Poco::Int64>("position");
    return r;
  }
  static Poco::JSON::Object::Ptr slot(const Poco::JSON::Object::Ptr& e, const std::string& instrument) {
    auto slots = e->getArray("slots");
    for (std::size_t i = 0; slots && i < slots->size(); ++i)
      if (slots->getObject(i)->getValue<std::string>("instrument") == instrument) return slots->getObject(i);
    return nullptr;
  }
  /// The user ids of a slot's `going` or `waitlist` list, in order.
  static Ids people(const Poco::JSON::Object::Ptr& e, const std::string& instrument, const std::string& list) {
    auto s = slot(e, instrument);
    EXPECT_TRUE(s) << "no slot " << instrument;
    Ids out;
    if (!s) return out;
    auto array = s->getArray(list);
    for (std::size_t i = 0; i < array->size(); ++i) out.push_back(array->getObject(i)->getValue<Poco::Int64>("id"));
    return out;
  }
  static std::vector<std::string> slotNames(const Poco::JSON::Object::Ptr& e) {
    std::vector<std::string> out;
    auto slots = e->getArray("slots");
    for (std::size_t i = 0; i < slots->size(); ++i) out.push_back(slots->getObject(i)->getValue<std::string>("instrument"));
    return out;
  }
  static std::int64_t count(const Poco::JSON::Object::Ptr& e, const std::string& name) {
    return e->getValue<Poco::Int64>(name);
  }
  static Ids idsOf(const std::vector<Account>& accounts) {
    Ids out;
    for (const auto& a : accounts) out.push_back(a.id);
    return out;
  }
  Poco::JSON::Array::Ptr list(const Account& who, const std::string& query) {
    auto reply = call("GET", "/v1/events?" + query, "", who.token);
    EXPECT_EQ(reply.status, 200) << query << ": " << reply.body;
    return reply.status == 200 ? jsonArray(reply) : Poco::JSON::Array::Ptr(new Poco::JSON::Array);
  }
  std::vector<Account> accounts(int n) {
    std::vector<Account> out;
    for (int i = 0; i < n; ++i) out.push_back(newAccount());
    return out;
  }
  Account admin() { return newAccount(kAdminEmail); }
  /// The audit log as the admin `boss` reads it: {targetKind, targetID, actorID}, newest first.
  std::vector<std::tuple<std::string, std::int64_t, std::int64_t>> audit(const Account& boss) {
    auto reply = call("GET", "/v1/audit", "", boss.token);
    EXPECT_EQ(reply.status, 200) << reply.body;
    std::vector<std::tuple<std::string, std::int64_t, std::int64_t>> out;
    if (reply.status != 200) return out;
    auto log = jsonArray(reply);
    for (std::size_t i = 0; i < log->size(); ++i) {
      auto e = log->getObject(i);
      out.emplace_back(e->getValue<std::string>("targetKind"), e->getValue<Poco::Int64>("targetID"),
                       e->getValue<Poco::Int64>("actorID"));
    }
    return out;
  }
  /// Saves a musician profile.
  void profile(const Account& who, const std::string& body) {
    auto reply = call("PUT", "/v1/musicians/me", body, who.token);
    ASSERT_EQ(reply.status, 200) << reply.body;
  }
};

}  // namespace

// --- The new fields: defaults, values as given, validation at and past each bound.

TEST_P(LineupsTest, SeedEraRequestsStillWorkAndTheNewFieldsHaveTheirDefaults) {
  const auto a = newAccount(), b = newAccount(), outsider = newAccount();
  const std::string when = iso(dayMs(5));
  // Part 1's create body, exactly as a seed-era client sends it.
  auto reply = call("POST", "/v1/events",
                    R"({"title":"Sunday folk jam","datetime":")" + when +
                        R"(","location":"Ballard Commons","description":"Bring a fiddle"})",
                    a.token);
  ASSERT_EQ(reply.status, 201) << reply.body;
  const auto created = json(reply);
  const auto id = idOf(created);
  const auto expectDefaults = [&](const Poco::JSON::Object::Ptr& e, const std::string& where) {
    SCOPED_TRACE(where);
    EXPECT_EQ(idOf(e), id);
    EXPECT_EQ(e->getValue<std::string>("datetime"), when);
    for (const char* field : {"endsAt", "lat", "lon", "onlineURL", "capacity", "seriesID"}) expectNull(e, field);
    EXPECT_EQ(e->getValue<std::string>("timezone"), "UTC");
    EXPECT_EQ(e->getValue<std::string>("status"), "scheduled");
    ASSERT_TRUE(e->getArray("slots"));
    EXPECT_EQ(e->getArray("slots")->size(), 0u);
    EXPECT_FALSE(e->isNull("channel"));
    EXPECT_FALSE(e->has("distanceKm"));
  };
  expectDefaults(created, "create");
  EXPECT_EQ(count(created, "goingCount"), 1);
  EXPECT_EQ(count(created, "waitlistCount"), 0);
  EXPECT_EQ(count(created, "memberCount"), 1);
  EXPECT_TRUE(created->getValue<bool>("joined"));
  EXPECT_EQ(rsvp(created), going());  // the creator takes a general place

  // Part 1's join body: {id} only.
  auto joined = call("POST", "/v1/events/join", R"({"id":)" + std::to_string(id) + "}", b.token);
  ASSERT_EQ(joined.status, 201) << joined.body;
  expectDefaults(json(joined), "join");
  EXPECT_EQ(rsvp(json(joined)), going());
  EXPECT_EQ(count(json(joined), "goingCount"), 2);
  EXPECT_EQ(count(json(joined), "memberCount"), 2);
  EXPECT_TRUE(json(joined)->getValue<bool>("joined"));
  auto again = call("POST", "/v1/events/join", R"({"id":)" + std::to_string(id) + "}", b.token);
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(count(json(again), "goingCount"), 2);

  // The lists carry the fields too, with the caller's rsvp.
  auto listed = list(b, "");
  ASSERT_EQ(listed->size(), 1u);
  expectDefaults(listed->getObject(0), "GET /v1/events");
  EXPECT_EQ(rsvp(listed->getObject(0)), going());
  auto mine = call("GET", "/v1/events/join", "", b.token);
  ASSERT_EQ(mine.status, 200);
  ASSERT_EQ(jsonArray(mine)->size(), 1u);
  expectDefaults(jsonArray(mine)->getObject(0), "GET /v1/events/join");
  EXPECT_EQ(rsvp(jsonArray(mine)->getObject(0)), going());
  // Someone who did not join: rsvp null, joined false.
  auto seen = event(outsider, id);
  expectDefaults(seen, "GET /v1/events/{id}");
  expectNull(seen, "rsvp");
  EXPECT_FALSE(seen->getValue<bool>("joined"));

  // A Part 1 PATCH and leave.
  auto patched = patch(a, id, R"({"title":"Big jam"})");
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(json(patched)->getValue<std::string>("title"), "Big jam");
  expectDefaults(json(patched), "PATCH");
  ASSERT_EQ(leave(b, id).status, 200);
  EXPECT_EQ(count(event(a, id), "goingCount"), 1);
  EXPECT_EQ(rsvpOf(b, id), kNoRsvp);
}

TEST_P(LineupsTest, EveryNewFieldComesBackAsGiven) {
  const auto a = newAccount();
  const std::int64_t start = dayMs(4);
  auto created = create(a,
                        R"("endsAt":")" + iso(start + 3 * kHour) +
                            R"(","lat":52.520008,"lon":13.404954,"onlineURL":"https://meet.example.org/jam?room=7",)"
                            R"("timezone":"Europe/Berlin","capacity":12,)" +
                            slotsJson({{"drums", 1}, {"bass", 2}}),
                        iso(start));
  const auto id = idOf(created);
  for (const auto& e : {created, event(a, id)}) {
    EXPECT_EQ(e->getValue<std::string>("datetime"), iso(start));
    EXPECT_EQ(e->getValue<std::string>("endsAt"), iso(start + 3 * kHour));
    EXPECT_DOUBLE_EQ(e->getValue<double>("lat"), 52.520008);  // not rounded
    EXPECT_DOUBLE_EQ(e->getValue<double>("lon"), 13.404954);
    EXPECT_EQ(e->getValue<std::string>("onlineURL"), "https://meet.example.org/jam?room=7");
    EXPECT_EQ(e->getValue<std::string>("timezone"), "Europe/Berlin");
    EXPECT_EQ(e->getValue<std::string>("status"), "scheduled");
    EXPECT_EQ(count(e, "capacity"), 12);
    EXPECT_EQ(slotNames(e), (std::vector<std::string>{"drums", "bass"}));  // in the creator's order
    EXPECT_EQ(count(slot(e, "drums"), "count"), 1);
    EXPECT_EQ(count(slot(e, "bass"), "count"), 2);
    EXPECT_EQ(slot(e, "bass")->getArray("going")->size(), 0u);
    EXPECT_EQ(slot(e, "bass")->getArray("waitlist")->size(), 0u);
    EXPECT_EQ(count(e, "goingCount"), 1);
    EXPECT_EQ(count(e, "waitlistCount"), 0);
    expectNull(e, "seriesID");
    EXPECT_EQ(rsvp(e), going());
  }
  // Times given with an offset come back in UTC.
  auto offset = create(a, R"("endsAt":")" + iso(start + 2 * kHour).substr(0, 19) + "+01:00\"", iso(start));
  EXPECT_EQ(offset->getValue<std::string>("endsAt"), iso(start + kHour));
}

TEST_P(LineupsTest, CreateChecksEachNewFieldAtAndPastItsBound) {
  const auto a = newAccount();
  const std::int64_t start = dayMs(3);
  int made = 0;
  const auto accepted = [&](const std::string& extra) {
    auto reply = call("POST", "/v1/events", eventBody(extra, iso(start)), a.token);
    EXPECT_EQ(reply.status, 201) << extra.substr(0, 300) << ": " << reply.body;
    if (reply.status == 201) ++made;
    return reply.status == 201 ? json(reply) : Poco::JSON::Object::Ptr(new Poco::JSON::Object);
  };
  const auto refused = [&](const std::string& extra) {
    SCOPED_TRACE(extra.substr(0, 300));
    expectProblem(call("POST", "/v1/events", eventBody(extra, iso(start)), a.token), 400);
  };
  // endsAt: after datetime, at most 7 days after it.
  EXPECT_EQ(accepted(R"("endsAt":")" + iso(start + 1000) + "\"")->getValue<std::string>("endsAt"), iso(start + 1000));
  EXPECT_EQ(accepted(R"("endsAt":")" + iso(start + 7 * kDay) + "\"")->getValue<std::string>("endsAt"), iso(start + 7 * kDay));
  expectNull(accepted(R"("endsAt":null)"), "endsAt");
  refused(R"("endsAt":")" + iso(start) + "\"");
  refused(R"("endsAt":")" + iso(start - 1000) + "\"");
  refused(R"("endsAt":")" + iso(start + 7 * kDay + 1000) + "\"");
  refused(R"("endsAt":"next tuesday")");
  refused(R"("endsAt":5)");
  // lat in [-90, 90], lon in [-180, 180], both or neither.
  auto corner = accepted(R"("lat":90,"lon":180)");
  EXPECT_DOUBLE_EQ(corner->getValue<double>("lat"), 90);
  EXPECT_DOUBLE_EQ(corner->getValue<double>("lon"), 180);
  corner = accepted(R"("lat":-90,"lon":-180)");
  EXPECT_DOUBLE_EQ(corner->getValue<double>("lat"), -90);
  EXPECT_DOUBLE_EQ(corner->getValue<double>("lon"), -180);
  expectNull(accepted(R"("lat":null,"lon":null)"), "lat");
  refused(R"("lat":90.000001,"lon":0)");
  refused(R"("lat":-90.5,"lon":0)");
  refused(R"("lat":0,"lon":180.5)");
  refused(R"("lat":0,"lon":-180.000001)");
  refused(R"("lat":10)");
  refused(R"("lon":10)");
  refused(R"("lat":10,"lon":null)");
  refused(R"("lat":"52.5","lon":13.4)");
  // onlineURL: https only, at most 500 characters.
  const std::string prefix = "https://example.org/";
  const std::string url500 = prefix + std::string(500 - prefix.size(), 'a');
  EXPECT_EQ(accepted(R"("onlineURL":")" + url500 + "\"")->getValue<std::string>("onlineURL"), url500);
  expectNull(accepted(R"("onlineURL":null)"), "onlineURL");
  refused(R"("onlineURL":")" + url500 + "a\"");
  for (const char* bad : {"http://example.org/jam", "ftp://example.org/jam", "//example.org/jam", "example.org/jam",
                          "javascript:alert(1)", "https://example.org/\\u0000"})
    refused(std::string(R"("onlineURL":")") + bad + "\"");
  refused(R"("onlineURL":5)");
  // timezone: a name of the system's tz database.
  for (const char* zone : {"Europe/Berlin", "America/Los_Angeles", "UTC"})
    EXPECT_EQ(accepted(std::string(R"("timezone":")") + zone + "\"")->getValue<std::string>("timezone"), zone);
  for (const char* bad : {"Mars/Olympus_Mons", "", "Europe", "../../../../etc/passwd", "Europe/../../../etc/passwd",
                          "/usr/share/zoneinfo/UTC"})
    refused(std::string(R"("timezone":")") + bad + "\"");
  refused(R"("timezone":1)");
  // capacity: null or 1 to 10,000.
  EXPECT_EQ(count(accepted(R"("capacity":1)"), "capacity"), 1);
  EXPECT_EQ(count(accepted(R"("capacity":10000)"), "capacity"), 10000);
  expectNull(accepted(R"("capacity":null)"), "capacity");
  for (const char* bad : {"0", "10001", "-1", "1.5", "\"5\"", "true"}) refused(std::string(R"("capacity":)") + bad);
  // slots: at most 20, unique instruments of /v1/instruments, count 1 to 50.
  auto instruments = jsonArray(call("GET", "/v1/instruments", "", a.token));
  ASSERT_GE(instruments->size(), 21u);
  std::vector<std::pair<std::string, int>> many;
  for (std::size_t i = 0; i < 21; ++i) many.emplace_back(instruments->getObject(i)->getValue<std::string>("slug"), i % 2 ? 1 : 50);
  refused(slotsJson(many));
  many.pop_back();
  auto twenty = accepted(slotsJson(many));
  ASSERT_EQ(twenty->getArray("slots")->size(), 20u);
  EXPECT_EQ(count(slot(twenty, many[0].first), "count"), 50);
  EXPECT_EQ(count(slot(twenty, many[1].first), "count"), 1);
  EXPECT_EQ(accepted(R"("slots":[])")->getArray("slots")->size(), 0u);
  refused(slotsJson({{"bass", 1}, {"bass", 2}}));
  refused(slotsJson({{"bass", 0}}));
  refused(slotsJson({{"bass", 51}}));
  refused(slotsJson({{"bass", -1}}));
  refused(slotsJson({{"kazoo-xyz", 1}}));  // not in the vocabulary
  refused(slotsJson({{"Bass", 1}}));
  refused(slotsJson({{"", 1}}));
  refused(R"("slots":[{"instrument":"bass","count":1.5}])");
  refused(R"("slots":[{"instrument":"bass","count":"2"}])");
  refused(R"("slots":[{"count":1}])");
  refused(R"("slots":["bass"])");
  refused(R"("slots":{"instrument":"bass","count":1})");
  // Nothing refused was made.
  EXPECT_EQ(list(a, "limit=100&status=all")->size(), static_cast<std::size_t>(made));
}

TEST_P(LineupsTest, PatchChangesAndChecksTheNewFieldsAgainstTheResultingEvent) {
  const auto a = newAccount(), b = newAccount();
  const std::int64_t start = dayMs(3);
  const auto id = idOf(create(a,
                              R"("endsAt":")" + iso(start + 2 * kHour) +
                                  R"(","lat":52.52,"lon":13.405,"timezone":"Europe/Berlin")",
                              iso(start)));
  const auto refused = [&](const std::string& body) {
    SCOPED_TRACE(body);
    expectProblem(patch(a, id, body), 400);
  };
  const auto changed = [&](const std::string& body) {
    auto reply = patch(a, id, body);
    EXPECT_EQ(reply.status, 200) << body << ": " << reply.body;
    return reply.status == 200 ? json(reply) : event(a, id);
  };
  // endsAt is checked against the event's resulting datetime.
  refused(R"({"datetime":")" + iso(start + 3 * kHour) + "\"}");  // the end would come first
  EXPECT_EQ(event(a, id)->getValue<std::string>("datetime"), iso(start));
  EXPECT_EQ(changed(R"({"datetime":")" + iso(start + kHour) + "\"}")->getValue<std::string>("datetime"), iso(start + kHour));
  EXPECT_EQ(changed(R"({"endsAt":")" + iso(start + kHour + 7 * kDay) + "\"}")->getValue<std::string>("endsAt"),
            iso(start + kHour + 7 * kDay));
  refused(R"({"endsAt":")" + iso(start + kHour + 7 * kDay + 1000) + "\"}");
  refused(R"({"datetime":")" + iso(start) + "\"}");  // now 7 days and 1 hour before the end
  refused(R"({"endsAt":")" + iso(start + kHour) + "\"}");
  expectNull(changed(R"({"endsAt":null})"), "endsAt");
  EXPECT_EQ(changed(R"({"datetime":")" + iso(start) + "\"}")->getValue<std::string>("datetime"), iso(start));
  // lat and lon: both or neither; null clears both.
  refused(R"({"lat":10})");
  refused(R"({"lon":10})");
  refused(R"({"lat":91,"lon":10})");
  auto moved = changed(R"({"lat":-33.8688,"lon":151.2093})");
  EXPECT_DOUBLE_EQ(moved->getValue<double>("lat"), -33.8688);
  EXPECT_DOUBLE_EQ(moved->getValue<double>("lon"), 151.2093);
  auto cleared = changed(R"({"lat":null,"lon":null})");
  expectNull(cleared, "lat");
  expectNull(cleared, "lon");
  // timezone, onlineURL, capacity.
  refused(R"({"timezone":"Nowhere/City"})");
  EXPECT_EQ(changed(R"({"timezone":"America/Los_Angeles"})")->getValue<std::string>("timezone"), "America/Los_Angeles");
  refused(R"({"onlineURL":"http://example.org/jam"})");
  EXPECT_EQ(changed(R"({"onlineURL":"https://example.org/jam"})")->getValue<std::string>("onlineURL"), "https://example.org/jam");
  expectNull(changed(R"({"onlineURL":null})"), "onlineURL");
  refused(R"({"capacity":0})");
  refused(R"({"capacity":10001})");
  EXPECT_EQ(count(changed(R"({"capacity":7})"), "capacity"), 7);
  expectNull(changed(R"({"capacity":null})"), "capacity");
  // slots: the whole list is replaced.
  EXPECT_EQ(slotNames(changed("{" + slotsJson({{"bass", 2}, {"drums", 1}}) + "}")), (std::vector<std::string>{"bass", "drums"}));
  EXPECT_EQ(slotNames(changed("{" + slotsJson({{"guitar", 1}}) + "}")), (std::vector<std::string>{"guitar"}));
  refused("{" + slotsJson({{"kazoo-xyz", 1}}) + "}");
  refused("{" + slotsJson({{"bass", 51}}) + "}");
  refused("{" + slotsJson({{"bass", 1}, {"bass", 1}}) + "}");
  EXPECT_EQ(slotNames(event(a, id)), (std::vector<std::string>{"guitar"}));
  EXPECT_EQ(changed(R"({"slots":[]})")->getArray("slots")->size(), 0u);
  // Only the creator; the Part 1 fields are untouched.
  expectProblem(patch(b, id, R"({"capacity":5})"), 403);
  auto now = event(a, id);
  EXPECT_EQ(now->getValue<std::string>("title"), "Jam");
  EXPECT_EQ(now->getValue<std::string>("location"), "The Hall");
  expectNull(now, "capacity");
}

// --- Joining, moving, leaving, removal.

TEST_P(LineupsTest, JoinTakesAPlaceOrAWaitlistAndTheSameRequestAgainIs200) {
  const auto a = newAccount(), b = newAccount(), c = newAccount(), d = newAccount(), e = newAccount(), f = newAccount();
  const auto created = create(a, R"("capacity":2,)" + slotsJson({{"bass", 1}}));
  const auto id = idOf(created);
  const auto channel = created->getValue<Poco::Int64>("channel");

  auto first = join(b, id, "bass");
  ASSERT_EQ(first.status, 201) << first.body;
  auto ev = json(first);
  EXPECT_EQ(rsvp(ev), going("bass"));
  EXPECT_EQ(people(ev, "bass", "going"), (Ids{b.id}));
  EXPECT_EQ(count(ev, "goingCount"), 2);
  EXPECT_EQ(count(ev, "memberCount"), 2);
  EXPECT_TRUE(ev->getValue<bool>("joined"));
  auto profile = slot(ev, "bass")->getArray("going")->getObject(0);  // profiles, never emails
  EXPECT_EQ(profile->getValue<std::string>("userName"), b.userName);
  EXPECT_FALSE(profile->has("email"));
  auto again = join(b, id, "bass");
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(rsvp(json(again)), going("bass"));
  EXPECT_EQ(count(json(again), "goingCount"), 2);

  // The slot is full: its waitlist.
  auto waits = join(c, id, "bass");
  ASSERT_EQ(waits.status, 201) << waits.body;
  ev = json(waits);
  EXPECT_EQ(rsvp(ev), waiting("bass", 1));
  EXPECT_TRUE(ev->getValue<bool>("joined"));
  EXPECT_EQ(count(ev, "goingCount"), 2);
  EXPECT_EQ(count(ev, "memberCount"), 2);
  EXPECT_EQ(count(ev, "waitlistCount"), 1);
  EXPECT_EQ(people(ev, "bass", "waitlist"), (Ids{c.id}));
  auto stillWaits = join(c, id, "bass");
  EXPECT_EQ(stillWaits.status, 200);
  EXPECT_EQ(rsvp(json(stillWaits)), waiting("bass", 1));

  // Without an instrument: a general place under capacity (the creator holds one).
  joinAs(d, id, "", going());
  auto nullInstrument = call("POST", "/v1/events/join", R"({"id":)" + std::to_string(id) + R"(,"instrument":null})", d.token);
  EXPECT_EQ(nullInstrument.status, 200) << nullInstrument.body;  // null is general: the same choice
  EXPECT_EQ(rsvp(json(nullInstrument)), going());
  joinAs(e, id, "", waiting("", 1));
  ev = event(a, id);
  EXPECT_EQ(count(ev, "goingCount"), 3);
  EXPECT_EQ(count(ev, "memberCount"), 3);
  EXPECT_EQ(count(ev, "waitlistCount"), 2);
  EXPECT_EQ(people(ev, "bass", "going"), (Ids{b.id}));  // general people are counted, not listed

  // No slot for it, or no such instrument at all.
  expectProblem(join(f, id, "drums"), 400);
  expectProblem(join(f, id, "kazoo-xyz"), 400);
  expectProblem(call("POST", "/v1/events/join", R"({"id":)" + std::to_string(id) + R"(,"instrument":5})", f.token), 400);
  expectProblem(join(b, id, "drums"), 400);
  EXPECT_EQ(rsvpOf(f, id), kNoRsvp);
  EXPECT_EQ(rsvpOf(b, id), going("bass"));
  expectProblem(join(f, 99999999, "bass"), 404);

  // Waitlisted people are members: in GET /v1/events/join and in the chat.
  EXPECT_EQ(ids(jsonArray(call("GET", "/v1/events/join", "", c.token))), (Ids{id}));
  EXPECT_EQ(ids(jsonArray(call("GET", "/v1/events/join", "", e.token))), (Ids{id}));
  EXPECT_TRUE(jsonArray(call("GET", "/v1/events/join", "", f.token))->size() == 0);
  EXPECT_EQ(channelMembers(a, channel), sorted({a.id, b.id, c.id, d.id, e.id}));
}

TEST_P(LineupsTest, MovingFreesTheOldPlaceForTheHeadOfItsWaitlist) {
  const auto a = newAccount(), b = newAccount(), c = newAccount(), d = newAccount(), e = newAccount();
  const auto id = idOf(create(a, slotsJson({{"bass", 1}, {"drums", 1}})));
  joinAs(b, id, "bass", going("bass"));
  joinWaitlist(id, "bass", {&c, &d});
  const auto move = [&](const Account& who, const std::string& instrument, const Rsvp& expected) {
    auto reply = join(who, id, instrument);
    EXPECT_TRUE(reply.status == 200 || reply.status == 201) << reply.status << " " << reply.body;
    if (reply.status < 300) {
      EXPECT_EQ(rsvp(json(reply)), expected) << "moving to " << instrument;
    }
  };
  move(b, "drums", going("drums"));  // frees bass: c is promoted
  EXPECT_EQ(rsvpOf(c, id), going("bass"));
  EXPECT_EQ(rsvpOf(d, id), waiting("bass", 1));
  joinAs(e, id, "drums", waiting("drums", 1));
  move(c, "", going());  // to the general line-up (capacity null): d is promoted
  EXPECT_EQ(rsvpOf(d, id), going("bass"));
  move(b, "bass", waiting("bass", 1));  // into a full slot: its waitlist; drums goes to e
  EXPECT_EQ(rsvpOf(e, id), going("drums"));
  auto ev = event(a, id);
  EXPECT_EQ(people(ev, "bass", "going"), (Ids{d.id}));
  EXPECT_EQ(people(ev, "bass", "waitlist"), (Ids{b.id}));
  EXPECT_EQ(people(ev, "drums", "going"), (Ids{e.id}));
  EXPECT_TRUE(people(ev, "drums", "waitlist").empty());
  EXPECT_EQ(count(ev, "goingCount"), 4);  // a and c general, d bass, e drums
  EXPECT_EQ(count(ev, "waitlistCount"), 1);
  EXPECT_EQ(count(ev, "memberCount"), 4);
  // From a waitlist to a free general place.
  move(b, "", going());
  ev = event(a, id);
  EXPECT_TRUE(people(ev, "bass", "waitlist").empty());
  EXPECT_EQ(count(ev, "goingCount"), 5);
  EXPECT_EQ(count(ev, "waitlistCount"), 0);
}

TEST_P(LineupsTest, WaitlistPositionsStayGaplessWhenPeopleLeaveFromTheMiddle) {
  const auto a = newAccount(), b = newAccount(), c = newAccount(), d = newAccount(), e = newAccount(), f = newAccount(),
             g = newAccount(), h = newAccount(), i = newAccount();
  const auto id = idOf(create(a, R"("capacity":1,)" + slotsJson({{"bass", 1}})));  // the creator fills the general place
  joinAs(b, id, "bass", going("bass"));
  joinWaitlist(id, "bass", {&c, &d, &e, &f});
  ASSERT_EQ(leave(d, id).status, 200);
  expectWaitlist(id, "bass", {&c, &e, &f});
  EXPECT_EQ(people(event(a, id), "bass", "waitlist"), (Ids{c.id, e.id, f.id}));
  ASSERT_EQ(removeMember(a, id, e.id).status, 200);
  expectWaitlist(id, "bass", {&c, &f});
  ASSERT_EQ(leave(b, id).status, 200);  // promotes c
  EXPECT_EQ(rsvpOf(c, id), going("bass"));
  EXPECT_EQ(rsvpOf(f, id), waiting("bass", 1));
  auto ev = event(a, id);
  EXPECT_EQ(people(ev, "bass", "going"), (Ids{c.id}));
  EXPECT_EQ(people(ev, "bass", "waitlist"), (Ids{f.id}));
  // The general waitlist.
  joinWaitlist(id, "", {&g, &h, &i});
  ASSERT_EQ(leave(h, id).status, 200);
  expectWaitlist(id, "", {&g, &i});
  auto again = join(i, id);
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(rsvp(json(again)), waiting("", 2));
  ev = event(a, id);
  EXPECT_EQ(count(ev, "goingCount"), 2);     // a, c
  EXPECT_EQ(count(ev, "waitlistCount"), 3);  // f, g, i
  EXPECT_EQ(count(ev, "memberCount"), 2);
  expectProblem(leave(h, id), 404);  // not a member any more
}

TEST_P(LineupsTest, ShrinkingPutsTheLatestJoinersAheadOfThoseWaitingAndGrowingPromotes) {
  const auto a = newAccount();
  const auto p = accounts(10);
  const auto &b = p[0], &c = p[1], &d = p[2], &e = p[3], &f = p[4], &g = p[5], &h = p[6], &i = p[7], &j = p[8], &k = p[9];
  const auto id = idOf(create(a, R"("capacity":4,)" + slotsJson({{"bass", 4}})));
  for (const auto* who : {&b, &c, &d, &e}) joinAs(*who, id, "bass", going("bass"));
  joinWaitlist(id, "bass", {&f, &g});
  for (const auto* who : {&h, &i, &j}) joinAs(*who, id, "", going());
  joinAs(k, id, "", waiting("", 1));

  patchOk(a, id, "{" + slotsJson({{"bass", 2}}) + "}");  // d and e were the latest in
  auto ev = event(a, id);
  EXPECT_EQ(people(ev, "bass", "going"), (Ids{b.id, c.id}));
  EXPECT_EQ(people(ev, "bass", "waitlist"), (Ids{d.id, e.id, f.id, g.id}));
  expectWaitlist(id, "bass", {&d, &e, &f, &g});

  patchOk(a, id, R"({"capacity":2})");  // i and j were the latest in the general line-up
  EXPECT_EQ(rsvpOf(h, id), going());
  expectWaitlist(id, "", {&i, &j, &k});
  EXPECT_EQ(rsvpOf(a, id), going());
  ev = event(a, id);
  EXPECT_EQ(count(ev, "goingCount"), 4);  // a, h, b, c
  EXPECT_EQ(count(ev, "waitlistCount"), 7);
  EXPECT_EQ(count(ev, "memberCount"), 4);

  patchOk(a, id, "{" + slotsJson({{"bass", 3}}) + "}");  // growing promotes the head
  ev = event(a, id);
  EXPECT_EQ(people(ev, "bass", "going"), (Ids{b.id, c.id, d.id}));
  EXPECT_EQ(people(ev, "bass", "waitlist"), (Ids{e.id, f.id, g.id}));
  expectWaitlist(id, "bass", {&e, &f, &g});

  patchOk(a, id, R"({"capacity":3})");
  EXPECT_EQ(rsvpOf(i, id), going());
  expectWaitlist(id, "", {&j, &k});
  patchOk(a, id, R"({"capacity":null})");  // unlimited: everyone waiting goes
  EXPECT_EQ(rsvpOf(j, id), going());
  EXPECT_EQ(rsvpOf(k, id), going());
  patchOk(a, id, "{" + slotsJson({{"bass", 10}}) + "}");
  ev = event(a, id);
  EXPECT_EQ(people(ev, "bass", "going"), (Ids{b.id, c.id, d.id, e.id, f.id, g.id}));
  EXPECT_TRUE(people(ev, "bass", "waitlist").empty());
  EXPECT_EQ(count(ev, "goingCount"), 11);
  EXPECT_EQ(count(ev, "waitlistCount"), 0);
}

TEST_P(LineupsTest, RemovingASlotRejoinsItsPeopleIntoTheGeneralLineUpInOrder) {
  const auto a = newAccount(), x = newAccount(), b = newAccount(), c = newAccount(), d = newAccount(), e = newAccount();
  const auto created = create(a, R"("capacity":3,)" + slotsJson({{"bass", 2}, {"drums", 1}}));
  const auto id = idOf(created);
  joinAs(x, id, "", going());  // one general place left
  joinAs(b, id, "bass", going("bass"));
  joinAs(c, id, "bass", going("bass"));
  joinAs(d, id, "bass", waiting("bass", 1));
  joinAs(e, id, "drums", going("drums"));
  patchOk(a, id, "{" + slotsJson({{"drums", 1}}) + "}");
  // Going first (b takes the free place, c waits), then the slot's waitlist (d).
  EXPECT_EQ(rsvpOf(b, id), going());
  EXPECT_EQ(rsvpOf(c, id), waiting("", 1));
  EXPECT_EQ(rsvpOf(d, id), waiting("", 2));
  EXPECT_EQ(rsvpOf(e, id), going("drums"));
  auto ev = event(a, id);
  EXPECT_EQ(slotNames(ev), (std::vector<std::string>{"drums"}));
  EXPECT_EQ(count(ev, "goingCount"), 4);  // a, x, b, e
  EXPECT_EQ(count(ev, "waitlistCount"), 2);
  // No general place free: e, who held a place, stands ahead of those already waiting, as
  // a shrink moves people back (API.md); c and d move down one.
  patchOk(a, id, R"({"slots":[]})");
  EXPECT_EQ(rsvpOf(e, id), waiting("", 1));
  EXPECT_EQ(rsvpOf(c, id), waiting("", 2));
  EXPECT_EQ(rsvpOf(d, id), waiting("", 3));
  ev = event(a, id);
  EXPECT_EQ(count(ev, "goingCount"), 3);
  EXPECT_EQ(count(ev, "waitlistCount"), 3);
  // Everyone stays a member of the event and of its chat.
  EXPECT_EQ(channelMembers(a, created->getValue<Poco::Int64>("channel")), sorted({a.id, x.id, b.id, c.id, d.id, e.id}));
}

TEST_P(LineupsTest, APatchDroppingASlotAndResizingTheGeneralPlacesSeatsItsPeopleFirst) {
  const auto a = newAccount(), x = newAccount(), y = newAccount(), w = newAccount(), e = newAccount();
  // `capacity` general places, full with a and those `placed`; w waits for one; e on drums.
  const auto full = [&](int capacity, const std::vector<const Account*>& placed) {
    const auto id = idOf(create(a, R"("capacity":)" + std::to_string(capacity) + "," + slotsJson({{"drums", 1}})));
    for (const auto* who : placed) joinAs(*who, id, "", going());
    joinAs(w, id, "", waiting("", 1));
    joinAs(e, id, "drums", going("drums"));
    return id;
  };
  // Growth: the new place is for e, whose drums place went with the slot, not for w who
  // waited for a general one.
  auto id = full(2, {&x});
  patchOk(a, id, R"({"capacity":3,"slots":[]})");
  EXPECT_EQ(rsvpOf(e, id), going());
  EXPECT_EQ(rsvpOf(w, id), waiting("", 1));
  // Shrink: y, the latest to take a general place, then e, stand ahead of w, in join order.
  id = full(3, {&x, &y});
  patchOk(a, id, R"({"capacity":2,"slots":[]})");
  EXPECT_EQ(rsvpOf(x, id), going());
  EXPECT_EQ(rsvpOf(y, id), waiting("", 1));
  EXPECT_EQ(rsvpOf(e, id), waiting("", 2));
  EXPECT_EQ(rsvpOf(w, id), waiting("", 3));
}

TEST_P(LineupsTest, TheCreatorOrAnAdminRemovesAnRsvpAndTheCreatorStays) {
  const auto a = newAccount(), b = newAccount(), c = newAccount(), d = newAccount(), outsider = newAccount();
  const auto boss = admin();
  const auto id = idOf(create(a, slotsJson({{"bass", 1}})));
  joinAs(b, id, "bass", going("bass"));
  joinAs(c, id, "bass", waiting("bass", 1));
  joinAs(d, id, "", going());
  expectProblem(removeMember(d, id, b.id), 403);
  expectProblem(removeMember(outsider, id, b.id), 403);
  EXPECT_EQ(rsvpOf(b, id), going("bass"));
  auto removed = removeMember(a, id, b.id);
  EXPECT_EQ(removed.status, 200) << removed.body;
  EXPECT_EQ(removed.header("content-type"), "text/plain; charset=utf-8");
  EXPECT_EQ(rsvpOf(c, id), going("bass"));  // promoted
  auto gone = event(b, id);
  expectNull(gone, "rsvp");
  EXPECT_FALSE(gone->getValue<bool>("joined"));
  EXPECT_TRUE(jsonArray(call("GET", "/v1/events/join", "", b.token))->size() == 0);
  expectProblem(removeMember(a, id, b.id), 404);  // not a member any more
  expectProblem(removeMember(a, id, outsider.id), 404);
  expectProblem(removeMember(a, id, 99999999), 404);
  expectProblem(removeMember(a, id, a.id), 409);  // the creator
  expectProblem(leave(a, id), 409);
  expectProblem(removeMember(a, 99999999, c.id), 404);
  expectProblem(call("DELETE", "/v1/events/" + std::to_string(id) + "/members/" + std::to_string(c.id)), 401);
  // An admin may too, but not the creator either.
  EXPECT_EQ(removeMember(boss, id, d.id).status, 200);
  EXPECT_EQ(rsvpOf(d, id), kNoRsvp);
  expectProblem(removeMember(boss, id, a.id), 409);
  // The admin's removal is audited; the creator's own is not.
  using Audit = std::vector<std::tuple<std::string, std::int64_t, std::int64_t>>;
  EXPECT_EQ(audit(boss), (Audit{{"event", id, boss.id}}));
  expectProblem(call("DELETE", "/v1/events/" + std::to_string(id) + "/members/abc", "", a.token), 404);
  expectProblem(call("DELETE", "/v1/events/" + std::to_string(id) + "/members/0", "", a.token), 404);
  auto ev = event(a, id);
  EXPECT_EQ(count(ev, "goingCount"), 2);  // a, c
  EXPECT_EQ(count(ev, "waitlistCount"), 0);
  EXPECT_EQ(rsvp(ev), going());
}

TEST_P(LineupsTest, AStartedEventRefusesJoinsAndMovesButLetsPeopleLeave) {
  auto a = newAccount(), b = newAccount(), c = newAccount(), d = newAccount(), bassist = newAccount();
  profile(bassist, R"({"instruments":[{"slug":"bass","level":"pro"}]})");
  const auto id = idOf(create(a, slotsJson({{"bass", 2}})));
  joinAs(b, id, "bass", going("bass"));
  joinAs(c, id, "bass", going("bass"));
  joinAs(d, id, "", going());
  ASSERT_EQ(leave(d, id).status, 200);
  patchOk(a, id, "{" + slotsJson({{"bass", 1}}) + "}");  // c waits now
  EXPECT_EQ(rsvpOf(c, id), waiting("bass", 1));
  EXPECT_EQ(ids(list(bassist, "forMe=true")), (Ids{id}));  // upcoming
  // Time passes: the start moves a minute into the past (the API refuses a start in the
  // past, so the store is changed while the server is down), and the server starts again.
  {
    auto store = stopAndOpenStore();
    store->runTransaction([&](mmm::DbSession& s) {
      execute(s, "UPDATE events SET starts_at = " + std::to_string(mmm::nowMillis() - 60000) + " WHERE id = " + std::to_string(id));
    });
  }
  startServer(kUsersWithAdmin + kMusiciansPlugin + kChatPlugin + kMeetupsPlugin, "", kHub);
  for (auto* who : {&a, &b, &c, &d, &bassist}) signIn(*who);
  expectProblem(join(d, id), 409);
  expectProblem(join(d, id, "bass"), 409);
  expectProblem(join(b, id), 409);  // a move
  expectProblem(join(b, id, "bass"), 409);  // "the same again" too
  EXPECT_EQ(rsvpOf(b, id), going("bass"));
  EXPECT_EQ(rsvpOf(d, id), kNoRsvp);
  EXPECT_TRUE(list(bassist, "forMe=true")->size() == 0);  // no longer upcoming
  EXPECT_EQ(leave(c, id).status, 200);
  EXPECT_EQ(leave(b, id).status, 200);
  EXPECT_EQ(count(event(a, id), "goingCount"), 1);
}

// --- Races: the counts hold under any concurrency.

TEST_P(LineupsTest, FiftyRacingForThreeBassPlacesLeaveThreeGoingAndFortySevenWaiting) {
  const auto a = newAccount();
  const auto created = create(a, slotsJson({{"bass", 3}}));
  const auto id = idOf(created);
  const auto people50 = accounts(50);
  std::vector<int> statuses(50);
  std::vector<Rsvp> answers(50);
  {
    Threads threads;
    for (std::size_t n = 0; n < people50.size(); ++n)
      threads.emplace_back([&, n] {
        auto reply = join(people50[n], id, "bass");
        statuses[n] = reply.status;
        if (reply.status == 201) answers[n] = rsvp(json(reply));
      });
  }
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 201), 50);
  // The answers agree: 3 places, and waitlist positions 1…47 each given once.
  std::multiset<std::int64_t> answered;
  int answeredGoing = 0;
  for (const auto& r : answers) {
    if (r == going("bass")) ++answeredGoing;
    else if (r.state == "waitlisted" && r.instrument == "bass") answered.insert(r.position);
  }
  EXPECT_EQ(answeredGoing, 3);
  std::multiset<std::int64_t> oneTo47;
  for (int n = 1; n <= 47; ++n) oneTo47.insert(n);
  EXPECT_EQ(answered, oneTo47);
  // And so does the event, and each one's rsvp.
  auto ev = event(a, id);
  EXPECT_EQ(count(ev, "goingCount"), 4);
  EXPECT_EQ(count(ev, "memberCount"), 4);
  EXPECT_EQ(count(ev, "waitlistCount"), 47);
  const auto goingIds = people(ev, "bass", "going"), waitlist = people(ev, "bass", "waitlist");
  EXPECT_EQ(goingIds.size(), 3u);
  ASSERT_EQ(waitlist.size(), 47u);
  std::set<std::int64_t> positions;
  for (const auto& p : people50) {
    const auto r = rsvpOf(p, id);
    if (r.state == "going") {
      EXPECT_EQ(r, going("bass"));
      EXPECT_NE(std::find(goingIds.begin(), goingIds.end(), p.id), goingIds.end());
    } else {
      ASSERT_EQ(r.state, "waitlisted") << p.id;
      EXPECT_EQ(r.instrument, "bass");
      ASSERT_TRUE(r.position >= 1 && r.position <= 47) << r;
      EXPECT_TRUE(positions.insert(r.position).second) << "position " << r.position << " twice";
      EXPECT_EQ(waitlist[static_cast<std::size_t>(r.position - 1)], p.id);
    }
  }
  EXPECT_EQ(positions.size(), 47u);
  // All 50 are in the event's chat.
  Ids everyone = idsOf(people50);
  everyone.push_back(a.id);
  EXPECT_EQ(channelMembers(a, created->getValue<Poco::Int64>("channel")), sorted(everyone));
}

TEST_P(LineupsTest, TwentyLeavingAtOncePromoteExactlyTwentyInWaitlistOrder) {
  const auto a = newAccount();
  const auto id = idOf(create(a, slotsJson({{"bass", 20}})));
  const auto goers = accounts(20), waiters = accounts(25);
  for (const auto& g : goers) joinAs(g, id, "bass", going("bass"));
  joinWaitlistAll(id, "bass", waiters);
  std::atomic<int> left{0};
  {
    Threads threads;
    for (const auto& g : goers)
      threads.emplace_back([&, token = g.token] {
        Account who;
        who.token = token;
        if (leave(who, id).status == 200) ++left;
      });
  }
  EXPECT_EQ(left.load(), 20);
  auto ev = event(a, id);
  const Ids waiterIds = idsOf(waiters);
  EXPECT_EQ(people(ev, "bass", "going"), Ids(waiterIds.begin(), waiterIds.begin() + 20));  // each leave promoted the head
  EXPECT_EQ(people(ev, "bass", "waitlist"), Ids(waiterIds.begin() + 20, waiterIds.end()));
  EXPECT_EQ(count(ev, "goingCount"), 21);
  EXPECT_EQ(count(ev, "waitlistCount"), 5);
  for (std::size_t n = 0; n < waiters.size(); ++n)
    EXPECT_EQ(rsvpOf(waiters[n], id), n < 20 ? going("bass") : waiting("bass", static_cast<std::int64_t>(n - 19)));
  for (const auto& g : goers) EXPECT_EQ(rsvpOf(g, id), kNoRsvp);
}

TEST_P(LineupsTest, AShrinkFromFiveToTwoRacingJoinsAndLeavesKeepsTheOrderAndNoGaps) {
  const auto a = newAccount();
  const auto id = idOf(create(a, slotsJson({{"bass", 5}})));
  const auto goers = accounts(5), waiters = accounts(3), joiners = accounts(10);
  for (const auto& g : goers) joinAs(g, id, "bass", going("bass"));
  joinWaitlistAll(id, "bass", waiters);
  std::atomic<int> failures{0};
  {
    Threads threads;
    threads.emplace_back([&] {
      auto reply = patch(a, id, "{" + slotsJson({{"bass", 2}}) + "}");
      if (reply.status != 200) ++failures;
    });
    threads.emplace_back([&] {
      if (leave(waiters[1], id).status != 200) ++failures;
    });
    for (const auto& j : joiners)
      threads.emplace_back([&, token = j.token] {
        Account who;
        who.token = token;
        if (join(who, id, "bass").status != 201) ++failures;
      });
  }
  EXPECT_EQ(failures.load(), 0);
  auto ev = event(a, id);
  EXPECT_EQ(count(slot(ev, "bass"), "count"), 2);
  EXPECT_EQ(people(ev, "bass", "going"), (Ids{goers[0].id, goers[1].id}));
  const auto waitlist = people(ev, "bass", "waitlist");
  ASSERT_EQ(waitlist.size(), 15u);  // 3 moved back, 2 waiters left, 10 joiners
  // The three moved back lead, in join order, ahead of those already waiting (in theirs);
  // the joiners follow in whatever order they came.
  EXPECT_EQ(Ids(waitlist.begin(), waitlist.begin() + 5),
            (Ids{goers[2].id, goers[3].id, goers[4].id, waiters[0].id, waiters[2].id}));
  EXPECT_EQ(sorted(Ids(waitlist.begin() + 5, waitlist.end())), sorted(idsOf(joiners)));
  EXPECT_EQ(count(ev, "goingCount"), 3);
  EXPECT_EQ(count(ev, "waitlistCount"), 15);
  // Each one's position is their place in that list: 1…15, no gaps.
  std::vector<Account> everyone(goers.begin() + 2, goers.end());
  everyone.push_back(waiters[0]);
  everyone.push_back(waiters[2]);
  everyone.insert(everyone.end(), joiners.begin(), joiners.end());
  for (const auto& p : everyone) {
    const auto at = std::find(waitlist.begin(), waitlist.end(), p.id);
    ASSERT_NE(at, waitlist.end());
    EXPECT_EQ(rsvpOf(p, id), waiting("bass", at - waitlist.begin() + 1));
  }
  EXPECT_EQ(rsvpOf(waiters[1], id), kNoRsvp);
}

// Joins, moves and leaves from many clients at once while the creator resizes and removes
// slots: whatever the interleaving, the end state obeys every rule.
TEST_P(LineupsTest, RacingJoinsMovesLeavesAndResizesKeepEveryRule) {
  const auto a = newAccount();
  const auto created = create(a, R"("capacity":3,)" + slotsJson({{"bass", 3}, {"drums", 2}}));
  const auto id = idOf(created);
  const auto crowd = accounts(24);
  const std::vector<std::string> choices{"bass", "drums", ""};
  std::atomic<int> unexpected{0};
  std::mutex log;
  std::vector<std::string> surprises;
  const auto surprise = [&](const std::string& what) {
    ++unexpected;
    std::lock_guard lock(log);
    surprises.push_back(what);
  };
  {
    Threads threads;
    for (std::size_t n = 0; n < crowd.size(); ++n)
      threads.emplace_back([&, n] {
        for (std::size_t step = 0; step < 6; ++step) {
          if ((n + step) % 4 == 3) {
            const auto reply = leave(crowd[n], id);
            if (reply.status != 200 && reply.status != 404) surprise("leave " + std::to_string(reply.status) + " " + reply.body);
            continue;
          }
          const auto& instrument = choices[(n * 7 + step) % 3];
          const auto reply = join(crowd[n], id, instrument);
          // drums may be gone for a while (400: no slot for it).
          const bool fine = reply.status == 200 || reply.status == 201 || (reply.status == 400 && instrument == "drums");
          if (!fine) surprise("join " + instrument + " " + std::to_string(reply.status) + " " + reply.body);
        }
      });
    threads.emplace_back([&] {
      for (const std::string& body :
           {"{" + slotsJson({{"bass", 1}, {"drums", 3}}) + "}", std::string(R"({"capacity":1})"),
            "{" + slotsJson({{"bass", 4}}) + "}", std::string(R"({"capacity":null})"),
            "{" + slotsJson({{"bass", 2}, {"drums", 1}}) + "}", std::string(R"({"capacity":2})")}) {
        const auto reply = patch(a, id, body);
        if (reply.status != 200) surprise("patch " + body + " " + std::to_string(reply.status) + " " + reply.body);
      }
    });
  }
  EXPECT_EQ(unexpected.load(), 0) << ::testing::PrintToString(surprises);

  auto ev = event(a, id);
  EXPECT_EQ(slotNames(ev), (std::vector<std::string>{"bass", "drums"}));
  EXPECT_EQ(count(ev, "capacity"), 2);
  std::int64_t slotGoing = 0, slotWaiting = 0;
  std::map<std::string, std::pair<Ids, Ids>> lists;  // instrument -> going, waitlist
  for (const std::string instrument : {"bass", "drums"}) {
    const auto going = people(ev, instrument, "going"), waits = people(ev, instrument, "waitlist");
    const auto places = count(slot(ev, instrument), "count");
    EXPECT_LE(static_cast<std::int64_t>(going.size()), places) << instrument;
    if (!waits.empty()) {
      EXPECT_EQ(static_cast<std::int64_t>(going.size()), places) << instrument << ": a free place and a waitlist";
    }
    slotGoing += static_cast<std::int64_t>(going.size());
    slotWaiting += static_cast<std::int64_t>(waits.size());
    lists[instrument] = {going, waits};
  }
  // Every rsvp agrees with the lists; the general line-up has no gaps and no free place
  // while anyone waits for one.
  std::int64_t generalGoing = 0;
  std::set<std::int64_t> generalPositions;
  Ids members{a.id};
  EXPECT_EQ(rsvpOf(a, id).state.empty(), false);
  std::vector<std::pair<const Account*, Rsvp>> all{{&a, rsvpOf(a, id)}};
  for (const auto& p : crowd) all.emplace_back(&p, rsvpOf(p, id));
  for (const auto& [who, r] : all) {
    SCOPED_TRACE("user " + std::to_string(who->id));
    if (r.state.empty()) {
      EXPECT_TRUE(jsonArray(call("GET", "/v1/events/join", "", who->token))->size() == 0);
      continue;
    }
    if (who != &a) members.push_back(who->id);
    EXPECT_EQ(ids(jsonArray(call("GET", "/v1/events/join", "", who->token))), (Ids{id}));
    if (r.instrument.empty()) {
      if (r.state == "going") {
        ++generalGoing;
        EXPECT_EQ(r.position, 0);
      } else {
        EXPECT_EQ(r.state, "waitlisted");
        EXPECT_TRUE(generalPositions.insert(r.position).second) << "position " << r.position << " twice";
      }
      continue;
    }
    ASSERT_TRUE(lists.count(r.instrument)) << r;
    const auto& [going, waits] = lists[r.instrument];
    if (r.state == "going") {
      EXPECT_EQ(r.position, 0);
      EXPECT_NE(std::find(going.begin(), going.end(), who->id), going.end()) << r;
    } else {
      ASSERT_TRUE(r.position >= 1 && r.position <= static_cast<std::int64_t>(waits.size())) << r;
      EXPECT_EQ(waits[static_cast<std::size_t>(r.position - 1)], who->id) << r;
    }
  }
  const auto generalWaiting = static_cast<std::int64_t>(generalPositions.size());
  if (generalWaiting) {
    EXPECT_EQ(*generalPositions.begin(), 1);
    EXPECT_EQ(*generalPositions.rbegin(), generalWaiting);  // with no repeats: 1…n
  }
  EXPECT_LE(generalGoing, 2);
  if (generalWaiting) {
    EXPECT_EQ(generalGoing, 2) << "a free general place and a waitlist";
  }
  EXPECT_EQ(count(ev, "goingCount"), slotGoing + generalGoing);
  EXPECT_EQ(count(ev, "memberCount"), slotGoing + generalGoing);
  EXPECT_EQ(count(ev, "waitlistCount"), slotWaiting + generalWaiting);
  EXPECT_EQ(static_cast<std::int64_t>(members.size()), slotGoing + slotWaiting + generalGoing + generalWaiting);
  EXPECT_EQ(channelMembers(a, created->getValue<Poco::Int64>("channel")), sorted(members));
}

TEST_P(LineupsTest, JoinsRacingACancelOrADeleteGetClearAnswers) {
  const auto a = newAccount();
  const auto crowd = accounts(20);
  const auto cancelled = idOf(create(a, slotsJson({{"bass", 2}})));
  const auto deleted = idOf(create(a, slotsJson({{"bass", 2}})));
  std::vector<int> toCancelled(crowd.size()), toDeleted(crowd.size());
  int cancelStatus = 0, deleteStatus = 0;
  {
    Threads threads;
    for (std::size_t n = 0; n < crowd.size(); ++n)
      threads.emplace_back([&, n] {
        toCancelled[n] = join(crowd[n], cancelled, n % 2 ? "bass" : "").status;
        toDeleted[n] = join(crowd[n], deleted, n % 2 ? "bass" : "").status;
      });
    threads.emplace_back([&] { cancelStatus = cancel(a, cancelled, R"({"reason":"Flood"})").status; });
    threads.emplace_back([&] { deleteStatus = call("DELETE", "/v1/events/" + std::to_string(deleted), "", a.token).status; });
  }
  EXPECT_EQ(cancelStatus, 200);
  EXPECT_EQ(deleteStatus, 200);
  int joinedCancelled = 0;
  for (std::size_t n = 0; n < crowd.size(); ++n) {
    EXPECT_TRUE(toCancelled[n] == 201 || toCancelled[n] == 409) << toCancelled[n];
    EXPECT_TRUE(toDeleted[n] == 201 || toDeleted[n] == 404) << toDeleted[n];
    const auto r = rsvpOf(crowd[n], cancelled);
    EXPECT_EQ(!r.state.empty(), toCancelled[n] == 201) << "user " << crowd[n].id << " " << r;
    joinedCancelled += toCancelled[n] == 201;
  }
  auto ev = event(a, cancelled);
  EXPECT_EQ(ev->getValue<std::string>("status"), "cancelled");
  EXPECT_EQ(count(ev, "goingCount") + count(ev, "waitlistCount"), joinedCancelled + 1);
  expectProblem(call("GET", "/v1/events/" + std::to_string(deleted), "", a.token), 404);
  for (const auto& p : crowd) {
    EXPECT_EQ(ids(jsonArray(call("GET", "/v1/events/join", "", p.token))).size(), rsvpOf(p, cancelled).state.empty() ? 0u : 1u);
  }
}

// --- Cancelling.

TEST_P(LineupsTest, CancellingPostsInTheChatRefusesJoinsAndHidesTheEventFromTheList) {
  const auto a = newAccount(), b = newAccount(), c = newAccount(), d = newAccount(), outsider = newAccount();
  const auto boss = admin();
  const auto created = create(a, slotsJson({{"bass", 1}}));
  const auto id = idOf(created);
  const auto channel = created->getValue<Poco::Int64>("channel");
  const auto other = idOf(create(a, "", iso(dayMs(8))));
  joinAs(b, id, "bass", going("bass"));
  joinAs(c, id, "", going());
  expectProblem(cancel(b, id, R"({"reason":"mine"})"), 403);
  expectProblem(cancel(outsider, id), 403);
  expectProblem(cancel(a, 99999999), 404);
  expectProblem(call("POST", "/v1/events/" + std::to_string(id) + "/cancel", "{}"), 401);
  expectProblem(cancel(a, id, R"({"reason":")" + std::string(501, 'r') + "\"}"), 400);
  expectProblem(cancel(a, id, R"({"reason":5})"), 400);
  EXPECT_EQ(event(a, id)->getValue<std::string>("status"), "scheduled");

  auto reply = cancel(a, id, R"({"reason":"Rain"})");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(idOf(json(reply)), id);
  EXPECT_EQ(json(reply)->getValue<std::string>("status"), "cancelled");
  EXPECT_EQ(event(b, id)->getValue<std::string>("status"), "cancelled");
  const auto cancelMessages = [&](const Account& viewer, std::int64_t ch) {
    std::vector<std::pair<std::string, std::int64_t>> found;
    for (const auto& m : messages(viewer, ch))
      if (m.first.rfind("Cancelled", 0) == 0) found.push_back(m);
    return found;
  };
  using Messages = std::vector<std::pair<std::string, std::int64_t>>;
  EXPECT_EQ(cancelMessages(b, channel), (Messages{{"Cancelled: Rain", a.id}}));
  // Again: 200, nothing posted again.
  reply = cancel(a, id, R"({"reason":"Still raining"})");
  EXPECT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(json(reply)->getValue<std::string>("status"), "cancelled");
  EXPECT_EQ(cancelMessages(b, channel), (Messages{{"Cancelled: Rain", a.id}}));

  // No joining; leaving is fine.
  expectProblem(join(d, id), 409);
  expectProblem(join(d, id, "bass"), 409);
  expectProblem(join(c, id, "bass"), 409);  // a move
  expectProblem(join(b, id, "bass"), 409);  // a member's "the same again" too
  EXPECT_EQ(leave(c, id).status, 200);
  // Hidden from the list unless status=all.
  EXPECT_EQ(ids(list(d, "")), (Ids{other}));
  EXPECT_EQ(ids(list(d, "status=scheduled")), (Ids{other}));
  EXPECT_EQ(ids(list(d, "status=all")), (Ids{id, other}));
  for (const char* bad : {"status=bogus", "status=cancelled", "status=", "status=ALL"})
    expect400(call("GET", std::string("/v1/events?") + bad, "", d.token), "status");
  // Still edited and deleted; never un-cancelled.
  auto edited = patch(a, id, R"({"title":"Rained off"})");
  EXPECT_EQ(edited.status, 200) << edited.body;
  EXPECT_EQ(json(edited)->getValue<std::string>("status"), "cancelled");
  patch(a, id, R"({"status":"scheduled","title":"Back on"})");  // whatever the answer: no way back
  EXPECT_EQ(event(a, id)->getValue<std::string>("status"), "cancelled");
  EXPECT_EQ(ids(list(d, "")), (Ids{other}));

  // An admin cancels someone else's event; without a reason the message is "Cancelled".
  reply = cancel(boss, other);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(json(reply)->getValue<std::string>("status"), "cancelled");
  EXPECT_EQ(cancelMessages(a, event(a, other)->getValue<Poco::Int64>("channel")), (Messages{{"Cancelled", boss.id}}));
  using Audit = std::vector<std::tuple<std::string, std::int64_t, std::int64_t>>;
  EXPECT_EQ(audit(boss), (Audit{{"event", other, boss.id}}));  // the creator's own cancel is not audited
  // A reason of exactly 500 characters.
  const auto third = create(a);
  const std::string reason(500, 'r');
  EXPECT_EQ(cancel(a, idOf(third), R"({"reason":")" + reason + "\"}").status, 200);
  EXPECT_EQ(cancelMessages(a, third->getValue<Poco::Int64>("channel")), (Messages{{"Cancelled: " + reason, a.id}}));
  // An admin's reason goes into the audit log too.
  const auto fourth = idOf(create(a));
  EXPECT_EQ(cancel(boss, fourth, R"({"reason":"Double booked"})").status, 200);
  auto log = call("GET", "/v1/audit?limit=1", "", boss.token);
  ASSERT_EQ(log.status, 200) << log.body;
  auto entry = jsonArray(log)->getObject(0);
  EXPECT_EQ(entry->getValue<std::string>("action"), "event.cancel");
  EXPECT_EQ(entry->getValue<Poco::Int64>("targetID"), fourth);
  EXPECT_EQ(entry->getValue<std::string>("reason"), "Double booked");
  EXPECT_EQ(list(d, "")->size(), 0u);  // all three cancelled

  ASSERT_EQ(call("DELETE", "/v1/events/" + std::to_string(id), "", a.token).status, 200);
  expectProblem(call("GET", "/v1/events/" + std::to_string(id), "", a.token), 404);
}

// --- The event's chat.

TEST_P(LineupsTest, TheEventsChatHoldsEveryoneGoingOrWaitlisted) {
  const auto a = newAccount(), b = newAccount(), c = newAccount(), d = newAccount();
  const auto created = create(a, R"("capacity":1,)" + slotsJson({{"bass", 1}}));
  const auto id = idOf(created);
  const auto channel = created->getValue<Poco::Int64>("channel");
  joinAs(b, id, "bass", going("bass"));
  joinAs(c, id, "bass", waiting("bass", 1));
  joinAs(d, id, "", waiting("", 1));
  EXPECT_EQ(channelMembers(a, channel), sorted({a.id, b.id, c.id, d.id}));
  EXPECT_EQ(call("GET", "/v1/channels/" + std::to_string(channel), "", c.token).status, 200);  // waitlisted: a reader
  EXPECT_EQ(call("POST", "/v1/channels/" + std::to_string(channel), R"({"body":"on the list"})", d.token).status, 201);
  ASSERT_EQ(leave(c, id).status, 200);
  EXPECT_EQ(channelMembers(a, channel), sorted({a.id, b.id, d.id}));
  expectProblem(call("GET", "/v1/channels/" + std::to_string(channel), "", c.token), 403);
  ASSERT_EQ(removeMember(a, id, d.id).status, 200);
  EXPECT_EQ(channelMembers(a, channel), sorted({a.id, b.id}));
  expectProblem(call("GET", "/v1/channels/" + std::to_string(channel), "", d.token), 403);
  auto moved = join(b, id);  // from bass to the (full) general waitlist: still a member
  EXPECT_LT(moved.status, 300) << moved.body;
  EXPECT_EQ(rsvpOf(b, id), waiting("", 1));
  EXPECT_EQ(channelMembers(a, channel), sorted({a.id, b.id}));
}

TEST_P(LineupsTest, WithChatOffLineUpsWorkAndTheChatCatchesUpWithTheWaitlistAtTheNextStart) {
  const std::string withoutChat = kUsersWithAdmin + kMusiciansPlugin + "  - name: chat\n    enabled: false\n" + kMeetupsPlugin;
  startServer(withoutChat, "", kHub);
  auto a = newAccount(), b = newAccount(), c = newAccount(), d = newAccount();
  const auto created = create(a, slotsJson({{"bass", 1}}));
  const auto id = idOf(created);
  expectNull(created, "channel");
  joinAs(b, id, "bass", going("bass"));
  joinAs(c, id, "bass", waiting("bass", 1));
  joinAs(d, id, "bass", waiting("bass", 2));
  ASSERT_EQ(leave(d, id).status, 200);
  auto cancelled = cancel(a, id, R"({"reason":"No room"})");  // no chat: nothing to post, still cancelled
  ASSERT_EQ(cancelled.status, 200) << cancelled.body;
  EXPECT_EQ(json(cancelled)->getValue<std::string>("status"), "cancelled");

  startServer(kUsersWithAdmin + kMusiciansPlugin + kChatPlugin + kMeetupsPlugin, "", kHub);  // chat on, same store
  for (auto* who : {&a, &b, &c, &d}) signIn(*who);  // (sessions kept in memory did not survive)
  auto now = event(a, id);
  ASSERT_FALSE(now->isNull("channel"));
  EXPECT_EQ(rsvp(now), going());
  EXPECT_EQ(rsvpOf(c, id), waiting("bass", 1));
  EXPECT_EQ(channelMembers(a, now->getValue<Poco::Int64>("channel")), sorted({a.id, b.id, c.id}));
  EXPECT_EQ(call("GET", "/v1/channels/" + std::to_string(now->getValue<Poco::Int64>("channel")), "", c.token).status, 200);
}

// --- GET /v1/events: instrument, open, near, forMe.

TEST_P(LineupsTest, ListFiltersByInstrumentAndFreePlaces) {
  const auto a = newAccount(), b = newAccount(), viewer = newAccount();
  const auto freeBass =
      idOf(create(a, R"("capacity":1,"lat":52.52,"lon":13.405,)" + slotsJson({{"bass", 1}}), iso(dayMs(1))));
  const auto fullBass =
      idOf(create(a, R"("capacity":1,"lat":52.62,"lon":13.405,)" + slotsJson({{"bass", 1}}), iso(dayMs(2))));
  const auto freeDrums = idOf(create(a, R"("capacity":1,)" + slotsJson({{"drums", 1}}), iso(dayMs(3))));
  const auto openGeneral = idOf(create(a, "", iso(dayMs(4))));
  const auto fullGeneral = idOf(create(a, R"("capacity":1)", iso(dayMs(5))));
  const auto cancelled = idOf(create(a, R"("capacity":1,)" + slotsJson({{"bass", 2}}), iso(dayMs(6))));
  joinAs(b, fullBass, "bass", going("bass"));
  ASSERT_EQ(cancel(a, cancelled).status, 200);
  EXPECT_EQ(ids(list(viewer, "instrument=bass")), (Ids{freeBass, fullBass}));
  EXPECT_EQ(ids(list(viewer, "instrument=bass&open=true")), (Ids{freeBass}));
  EXPECT_EQ(ids(list(viewer, "instrument=drums&open=true")), (Ids{freeDrums}));
  EXPECT_EQ(ids(list(viewer, "instrument=guitar")), Ids{});
  EXPECT_EQ(ids(list(viewer, "open=true")), (Ids{freeBass, freeDrums, openGeneral}));
  EXPECT_EQ(ids(list(viewer, "instrument=bass&status=all")), (Ids{freeBass, fullBass, cancelled}));
  EXPECT_EQ(ids(list(viewer, "instrument=bass&open=true&status=all")), (Ids{freeBass, cancelled}));
  EXPECT_EQ(list(viewer, "")->size(), 5u);
  EXPECT_EQ(ids(list(viewer, "instrument=bass&open=true&limit=1&offset=0")), (Ids{freeBass}));
  // A place freed makes the event open again.
  ASSERT_EQ(leave(b, fullBass).status, 200);
  EXPECT_EQ(ids(list(viewer, "instrument=bass&open=true")), (Ids{freeBass, fullBass}));
  EXPECT_EQ(ids(list(viewer, "open=true")), (Ids{freeBass, fullBass, freeDrums, openGeneral}));
  (void)fullGeneral;
  // With near: nearest first (not soonest), still filtered.
  EXPECT_EQ(ids(list(viewer, "instrument=bass&near=52.62,13.405")), (Ids{fullBass, freeBass}));
  ASSERT_EQ(call("POST", "/v1/events/join", R"({"id":)" + std::to_string(freeBass) + R"(,"instrument":"bass"})", b.token).status, 201);
  EXPECT_EQ(ids(list(viewer, "instrument=bass&open=true&near=52.62,13.405")), (Ids{fullBass}));
  auto nearest = list(viewer, "open=true&near=52.52,13.405&radiusKm=5");
  EXPECT_TRUE(nearest->size() == 0) << "freeBass is full now, and the others have no coordinates";
  expect400(call("GET", "/v1/events?instrument=kazoo-xyz", "", viewer.token), "instrument");
  expect400(call("GET", "/v1/events?instrument=Bass", "", viewer.token), "instrument");
  expect400(call("GET", "/v1/events?instrument=", "", viewer.token), "instrument");
  expect400(call("GET", "/v1/events?open=maybe", "", viewer.token), "open");
}

TEST_P(LineupsTest, NearListsEventsWithinTheRadiusNearestFirstWithHandComputedDistances) {
  const auto a = newAccount(), viewer = newAccount();
  const std::int64_t today = dayMs(0);  // one base, so that equal days are equal times
  const auto at = [&](int day, const std::string& coordinates) {
    return idOf(create(a, coordinates, iso(today + day * kDay)));
  };
  // From (52.52, 13.405), on a 6371 km sphere: 0.1 degree of latitude is 11.1 km.
  const auto here = at(5, R"("lat":52.52,"lon":13.405)");         // 0.0 km
  const auto north = at(3, R"("lat":52.62,"lon":13.405)");        // 11.1 km
  const auto northSooner = at(2, R"("lat":52.62,"lon":13.405)");  // 11.1 km, sooner
  const auto southWest = at(1, R"("lat":52.4567,"lon":13.3012)"); // 9.9 km
  const auto east = at(4, R"("lat":52.52,"lon":13.705)");         // 0.3 degrees of longitude: 20.3 km
  const auto tieFirst = at(6, R"("lat":52.70,"lon":13.40)");      // 20.0 km
  const auto tieSecond = at(6, R"("lat":52.70,"lon":13.40)");     // the same place and time: by id
  const auto far = at(1, R"("lat":52.80,"lon":13.405)");          // 31.1 km
  at(1, "");                                                       // no coordinates: never near
  const std::map<std::int64_t, double> expected{
      {here, 0.0}, {north, 11.1}, {northSooner, 11.1}, {southWest, 9.9}, {east, 20.3}, {tieFirst, 20.0}, {tieSecond, 20.0}, {far, 31.1}};
  const std::map<std::int64_t, std::pair<double, double>> where{
      {here, {52.52, 13.405}},    {north, {52.62, 13.405}},   {northSooner, {52.62, 13.405}}, {southWest, {52.4567, 13.3012}},
      {east, {52.52, 13.705}},    {tieFirst, {52.70, 13.40}}, {tieSecond, {52.70, 13.40}},    {far, {52.80, 13.405}}};
  const auto check = [&](const std::string& query, const Ids& order) {
    SCOPED_TRACE(query);
    auto events = list(viewer, query);
    EXPECT_EQ(ids(events), order);
    for (std::size_t i = 0; i < events->size(); ++i) {
      auto e = events->getObject(i);
      ASSERT_TRUE(e->has("distanceKm")) << idOf(e);
      const double got = e->getValue<double>("distanceKm");
      const auto [lat, lon] = where.at(idOf(e));
      EXPECT_NEAR(got, haversineKm(52.52, 13.405, lat, lon), 1e-9) << idOf(e);
      EXPECT_NEAR(got, expected.at(idOf(e)), 1e-9) << idOf(e);
    }
  };
  check("near=52.52,13.405", {here, southWest, northSooner, north, tieFirst, tieSecond, east});  // default 25 km
  check("near=52.52,13.405&radiusKm=32", {here, southWest, northSooner, north, tieFirst, tieSecond, east, far});
  check("near=52.52,13.405&radiusKm=31", {here, southWest, northSooner, north, tieFirst, tieSecond, east});
  check("near=52.52,13.405&radiusKm=10", {here, southWest});
  check("near=52.52,13.405&radiusKm=1", {here});
  check("near=52.52,13.405&radiusKm=500", {here, southWest, northSooner, north, tieFirst, tieSecond, east, far});
  check("near=52.52,13.405&limit=2&offset=1", {southWest, northSooner});
  // Without near: every event, soonest first, no distances.
  auto all = list(viewer, "");
  EXPECT_EQ(all->size(), 9u);
  for (std::size_t i = 0; i < all->size(); ++i) EXPECT_FALSE(all->getObject(i)->has("distanceKm"));
  for (const char* bad : {"radiusKm=0", "radiusKm=501", "radiusKm=-5", "radiusKm=abc", "radiusKm=0.5", "radiusKm="})
    expect400(call("GET", std::string("/v1/events?near=52.52,13.405&") + bad, "", viewer.token), "radiusKm");
  expect400(call("GET", "/v1/events?radiusKm=25", "", viewer.token), "radiusKm");  // without near
  for (const char* bad : {"near=52.52", "near=91,0", "near=0,181", "near=a,b", "near=", "near=52.52,13.405,1"})
    expect400(call("GET", std::string("/v1/events?") + bad, "", viewer.token), "near");
}

TEST_P(LineupsTest, ForMeRanksFreePlacesForMyInstrumentsFirstThenDistanceThenSoonest) {
  const auto a = newAccount(), b = newAccount(), me = newAccount(), noArea = newAccount(), none = newAccount(),
             emptyProfile = newAccount();
  profile(me, R"({"instruments":[{"slug":"bass","level":"advanced"},{"slug":"drums","level":"beginner"}],)"
              R"("area":{"name":"Mitte","lat":52.52,"lon":13.40}})");
  profile(noArea, R"({"instruments":[{"slug":"bass","level":"pro"},{"slug":"drums","level":"pro"}]})");
  profile(emptyProfile, R"({"instruments":[],"bio":"listening only"})");
  const auto at = [&](int day, const std::string& fields) { return idOf(create(a, fields, iso(dayMs(day)))); };
  const auto near3 = at(3, slotsJson({{"bass", 1}}) + R"(,"lat":52.53,"lon":13.40)");        // free, 1.1 km
  const auto near9 = at(9, slotsJson({{"drums", 1}}) + R"(,"lat":52.53,"lon":13.40)");       // free, 1.1 km, later
  const auto mid5 = at(5, slotsJson({{"bass", 1}, {"guitar", 2}}) + R"(,"lat":52.60,"lon":13.40)");  // free, 8.9 km
  const auto far7 = at(7, slotsJson({{"bass", 1}}) + R"(,"lat":40.71,"lon":-74.01)");        // free, New York
  const auto nowhere1 = at(1, slotsJson({{"bass", 1}}));                                       // free, no coordinates
  const auto full2 = at(2, slotsJson({{"bass", 1}}) + R"(,"lat":52.52,"lon":13.43)");        // full, 2.0 km
  joinAs(b, full2, "bass", going("bass"));
  at(4, slotsJson({{"guitar", 1}}) + R"(,"lat":52.52,"lon":13.40)");  // no slot of mine
  at(4, R"("lat":52.52,"lon":13.40)");                                // no slots at all
  const auto cancelled = at(4, slotsJson({{"bass", 1}}) + R"(,"lat":52.52,"lon":13.40)");
  ASSERT_EQ(cancel(a, cancelled).status, 200);

  auto mine = list(me, "forMe=true");
  EXPECT_EQ(ids(mine), (Ids{near3, near9, mid5, far7, nowhere1, full2}));
  const std::map<std::int64_t, double> distance{{near3, 1.1}, {near9, 1.1}, {mid5, 8.9}, {far7, 6385.2}, {full2, 2.0}};
  const std::map<std::int64_t, std::pair<double, double>> where{
      {near3, {52.53, 13.40}}, {near9, {52.53, 13.40}}, {mid5, {52.60, 13.40}}, {far7, {40.71, -74.01}}, {full2, {52.52, 13.43}}};
  for (std::size_t i = 0; i < mine->size(); ++i) {
    auto e = mine->getObject(i);
    const auto id = idOf(e);
    if (!distance.count(id)) continue;  // no coordinates, no distance
    ASSERT_TRUE(e->has("distanceKm")) << id;
    EXPECT_NEAR(e->getValue<double>("distanceKm"), distance.at(id), 1e-9) << id;
    EXPECT_NEAR(e->getValue<double>("distanceKm"), haversineKm(52.52, 13.40, where.at(id).first, where.at(id).second), 1e-9);
  }
  // Without an area: free places first, then soonest; no distances.
  auto unplaced = list(noArea, "forMe=true");
  EXPECT_EQ(ids(unplaced), (Ids{nowhere1, near3, mid5, far7, near9, full2}));
  for (std::size_t i = 0; i < unplaced->size(); ++i) EXPECT_FALSE(unplaced->getObject(i)->has("distanceKm"));
  // A place freed moves the event up.
  ASSERT_EQ(leave(b, full2).status, 200);
  EXPECT_EQ(ids(list(me, "forMe=true")), (Ids{near3, near9, full2, mid5, far7, nowhere1}));
  // Errors.
  for (const auto* who : {&none, &emptyProfile}) {
    auto refused = call("GET", "/v1/events?forMe=true", "", who->token);
    expectProblem(refused, 400);
    EXPECT_NE(refused.body.find("add an instrument to your musician profile"), std::string::npos) << refused.body;
  }
  expectProblem(call("GET", "/v1/events?forMe=true&near=52.52,13.40", "", me.token), 400);
  expect400(call("GET", "/v1/events?forMe=yes", "", me.token), "forMe");
}

// --- WebSocket pushes.

TEST_P(LineupsTest, ALeavePushesTheUpdateToMembersAndTheRsvpToThePromoted) {
  const auto a = newAccount(), b = newAccount(), c = newAccount(), outsider = newAccount();
  const auto id = idOf(create(a, slotsJson({{"bass", 1}})));
  Pushes sa(port_, a.token), sb(port_, b.token), sc(port_, c.token), so(port_, outsider.token);
  for (auto* s : {&sa, &sb, &sc, &so}) ASSERT_EQ(s->status(), 101);
  joinAs(b, id, "bass", going("bass"));
  joinAs(c, id, "bass", waiting("bass", 1));
  mark(a, "ready");
  for (auto* s : {&sa, &sb, &sc, &so}) s->until("ready");

  ASSERT_EQ(leave(b, id).status, 200);
  const auto promoted = [&](const Frame& f) {
    auto r = f->getObject("rsvp");
    return r && r->getValue<std::string>("state") == "going";
  };
  auto rsvpPush = sc.take(pushOf("rsvp-update", id, promoted));
  ASSERT_TRUE(rsvpPush) << "no rsvp-update for the promoted user";
  auto r = rsvpPush->getObject("rsvp");
  EXPECT_EQ(r->getValue<std::string>("state"), "going");
  EXPECT_EQ(r->getValue<std::string>("instrument"), "bass");
  expectNull(r, "position");
  // Every member hears of the new line-up (without their own rsvp), and so does the one who left.
  const auto afterLeave = [&](const Frame& f) {
    auto e = f->getObject("event");
    return people(e, "bass", "going") == Ids{c.id};
  };
  for (auto* s : {&sa, &sc, &sb}) {
    auto update = s->take(pushOf("event-update", id, afterLeave));
    ASSERT_TRUE(update) << "no event-update";
    auto e = update->getObject("event");
    EXPECT_FALSE(e->has("rsvp"));
    EXPECT_FALSE(e->has("joined"));
    EXPECT_EQ(e->getValue<std::string>("title"), "Jam");
    EXPECT_EQ(count(e, "goingCount"), 2);
    EXPECT_EQ(count(e, "memberCount"), 2);
    EXPECT_EQ(count(e, "waitlistCount"), 0);
    EXPECT_TRUE(people(e, "bass", "waitlist").empty());
  }
  mark(a, "after leave");
  for (const auto& f : so.until("after leave")) {
    const auto type = f->getValue<std::string>("type");
    EXPECT_TRUE(type != "event-update" && type != "rsvp-update" && type != "event-delete") << "the outsider got " << type;
  }

  ASSERT_EQ(call("DELETE", "/v1/events/" + std::to_string(id), "", a.token).status, 200);
  for (auto* s : {&sa, &sc}) EXPECT_TRUE(s->take(pushOf("event-delete", id))) << "no event-delete";
  mark(a, "after delete");
  for (const auto& f : so.until("after delete"))
    EXPECT_NE(f->getValue<std::string>("type"), "event-delete") << "the outsider got it";
}

TEST_P(LineupsTest, ShrinkGrowthAndRemovalPushTheirRsvpToThoseMoved) {
  const auto a = newAccount(), b = newAccount(), c = newAccount(), d = newAccount();
  const auto id = idOf(create(a, slotsJson({{"bass", 2}})));
  Pushes sb(port_, b.token), sc(port_, c.token), sd(port_, d.token);
  for (auto* s : {&sb, &sc, &sd}) ASSERT_EQ(s->status(), 101);
  joinAs(b, id, "bass", going("bass"));
  joinAs(c, id, "bass", going("bass"));
  joinAs(d, id, "bass", waiting("bass", 1));
  mark(a, "ready");
  for (auto* s : {&sb, &sc, &sd}) s->until("ready");
  const auto state = [](const std::string& want) {
    return [want](const Frame& f) {
      if (f->isNull("rsvp")) return want.empty();
      return f->getObject("rsvp")->getValue<std::string>("state") == want;
    };
  };

  patchOk(a, id, "{" + slotsJson({{"bass", 1}}) + "}");  // c back to the head of the waitlist
  auto back = sc.take(pushOf("rsvp-update", id, state("waitlisted")));
  ASSERT_TRUE(back) << "no rsvp-update for the one a shrink moved back";
  EXPECT_EQ(back->getObject("rsvp")->getValue<std::string>("instrument"), "bass");
  EXPECT_EQ(back->getObject("rsvp")->getValue<Poco::Int64>("position"), 1);
  EXPECT_EQ(back->getValue<std::string>("reason"), "moved-back");
  EXPECT_TRUE(sb.take(pushOf("event-update", id))) << "no event-update after the shrink";

  patchOk(a, id, "{" + slotsJson({{"bass", 3}}) + "}");  // c and d promoted
  for (auto* s : {&sc, &sd}) {
    auto up = s->take(pushOf("rsvp-update", id, state("going")));
    ASSERT_TRUE(up) << "no rsvp-update for one growth promoted";
    EXPECT_EQ(up->getObject("rsvp")->getValue<std::string>("instrument"), "bass");
    EXPECT_EQ(up->getValue<std::string>("reason"), "promoted");
  }

  ASSERT_EQ(removeMember(a, id, c.id).status, 200);
  auto removed = sc.take(pushOf("rsvp-update", id, state("")));
  ASSERT_TRUE(removed) << "no rsvp-update (null) for the removed user";
  EXPECT_EQ(removed->getValue<std::string>("reason"), "removed");
  EXPECT_TRUE(sc.take(pushOf("event-update", id, [&](const Frame& f) {
    return people(f->getObject("event"), "bass", "going") == Ids{b.id, d.id};
  }))) << "the removed user's page is not updated";

  // The bass slot dropped: b and d keep a general place (no capacity), and hear why.
  patchOk(a, id, R"({"slots":[]})");
  for (auto* s : {&sb, &sd}) {
    auto kept = s->take(pushOf("rsvp-update", id, state("going")));
    ASSERT_TRUE(kept) << "no rsvp-update for one whose slot was dropped";
    EXPECT_TRUE(kept->getObject("rsvp")->isNull("instrument"));
    EXPECT_EQ(kept->getValue<std::string>("reason"), "slot-removed");
  }

  ASSERT_EQ(cancel(a, id, R"({"reason":"Snow"})").status, 200);
  for (auto* s : {&sb, &sd}) {
    EXPECT_TRUE(s->take(pushOf("event-update", id, [](const Frame& f) {
      return f->getObject("event")->getValue<std::string>("status") == "cancelled";
    }))) << "no event-update for the cancel";
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, LineupsTest, ::testing::Values(Backends::SQLiteMemory, Backends::MariaDBRedis),
                         backendsName);

// --- Without the musicians plugin: no vocabulary, no forMe.

namespace {

class LineupsWithoutMusiciansTest : public LineupsTest {
 protected:
  void SetUp() override {
    startServer(kUsersPlugin + "  - name: musicians\n    enabled: false\n" + kChatPlugin + kMeetupsPlugin, "", kHub);
  }
};

}  // namespace

TEST_P(LineupsWithoutMusiciansTest, ForMeNeedsTheMusiciansPlugin) {
  const auto a = newAccount();
  create(a, slotsJson({{"bass", 1}}));
  auto refused = call("GET", "/v1/events?forMe=true", "", a.token);
  expectProblem(refused, 400);
  EXPECT_NE(refused.body.find("forMe needs the musicians plugin"), std::string::npos) << refused.body;
  expectProblem(call("GET", "/v1/instruments", "", a.token), 404);
}

TEST_P(LineupsWithoutMusiciansTest, AnyLowercaseSlugNamesASlot) {
  const auto a = newAccount(), b = newAccount();
  const auto id = idOf(create(a, slotsJson({{"nose-flute", 1}, {"bass", 2}})));
  EXPECT_EQ(slotNames(event(a, id)), (std::vector<std::string>{"nose-flute", "bass"}));
  joinAs(b, id, "nose-flute", going("nose-flute"));
  expectProblem(join(b, id, "kazoo"), 400);  // no slot for it
  EXPECT_EQ(ids(list(b, "instrument=nose-flute")), (Ids{id}));
  for (const char* bad : {"Nose-Flute", "nose flute", "", "b\\u00e4ss"})
    expectProblem(call("POST", "/v1/events", eventBody(slotsJson({{bad, 1}})), a.token), 400);
  std::vector<std::pair<std::string, int>> many;
  for (char letter = 'a'; letter < 'a' + 21; ++letter) many.emplace_back(std::string("slot-") + letter, 1);
  expectProblem(call("POST", "/v1/events", eventBody(slotsJson(many)), a.token), 400);
  many.pop_back();
  EXPECT_EQ(create(a, slotsJson(many))->getArray("slots")->size(), 20u);
}

INSTANTIATE_TEST_SUITE_P(Backends, LineupsWithoutMusiciansTest,
                         ::testing::Values(Backends::SQLiteMemory, Backends::MariaDBRedis), backendsName);
