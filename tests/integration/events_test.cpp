// The Meetup events section of the API contract through real HTTP against a running
// mmm-server, on SQLite and MariaDB, with the chat plugin disabled (events_chat_test.cpp
// covers the channels).
#include "api_fixture.hpp"

#include <mmm/time.hpp>

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>

using namespace mmm::test;

namespace {

const std::string kMeetupsWithoutChat = kUsersPlugin + kMeetupsPlugin +
                                        "  - name: chat\n"
                                        "    enabled: false\n";

// An RFC 3339 time `days` from now (whole seconds), plus `minutes`.
std::string inDays(int days, int minutes = 0) {
  const std::int64_t millis = mmm::nowMillis() + (days * 86400LL + minutes * 60LL) * 1000;
  return mmm::formatRfc3339(millis / 1000 * 1000);
}

std::string eventBody(const std::string& title, const std::string& datetime, const std::string& location = "Ballard Commons",
                      const std::string& description = "Bring a fiddle") {
  return R"({"title":")" + title + R"(","datetime":")" + datetime + R"(","location":")" + location +
         R"(","description":")" + description + R"("})";
}

class EventsTest : public ApiTest {
 protected:
  void SetUp() override { startServer(kMeetupsWithoutChat); }

  Poco::JSON::Object::Ptr createEvent(const Account& who, const std::string& body) {
    auto reply = call("POST", "/v1/events", body, who.token);
    EXPECT_EQ(reply.status, 201) << reply.body;
    return json(reply);
  }
  static std::vector<std::int64_t> ids(const Poco::JSON::Array::Ptr& events) {
    std::vector<std::int64_t> out;
    for (std::size_t i = 0; i < events->size(); ++i) out.push_back(events->getObject(i)->getValue<Poco::Int64>("id"));
    return out;
  }
};

}  // namespace

TEST_P(EventsTest, CreateReturnsTheEventWithCreatorJoinedAndNoChannel) {
  const auto a = newAccount();
  const std::string when = inDays(7);
  auto reply = call("POST", "/v1/events", eventBody("Sunday folk jam", when), a.token);
  EXPECT_EQ(reply.status, 201) << reply.body;
  EXPECT_EQ(reply.header("content-type"), "application/json");
  auto event = json(reply);
  EXPECT_GT(event->getValue<Poco::Int64>("id"), 0);
  EXPECT_EQ(event->getValue<std::string>("title"), "Sunday folk jam");
  EXPECT_EQ(event->getValue<std::string>("datetime"), when);
  EXPECT_EQ(event->getValue<std::string>("location"), "Ballard Commons");
  EXPECT_EQ(event->getValue<std::string>("description"), "Bring a fiddle");
  EXPECT_TRUE(event->isNull("channel"));
  EXPECT_EQ(event->getObject("creator")->getValue<Poco::Int64>("id"), a.id);
  EXPECT_FALSE(event->getObject("creator")->has("email"));
  EXPECT_EQ(event->getValue<Poco::Int64>("memberCount"), 1);
  EXPECT_TRUE(event->getValue<bool>("joined"));
  EXPECT_EQ(reply.header("location"), "/v1/events/" + std::to_string(event->getValue<Poco::Int64>("id")));
}

TEST_P(EventsTest, DatetimesAreStoredAndReturnedInUtc) {
  const auto a = newAccount();
  const std::string local = inDays(3).substr(0, 10) + "T19:30:00.250+02:00";
  auto event = createEvent(a, eventBody("Offset", local));
  EXPECT_EQ(event->getValue<std::string>("datetime"), inDays(3).substr(0, 10) + "T17:30:00.250Z");
}

TEST_P(EventsTest, CreateValidation) {
  const auto a = newAccount();
  const std::string future = inDays(2);
  expectProblem(call("POST", "/v1/events", eventBody("Jam", "next tuesday"), a.token), 400);
  expectProblem(call("POST", "/v1/events", eventBody("Jam", "2020-01-01T10:00:00Z"), a.token), 400);  // past
  expectProblem(call("POST", "/v1/events", eventBody("", future), a.token), 400);
  expectProblem(call("POST", "/v1/events", eventBody(std::string(256, 't'), future), a.token), 400);
  expectProblem(call("POST", "/v1/events", eventBody("Jam", future, std::string(256, 'l')), a.token), 400);
  expectProblem(call("POST", "/v1/events", eventBody("Jam", future, "Here", std::string(4001, 'd')), a.token), 400);
  expectProblem(call("POST", "/v1/events", R"({"title":"Jam","location":"Here"})", a.token), 400);
  expectProblem(call("POST", "/v1/events", R"({"title":5,"datetime":")" + future + R"(","location":"Here"})", a.token), 400);
  expectProblem(call("POST", "/v1/events", "{", a.token), 400);
  expectProblem(request(port_, "POST", "/v1/events", "Content-Type: text/plain\r\nAuthorization: Bearer " + a.token + "\r\n",
                        eventBody("Jam", future)),
                415);
  expectProblem(call("POST", "/v1/events", eventBody("Jam", future)), 401);
  // Exactly at the limits is fine.
  createEvent(a, eventBody(std::string(255, 't'), future, std::string(255, 'l'), std::string(4000, 'd')));
  EXPECT_EQ(jsonArray(call("GET", "/v1/events", "", a.token))->size(), 1u);
}

TEST_P(EventsTest, ControlCharactersInTextAre400) {
  const auto a = newAccount();
  const std::string future = inDays(2);
  for (const char* bad : {"a\\u0000b", "a\\u001bb", "a\\u0085b", "a\\nb", "a\\tb"}) {
    expectProblem(call("POST", "/v1/events", eventBody(bad, future), a.token), 400);
    expectProblem(call("POST", "/v1/events", eventBody("Jam", future, bad), a.token), 400);
  }
  for (const char* bad : {"a\\u0000b", "a\\u001bb", "a\\u0085b", "a\\rb"})
    expectProblem(call("POST", "/v1/events", eventBody("Jam", future, "Here", bad), a.token), 400);
  // A description may have lines and tabs; they come back as sent.
  auto event = createEvent(a, eventBody("Jam", future, "Here", "bring:\\n\\ta fiddle"));
  EXPECT_EQ(event->getValue<std::string>("description"), "bring:\n\ta fiddle");
  const std::string path = "/v1/events/" + std::to_string(event->getValue<Poco::Int64>("id"));
  expectProblem(call("PATCH", path, R"({"title":"a\u0000b"})", a.token), 400);
  expectProblem(call("PATCH", path, R"({"description":"a\u0000b"})", a.token), 400);
  EXPECT_EQ(json(call("GET", path, "", a.token))->getValue<std::string>("title"), "Jam");
}

TEST_P(EventsTest, TitlesAndPlacesOfInvisibleCharactersAloneAre400) {
  // Zero-width space, word joiner + BOM, RTL override, a no-break space, a Hangul filler.
  const auto a = newAccount();
  const std::string future = inDays(2);
  for (const char* invisible : {"\\u200b", "\\u2060\\ufeff", "\\u202e", "\\u00a0", "\\u3164", "  "}) {
    auto refused = call("POST", "/v1/events", eventBody(invisible, future), a.token);
    expectProblem(refused, 400);
    EXPECT_NE(refused.body.find("title must have a visible character"), std::string::npos) << refused.body;
    expectProblem(call("POST", "/v1/events", eventBody("Jam", future, invisible), a.token), 400);
  }
  auto event = createEvent(a, eventBody("\\u200bJam", future));  // one visible character is enough
  const std::string path = "/v1/events/" + std::to_string(event->getValue<Poco::Int64>("id"));
  expectProblem(call("PATCH", path, R"({"title":"\u200b\u200c"})", a.token), 400);
  EXPECT_EQ(json(call("GET", path, "", a.token))->getValue<std::string>("title"), "\xe2\x80\x8bJam");
  EXPECT_EQ(jsonArray(call("GET", "/v1/events", "", a.token))->size(), 1u);
}

TEST_P(EventsTest, GetPatchDeleteWithTheirErrors) {
  const auto a = newAccount(), b = newAccount();
  auto event = createEvent(a, eventBody("Jam", inDays(5)));
  const std::string path = "/v1/events/" + std::to_string(event->getValue<Poco::Int64>("id"));
  auto got = call("GET", path, "", b.token);
  EXPECT_EQ(got.status, 200);
  EXPECT_FALSE(json(got)->getValue<bool>("joined"));
  expectProblem(call("GET", "/v1/events/999999", "", a.token), 404);
  expectProblem(call("GET", "/v1/events/abc", "", a.token), 404);
  expectProblem(call("GET", path), 401);

  auto patched = call("PATCH", path, R"({"title":"Big jam","location":"The Hall"})", a.token);
  EXPECT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(json(patched)->getValue<std::string>("title"), "Big jam");
  EXPECT_EQ(json(patched)->getValue<std::string>("location"), "The Hall");
  EXPECT_EQ(json(patched)->getValue<std::string>("description"), "Bring a fiddle");
  EXPECT_EQ(json(call("GET", path, "", a.token))->getValue<std::string>("title"), "Big jam");
  expectProblem(call("PATCH", path, R"({"title":"Mine now"})", b.token), 403);
  expectProblem(call("PATCH", path, "{}", a.token), 400);
  expectProblem(call("PATCH", path, R"({"datetime":"2001-01-01T00:00:00Z"})", a.token), 400);
  expectProblem(call("PATCH", "/v1/events/999999", R"({"title":"x"})", a.token), 404);

  expectProblem(call("DELETE", path, "", b.token), 403);
  auto deleted = call("DELETE", path, "", a.token);
  EXPECT_EQ(deleted.status, 200);
  EXPECT_EQ(deleted.header("content-type"), "text/plain; charset=utf-8");
  expectProblem(call("GET", path, "", a.token), 404);
  expectProblem(call("DELETE", path, "", a.token), 404);
}

TEST_P(EventsTest, JoinIsIdempotentAndLeaveWorks) {
  const auto a = newAccount(), b = newAccount();
  auto event = createEvent(a, eventBody("Jam", inDays(5)));
  const auto id = event->getValue<Poco::Int64>("id");
  const std::string joinBody = R"({"id":)" + std::to_string(id) + "}";
  auto first = call("POST", "/v1/events/join", joinBody, b.token);
  EXPECT_EQ(first.status, 201) << first.body;
  EXPECT_EQ(json(first)->getValue<Poco::Int64>("memberCount"), 2);
  EXPECT_TRUE(json(first)->getValue<bool>("joined"));
  auto again = call("POST", "/v1/events/join", joinBody, b.token);
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(json(again)->getValue<Poco::Int64>("memberCount"), 2);
  expectProblem(call("POST", "/v1/events/join", R"({"id":999999})", b.token), 404);
  expectProblem(call("POST", "/v1/events/join", R"({"id":"x"})", b.token), 400);
  for (const char* notAnId : {"true", "false", "1.5", "null", "[1]"})  // true is not event 1
    expectProblem(call("POST", "/v1/events/join", std::string(R"({"id":)") + notAnId + "}", b.token), 400);
  expectProblem(call("POST", "/v1/events/join", R"({})", b.token), 400);
  expectProblem(call("POST", "/v1/events/join", joinBody), 401);

  auto mine = jsonArray(call("GET", "/v1/events/join", "", b.token));
  EXPECT_EQ(ids(mine), (std::vector<std::int64_t>{id}));
  const std::string leave = "/v1/events/" + std::to_string(id) + "/members/me";
  expectProblem(call("DELETE", leave, "", a.token), 409);  // the creator cannot leave
  auto left = call("DELETE", leave, "", b.token);
  EXPECT_EQ(left.status, 200);
  EXPECT_EQ(left.header("content-type"), "text/plain; charset=utf-8");
  EXPECT_TRUE(jsonArray(call("GET", "/v1/events/join", "", b.token))->size() == 0);
  expectProblem(call("DELETE", leave, "", b.token), 404);  // not a member any more
  EXPECT_EQ(json(call("GET", "/v1/events/" + std::to_string(id), "", a.token))->getValue<Poco::Int64>("memberCount"), 1);
  expectProblem(call("GET", "/v1/events/join"), 401);
}

TEST_P(EventsTest, JoinWithAnIdPastTheIntegerRangeIs400) {
  const auto a = newAccount();
  for (const char* id : {"9999999999999999999", "18446744073709551615", "99999999999999999999999", "-9999999999999999999",
                         "1e300", "9223372036854775808"})
    expectProblem(call("POST", "/v1/events/join", std::string(R"({"id":)") + id + "}", a.token), 400);
  expectProblem(call("POST", "/v1/events/join", R"({"id":9223372036854775807})", a.token), 404);  // in range
}

TEST_P(EventsTest, FiftyConcurrentJoinsGiveExactCounts) {
  const auto creator = newAccount();
  auto event = createEvent(creator, eventBody("Crowd", inDays(10)));
  const auto id = event->getValue<Poco::Int64>("id");
  std::vector<Account> people;
  for (int i = 0; i < 50; ++i) people.push_back(newAccount());
  std::atomic<int> created{0}, other{0};
  std::vector<std::thread> threads;
  for (const auto& person : people)
    threads.emplace_back([&, token = person.token] {
      // Each joins twice at once: one 201 and one 200 per person, never a duplicate.
      for (int k = 0; k < 2; ++k) {
        auto reply = call("POST", "/v1/events/join", R"({"id":)" + std::to_string(id) + "}", token);
        if (reply.status == 201) ++created;
        else if (reply.status != 200) ++other;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 50);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(json(call("GET", "/v1/events/" + std::to_string(id), "", creator.token))->getValue<Poco::Int64>("memberCount"), 51);
}

TEST_P(EventsTest, SearchDateRangeAndOrder) {
  const auto a = newAccount();
  const auto jam = createEvent(a, eventBody("Sunday folk jam", inDays(9), "Ballard Commons", "fiddles welcome"));
  const auto choir = createEvent(a, eventBody("Choir practice", inDays(3), "St. Mark's", "bring sheet music"));
  const auto punk = createEvent(a, eventBody("Punk rehearsal", inDays(20), "Garage 100%", "loud_and_fast"));
  auto list = [&](const std::string& query) { return ids(jsonArray(call("GET", "/v1/events" + query, "", a.token))); };
  const auto id = [](const Poco::JSON::Object::Ptr& e) { return static_cast<std::int64_t>(e->getValue<Poco::Int64>("id")); };
  EXPECT_EQ(list(""), (std::vector<std::int64_t>{id(choir), id(jam), id(punk)}));  // soonest first
  EXPECT_EQ(list("?q=FOLK"), (std::vector<std::int64_t>{id(jam)}));                // title, any case
  EXPECT_EQ(list("?q=sheet+music"), (std::vector<std::int64_t>{id(choir)}));       // description
  EXPECT_EQ(list("?q=garage"), (std::vector<std::int64_t>{id(punk)}));             // location
  EXPECT_EQ(list("?q=100%25"), (std::vector<std::int64_t>{id(punk)}));             // % separates words
  // q matches the starts of words (README): '_' belongs to a word, and nothing matches
  // inside one (a substring search found punk for both of these before).
  EXPECT_EQ(list("?q=loud_and"), (std::vector<std::int64_t>{id(punk)}));
  EXPECT_TRUE(list("?q=d_and").empty());
  EXPECT_TRUE(list("?q=_").empty());
  EXPECT_TRUE(list("?q=tuba").empty());
  EXPECT_EQ(list("?from=" + inDays(5) + "&to=" + inDays(15)), (std::vector<std::int64_t>{id(jam)}));
  EXPECT_EQ(list("?from=" + inDays(5)), (std::vector<std::int64_t>{id(jam), id(punk)}));
  EXPECT_EQ(list("?to=" + inDays(9, 1)), (std::vector<std::int64_t>{id(choir), id(jam)}));
  EXPECT_EQ(list("?q=s&from=" + inDays(2)), (std::vector<std::int64_t>{id(choir), id(jam)}));
  EXPECT_EQ(list("?q=s&from=" + inDays(4)), (std::vector<std::int64_t>{id(jam)}));
  expectProblem(call("GET", "/v1/events?limit=101", "", a.token), 400);
  expectProblem(call("GET", "/v1/events?from=soon", "", a.token), 400);
  expectProblem(call("GET", "/v1/events"), 401);
}

TEST_P(EventsTest, SearchFindsEveryWordAtTheStartOfAWordIgnoringCaseAndAccents) {
  const auto a = newAccount();
  const auto jam = createEvent(a, eventBody("Sunday Folk Jamboree", inDays(2), "Café Müller, St. Mark's Square",
                                            "DJ set after the session; 🎸 bring a capo"));
  const auto choir = createEvent(a, eventBody("Chœur de l'été", inDays(3), "Église Saint-Jean", "répétition"));
  auto list = [&](const std::string& query) { return ids(jsonArray(call("GET", "/v1/events?q=" + query, "", a.token))); };
  const std::vector<std::int64_t> both{jam->getValue<Poco::Int64>("id"), choir->getValue<Poco::Int64>("id")};
  const std::vector<std::int64_t> onlyJam{both[0]}, onlyChoir{both[1]}, none;
  EXPECT_EQ(list("jam"), onlyJam);                       // a word's start
  EXPECT_EQ(list("jamboree+sunday"), onlyJam);           // every word, in any order
  EXPECT_EQ(list("folk+cafe+capo"), onlyJam);            // across title, location, description
  EXPECT_EQ(list("CAF%C3%89+m%C3%BCller"), onlyJam);      // "CAFÉ müller": case
  EXPECT_EQ(list("muller"), onlyJam);                    // and accents ignored
  EXPECT_EQ(list("st+mark"), onlyJam);                   // short words too (MariaDB: not in its index)
  EXPECT_EQ(list("dj"), onlyJam);
  EXPECT_EQ(list("the"), onlyJam);                       // no stop words
  EXPECT_EQ(list("%F0%9F%8E%B8+capo"), onlyJam);          // an emoji is no word
  EXPECT_EQ(list("ete+eglise"), onlyChoir);
  EXPECT_EQ(list("s"), both);                            // "Sunday", "Saint"
  EXPECT_EQ(list("amboree"), none);                      // not inside a word
  EXPECT_EQ(list("folk+tuba"), none);                    // not only some of the words
  EXPECT_EQ(list("%21%3F"), none);                       // "!?": no word at all
}

TEST_P(EventsTest, SearchFollowsEditsAndDeletes) {
  const auto a = newAccount();
  const auto event = createEvent(a, eventBody("Polka night", inDays(2), "Ballard Commons", "accordions"));
  const std::string path = "/v1/events/" + std::to_string(event->getValue<Poco::Int64>("id"));
  auto count = [&](const std::string& q) { return jsonArray(call("GET", "/v1/events?q=" + q, "", a.token))->size(); };
  EXPECT_EQ(count("polka"), 1u);
  ASSERT_EQ(call("PATCH", path, R"({"title":"Tango night","description":"bandoneons"})", a.token).status, 200);
  EXPECT_EQ(count("polka"), 0u);
  EXPECT_EQ(count("accordions"), 0u);
  EXPECT_EQ(count("tango+bandoneon"), 1u);
  EXPECT_EQ(count("ballard"), 1u);  // the field not changed
  ASSERT_EQ(call("DELETE", path, "", a.token).status, 200);
  EXPECT_EQ(count("tango"), 0u);
  EXPECT_EQ(count("ballard"), 0u);
}

TEST_P(EventsTest, PagingNeverRepeatsOrSkips) {
  const auto a = newAccount();
  std::set<std::int64_t> all;
  // Several events share a start time: the id breaks the tie, so pages are stable.
  for (int i = 0; i < 23; ++i) all.insert(createEvent(a, eventBody("Gig " + std::to_string(i), inDays(1 + i % 4)))->getValue<Poco::Int64>("id"));
  std::vector<std::int64_t> seen;
  std::string previous;
  for (int offset = 0; offset < 30; offset += 5) {
    auto page = jsonArray(call("GET", "/v1/events?limit=5&offset=" + std::to_string(offset), "", a.token));
    EXPECT_LE(page->size(), 5u);
    for (std::size_t i = 0; i < page->size(); ++i) {
      const auto datetime = page->getObject(i)->getValue<std::string>("datetime");
      EXPECT_LE(previous, datetime);  // soonest first across pages
      previous = datetime;
      seen.push_back(page->getObject(i)->getValue<Poco::Int64>("id"));
    }
  }
  EXPECT_EQ(seen.size(), all.size());
  EXPECT_EQ(std::set<std::int64_t>(seen.begin(), seen.end()), all);
  EXPECT_EQ(jsonArray(call("GET", "/v1/events?limit=100", "", a.token))->size(), 23u);
  EXPECT_EQ(jsonArray(call("GET", "/v1/events", "", a.token))->size(), 23u);  // default limit 50
}

TEST_P(EventsTest, JoinedEventsComeInBoundedPages) {
  const auto a = newAccount(), b = newAccount();
  std::set<std::int64_t> all;
  for (int i = 0; i < 205; ++i) {
    const auto id = createEvent(a, eventBody("Gig " + std::to_string(i), inDays(1 + i % 7, i)))->getValue<Poco::Int64>("id");
    if (i % 2 == 0) {
      ASSERT_EQ(call("POST", "/v1/events/join", R"({"id":)" + std::to_string(id) + "}", b.token).status, 201);
    }
    all.insert(id);
  }
  auto page = [&](const std::string& query, const Account& who) {
    return jsonArray(call("GET", "/v1/events/join" + query, "", who.token));
  };
  EXPECT_EQ(page("", a)->size(), 100u);  // the default
  EXPECT_EQ(page("?limit=200", a)->size(), 200u);
  EXPECT_EQ(page("?limit=1", a)->size(), 1u);
  EXPECT_EQ(page("?limit=200&offset=200", a)->size(), 5u);
  EXPECT_EQ(page("?offset=205", a)->size(), 0u);
  EXPECT_EQ(page("?limit=200", b)->size(), 103u);  // only those joined
  // Pages of 40 walk the whole list once, soonest first, with no repeat and no gap.
  std::vector<std::int64_t> seen;
  std::string previous;
  for (int offset = 0; offset < 240; offset += 40) {
    auto events = page("?limit=40&offset=" + std::to_string(offset), a);
    EXPECT_LE(events->size(), 40u);
    for (std::size_t i = 0; i < events->size(); ++i) {
      const auto datetime = events->getObject(i)->getValue<std::string>("datetime");
      EXPECT_LE(previous, datetime);
      previous = datetime;
      seen.push_back(events->getObject(i)->getValue<Poco::Int64>("id"));
    }
  }
  EXPECT_EQ(seen.size(), all.size());
  EXPECT_EQ(std::set<std::int64_t>(seen.begin(), seen.end()), all);
  for (const std::string bad : {"limit=0", "limit=201", "limit=-1", "limit=ten", "limit=", "limit=1.5", "offset=-1",
                                "offset=x", "offset=1000001", "offset=99999999999999999999"}) {
    auto reply = call("GET", "/v1/events/join?" + bad, "", a.token);
    expectProblem(reply, 400);
    EXPECT_EQ(json(reply)->getValue<std::string>("detail").rfind(bad.substr(0, bad.find('=')), 0), 0u) << reply.body;
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, EventsTest, ::testing::Values(Backends::SQLiteMemory, Backends::MariaDBRedis),
                         backendsName);

// --- with the chat plugin: each event's private channel follows its members.

namespace {

class EventsChatTest : public EventsTest {
 protected:
  void SetUp() override { startServer(kUsersPlugin + kChatPlugin + kMeetupsPlugin); }

  std::vector<std::int64_t> channelMembers(const Account& viewer, std::int64_t channel) {
    auto channels = jsonArray(call("GET", "/v1/channels", "", viewer.token));
    for (std::size_t i = 0; i < channels->size(); ++i) {
      auto c = channels->getObject(i);
      if (c->getValue<Poco::Int64>("id") != channel) continue;
      std::vector<std::int64_t> members;
      auto list = c->getArray("members");
      for (std::size_t k = 0; k < list->size(); ++k) members.push_back(list->getObject(k)->getValue<Poco::Int64>("id"));
      std::sort(members.begin(), members.end());
      return members;
    }
    return {};
  }
};

}  // namespace

TEST_P(EventsChatTest, TheEventsChannelHasExactlyItsMembersUnderConcurrentJoins) {
  const auto creator = newAccount();
  auto event = createEvent(creator, eventBody("Crowd", inDays(10)));
  ASSERT_FALSE(event->isNull("channel"));
  const auto channel = event->getValue<Poco::Int64>("channel");
  const auto id = event->getValue<Poco::Int64>("id");
  EXPECT_EQ(channelMembers(creator, channel), (std::vector<std::int64_t>{creator.id}));
  std::vector<Account> people;
  for (int i = 0; i < 50; ++i) people.push_back(newAccount());
  std::atomic<int> created{0};
  std::vector<std::thread> threads;
  for (const auto& person : people)
    threads.emplace_back([&, token = person.token] {
      if (call("POST", "/v1/events/join", R"({"id":)" + std::to_string(id) + "}", token).status == 201) ++created;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 50);
  EXPECT_EQ(json(call("GET", "/v1/events/" + std::to_string(id), "", creator.token))->getValue<Poco::Int64>("memberCount"), 51);
  std::vector<std::int64_t> expected{creator.id};
  for (const auto& p : people) expected.push_back(p.id);
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(channelMembers(creator, channel), expected);
}

TEST_P(EventsChatTest, LeavingLeavesTheChannelAndDeletingDeletesIt) {
  const auto a = newAccount(), b = newAccount();
  auto event = createEvent(a, eventBody("Jam", inDays(4)));
  const auto id = event->getValue<Poco::Int64>("id");
  const auto channel = event->getValue<Poco::Int64>("channel");
  ASSERT_EQ(call("POST", "/v1/events/join", R"({"id":)" + std::to_string(id) + "}", b.token).status, 201);
  EXPECT_EQ(call("POST", "/v1/channels/" + std::to_string(channel), R"({"body":"see you there"})", b.token).status, 201);
  EXPECT_EQ(channelMembers(a, channel), (std::vector<std::int64_t>{std::min(a.id, b.id), std::max(a.id, b.id)}));
  ASSERT_EQ(call("DELETE", "/v1/events/" + std::to_string(id) + "/members/me", "", b.token).status, 200);
  EXPECT_TRUE(jsonArray(call("GET", "/v1/events/join", "", b.token))->size() == 0);
  EXPECT_EQ(channelMembers(a, channel), (std::vector<std::int64_t>{a.id}));
  expectProblem(call("GET", "/v1/channels/" + std::to_string(channel), "", b.token), 403);
  // The chat API cannot delete or re-member an event's channel; the event owns it.
  expectProblem(call("DELETE", "/v1/channels/" + std::to_string(channel), "", a.token), 403);
  expectProblem(call("POST", "/v1/channels/" + std::to_string(channel) + "/members", R"({"id":)" + std::to_string(b.id) + "}", a.token), 403);
  expectProblem(call("DELETE", "/v1/events/" + std::to_string(id), "", b.token), 403);
  ASSERT_EQ(call("DELETE", "/v1/events/" + std::to_string(id), "", a.token).status, 200);
  expectProblem(call("GET", "/v1/channels/" + std::to_string(channel), "", a.token), 404);
  EXPECT_TRUE(channelMembers(a, channel).empty());
}

TEST_P(EventsChatTest, EventsMadeWhileChatWasOffGetTheirChannelsWhenItIsOn) {
  startServer(kMeetupsWithoutChat);  // chat off
  const auto a = newAccount(), b = newAccount();
  auto event = createEvent(a, eventBody("Quiet", inDays(6)));
  const auto id = event->getValue<Poco::Int64>("id");
  EXPECT_TRUE(event->isNull("channel"));
  ASSERT_EQ(call("POST", "/v1/events/join", R"({"id":)" + std::to_string(id) + "}", b.token).status, 201);
  startServer(kUsersPlugin + kChatPlugin + kMeetupsPlugin);  // chat on, same store
  // Sessions lived in memory: sign in again.
  auto signIn = [&](const Account& who) {
    auto reply = call("POST", "/v1/sessions", R"({"email":")" + who.email + R"(","password":")" + who.password + R"("})");
    EXPECT_EQ(reply.status, 201);
    return tokenOf(reply);
  };
  Account a2 = a, b2 = b;
  a2.token = signIn(a);
  b2.token = signIn(b);
  auto now = json(call("GET", "/v1/events/" + std::to_string(id), "", a2.token));
  ASSERT_FALSE(now->isNull("channel"));
  EXPECT_EQ(channelMembers(b2, now->getValue<Poco::Int64>("channel")),
            (std::vector<std::int64_t>{std::min(a.id, b.id), std::max(a.id, b.id)}));
}

TEST_P(EventsChatTest, ChangesMadeWhileChatWasOffReachTheChannelsAtTheNextStart) {
  const std::string withChat = kUsersPlugin + kChatPlugin + kMeetupsPlugin;
  auto a = newAccount(), b = newAccount(), c = newAccount();
  const auto kept = createEvent(a, eventBody("Jam", inDays(6)));
  const auto dropped = createEvent(a, eventBody("Gig", inDays(7)));
  const auto keptId = std::to_string(kept->getValue<Poco::Int64>("id"));
  const auto keptChannel = kept->getValue<Poco::Int64>("channel");
  const auto droppedChannel = std::to_string(dropped->getValue<Poco::Int64>("channel"));
  ASSERT_EQ(call("POST", "/v1/events/join", R"({"id":)" + keptId + "}", b.token).status, 201);
  ASSERT_EQ(call("POST", "/v1/channels/" + droppedChannel, R"({"body":"see you"})", a.token).status, 201);

  startServer(kMeetupsWithoutChat);  // chat off: the channels stay as they were
  auto signIn = [&](Account& who) {
    auto reply = call("POST", "/v1/sessions", R"({"email":")" + who.email + R"(","password":")" + who.password + R"("})");
    ASSERT_EQ(reply.status, 201);
    who.token = tokenOf(reply);
  };
  signIn(a), signIn(b), signIn(c);
  ASSERT_EQ(call("DELETE", "/v1/events/" + keptId + "/members/me", "", b.token).status, 200);
  ASSERT_EQ(call("POST", "/v1/events/join", R"({"id":)" + keptId + "}", c.token).status, 201);
  ASSERT_EQ(call("PATCH", "/v1/events/" + keptId, R"({"title":"Big jam"})", a.token).status, 200);
  ASSERT_EQ(call("DELETE", "/v1/events/" + std::to_string(dropped->getValue<Poco::Int64>("id")), "", a.token).status, 200);

  startServer(withChat);  // chat on again: those changes reach the channels
  signIn(a), signIn(b), signIn(c);
  EXPECT_EQ(channelMembers(a, keptChannel), (std::vector<std::int64_t>{std::min(a.id, c.id), std::max(a.id, c.id)}));
  expectProblem(call("GET", "/v1/channels/" + std::to_string(keptChannel), "", b.token), 403);
  EXPECT_EQ(call("GET", "/v1/channels/" + std::to_string(keptChannel), "", c.token).status, 200);
  auto channels = jsonArray(call("GET", "/v1/channels", "", a.token));
  std::vector<std::string> names;
  for (std::size_t i = 0; i < channels->size(); ++i) names.push_back(channels->getObject(i)->getValue<std::string>("name"));
  EXPECT_EQ(names, (std::vector<std::string>{"General", "Big jam"}));  // renamed; the deleted event's gone
  expectProblem(call("GET", "/v1/channels/" + droppedChannel, "", a.token), 404);
  const auto log = readFile(server_->logFile());
  EXPECT_NE(log.find("event channels: checked 1 events in 2 transactions: 0 channels made, 1 renamed, 2 membership "
                     "changes; 1 channels of deleted events removed"),
            std::string::npos)
      << log;

  startServer(withChat);  // and only once
  signIn(a);
  EXPECT_EQ(readFile(server_->logFile()).find("event channels: checked"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Backends, EventsChatTest, ::testing::Values(Backends::SQLiteMemory, Backends::MariaDBRedis),
                         backendsName);
