// Lists and start-up at scale (issue 12, items 10 and 13), on SQLite and MariaDB: 50,000
// events and 40,000 public channels written straight into the store (as an older version,
// or an attacker with time, would leave it), then a server started on them. Start-up brings
// the event channels in line in a bounded number of transactions, and every list answers
// a page, never the whole table (the old channel list bound every visible channel's id at
// once: a 500 on MariaDB past 65,535 placeholders; Debian's SQLite takes 250,000).
#include "api_fixture.hpp"

#include <mmm/time.hpp>

#include <algorithm>

using namespace mmm::test;

namespace {

const std::string kPlugins = kUsersPlugin + kChatPlugin + kMeetupsPlugin;
constexpr int kEvents = 50000, kPublicChannels = 40000;
constexpr std::int64_t kFirstEventChannel = kPublicChannels + 2;  // General is 1, public ones 2…40001

class ScaleTest : public ApiTest {
 protected:
  /// `rows` ("(…, …)" each) into `into` ("table (columns)"), 500 to a statement.
  static void insert(mmm::DbSession& session, const std::string& into, const std::vector<std::string>& rows) {
    for (std::size_t i = 0; i < rows.size(); i += 500) {
      std::string sql = "INSERT INTO " + into + " VALUES ";
      for (std::size_t k = i; k < std::min(rows.size(), i + 500); ++k) sql += (k > i ? "," : "") + rows[k];
      execute(session, sql);
    }
  }
  std::int64_t metric(const std::string& name) {
    const auto text = call("GET", "/metrics").body;
    const auto at = text.find("\n" + name + " ");
    if (at == std::string::npos) {
      ADD_FAILURE() << "no " << name << " in /metrics";
      return -1;
    }
    return std::stoll(text.substr(at + name.size() + 2));
  }
  std::size_t count(const std::string& path, const Account& who) {
    auto reply = call("GET", path, "", who.token);
    EXPECT_EQ(reply.status, 200) << path << ": " << reply.body.substr(0, 500);
    return reply.status == 200 ? jsonArray(reply)->size() : 0;
  }
  std::vector<std::int64_t> channelIds(const std::string& query, const Account& who) {
    std::vector<std::int64_t> ids;
    auto list = jsonArray(call("GET", "/v1/channels" + query, "", who.token));
    for (std::size_t i = 0; i < list->size(); ++i) ids.push_back(list->getObject(i)->getValue<Poco::Int64>("id"));
    return ids;
  }
};

std::string quoted(const std::string& text) { return "'" + text + "'"; }

}  // namespace

TEST_P(ScaleTest, StartUpWorkIsBoundedAndListsArePagesOf50000EventsAnd40000Channels) {
  startServer(kPlugins);
  auto owner = newAccount(), viewer = newAccount();
  const std::string o = std::to_string(owner.id), v = std::to_string(viewer.id);
  {
    auto store = stopAndOpenStore();
    const std::int64_t when = mmm::nowMillis() + 86400000LL;
    store->runTransaction([&](mmm::DbSession& s) {
      std::vector<std::string> channels, members, events, eventMembers;
      for (int i = 0; i < kPublicChannels; ++i) {
        const auto id = std::to_string(2 + i);
        channels.push_back("(" + id + ", 'spam " + id + "', 'buy now', 0, " + v + ", 0, 0, 0)");
        members.push_back("(" + id + ", " + v + ")");
      }
      // Each event has its private channel with the owner in it, as chat keeps them, except:
      // events 1–10 have none, 11–20 name one that does not exist, 21–30's lack the owner.
      for (int i = 1; i <= kEvents; ++i) {
        const auto id = std::to_string(i), channel = std::to_string(kFirstEventChannel + i - 1);
        events.push_back("(" + id + ", " + quoted("Jam " + id) + ", " + std::to_string(when + i * 1000LL) +
                         ", 'Ballard', 'bring a fiddle', " + o + ", " + (i <= 10 ? "NULL" : channel) + ", 0)");
        eventMembers.push_back("(" + id + ", " + o + ", 0)");
        if (i > 20) channels.push_back("(" + channel + ", " + quoted("Jam " + id) + ", '', 1, " + o + ", 1, 0, 0)");
        if (i > 30) members.push_back("(" + channel + ", " + o + ")");
      }
      insert(s, "chat_channels (id, name, description, is_private, creator_id, managed, created_at, edited_at)", channels);
      insert(s, "chat_members (channel_id, user_id)", members);
      insert(s, "events (id, title, starts_at, location, description, creator_id, channel_id, created_at)", events);
      insert(s, "event_members (event_id, user_id, joined_at)", eventMembers);
    });
  }

  // The first start after the upgrade checks every event once, 200 to a transaction.
  startServer(kPlugins);
  const auto firstStart = metric("mmm_store_transactions_total");
  EXPECT_GT(firstStart, kEvents / 200);
  EXPECT_LE(firstStart, kEvents / 200 + 10);
  signIn(owner);
  signIn(viewer);
  for (int id : {1, 10, 11, 20, 21, 30, 31, kEvents}) {
    auto event = json(call("GET", "/v1/events/" + std::to_string(id), "", owner.token));
    ASSERT_FALSE(event->isNull("channel")) << id;
    const auto channel = "/v1/channels/" + std::to_string(event->getValue<Poco::Int64>("channel"));
    EXPECT_EQ(call("GET", channel, "", owner.token).status, 200) << id;  // a member
    expectProblem(call("GET", channel, "", viewer.token), 403);
  }

  // Every list is a page, however many rows lie behind it: 90,001 channels for the owner
  // (40,001 public, 50,000 of events), 40,001 for the viewer.
  EXPECT_EQ(count("/v1/channels", owner), 100u);
  EXPECT_EQ(count("/v1/channels?limit=200", owner), 200u);
  EXPECT_EQ(count("/v1/channels?limit=200&offset=89950", owner), 51u);
  EXPECT_EQ(count("/v1/channels?offset=39990", viewer), 11u);
  EXPECT_EQ(count("/v1/events/join", owner), 100u);
  EXPECT_EQ(count("/v1/events/join?limit=200&offset=49950", owner), 50u);
  // Search: a word in every event (walked in date order) and one in a single event.
  auto eventIds = [&](const std::string& query) {
    std::vector<std::int64_t> ids;
    auto list = jsonArray(call("GET", "/v1/events" + query, "", owner.token));
    for (std::size_t i = 0; i < list->size(); ++i) ids.push_back(list->getObject(i)->getValue<Poco::Int64>("id"));
    return ids;
  };
  const auto firstPage = eventIds("?limit=100&offset=300");
  EXPECT_EQ(firstPage.size(), 100u);
  EXPECT_EQ(eventIds("?q=jam+ballard&limit=100&offset=300"), firstPage);
  EXPECT_EQ(eventIds("?q=ballard+jam+49999"), std::vector<std::int64_t>{49999});
  const auto eventChannel = kFirstEventChannel + 40000 - 1;
  ASSERT_EQ(call("POST", "/v1/channels/30000", R"({"body":"first"})", viewer.token).status, 201);
  ASSERT_EQ(call("POST", "/v1/channels/" + std::to_string(eventChannel), R"({"body":"then"})", owner.token).status, 201);
  EXPECT_EQ(channelIds("?limit=2", owner), (std::vector<std::int64_t>{eventChannel, 30000}));
  EXPECT_EQ(channelIds("?limit=2", viewer), (std::vector<std::int64_t>{30000, 1}));

  // Later starts look only at what changed while chat was off: nothing here.
  startServer(kPlugins);
  EXPECT_LE(metric("mmm_store_transactions_total"), 3);
  signIn(owner);
  EXPECT_EQ(count("/v1/channels?limit=200", owner), 200u);
}

TEST_P(ScaleTest, MigrationsIndexWhatIsAlreadyThere) {
  startServer(kPlugins);
  const auto a = newAccount();
  const auto channel = json(call("POST", "/v1/channels", R"({"name":"old talk"})", a.token))->getValue<Poco::Int64>("id");
  ASSERT_EQ(call("POST", "/v1/channels", R"({"name":"newer, silent"})", a.token).status, 201);
  {
    // Back to the schema before search and ordering had indexes, then rows written there.
    auto store = stopAndOpenStore();
    const bool sqlite = GetParam() == Backends::SQLiteMemory;
    store->runRead([&](mmm::DbSession& s) {
      if (sqlite) {
        for (const char* sql : {"DROP TRIGGER events_text_insert", "DROP TRIGGER events_text_delete",
                                "DROP TRIGGER events_text_update", "DROP TABLE events_text",
                                "DROP INDEX chat_channels_recent"})
          execute(s, sql);
      } else {
        // Rebuilt, so that InnoDB's hidden FTS_DOC_ID goes too, as in a table that never had
        // the index (MariaDB 10.11 finds nothing in a FULLTEXT index re-made beside an old one).
        execute(s, "DROP INDEX events_text ON events");
        execute(s, "ALTER TABLE events FORCE");
        execute(s, "DROP INDEX chat_channels_recent ON chat_channels");
      }
      execute(s, "ALTER TABLE chat_channels DROP COLUMN last_message_id");
      execute(s, "DELETE FROM mmm_migrations WHERE owner IN ('meetups', 'chat') AND version = 3");
      const std::string when = std::to_string(mmm::nowMillis() + 86400000LL), id = std::to_string(a.id);
      insert(s, "events (title, starts_at, location, description, creator_id, created_at)",
             {"('Zydeco night', " + when + ", 'Fremont', 'washboards welcome', " + id + ", 0)",
              "('Polka', " + when + ", 'Ballard', 'accordions', " + id + ", 0)"});
      insert(s, "chat_messages (channel_id, body, creator_id, created_at, edited_at)",
             {"(" + std::to_string(channel) + ", 'from before', " + id + ", 0, 0)"});
    });
  }
  startServer(kPlugins);
  Account again = a;
  auto reply = call("POST", "/v1/sessions", R"({"email":")" + a.email + R"(","password":")" + a.password + R"("})");
  ASSERT_EQ(reply.status, 201);
  again.token = tokenOf(reply);
  auto found = jsonArray(call("GET", "/v1/events?q=washboard", "", again.token));
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ(found->getObject(0)->getValue<std::string>("title"), "Zydeco night");
  EXPECT_EQ(jsonArray(call("GET", "/v1/events?q=zydeco+fremont", "", again.token))->size(), 1u);
  EXPECT_EQ(channelIds("?limit=1", again), std::vector<std::int64_t>{channel});
}

INSTANTIATE_TEST_SUITE_P(Backends, ScaleTest, ::testing::Values(Backends::SQLiteMemory, Backends::MariaDBRedis),
                         backendsName);
