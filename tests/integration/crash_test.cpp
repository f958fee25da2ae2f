// Crash safety: clients post messages and create events while the server is killed with
// SIGKILL at a random moment; after a restart on the same store, every request that was
// answered 2xx is there exactly once, and nothing is there twice (SQLite and MariaDB).
#include "api_fixture.hpp"

#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

using namespace mmm::test;
using namespace std::chrono_literals;

namespace {

class CrashTest : public ApiTest {
 protected:
  const std::string plugins = kUsersPlugin + kChatPlugin + kMeetupsPlugin;

  // Every message body of the channel, oldest last, paging back with before=.
  std::vector<std::string> allMessages(std::int64_t channel, const std::string& token) {
    std::vector<std::string> bodies;
    std::string before;
    for (;;) {
      auto page = jsonArray(call("GET", "/v1/channels/" + std::to_string(channel) + "?limit=100" + before, "", token));
      if (!page || page->size() == 0) break;
      for (std::size_t i = 0; i < page->size(); ++i) bodies.push_back(page->getObject(i)->getValue<std::string>("body"));
      before = "&beforeSeq=" + std::to_string(page->getObject(page->size() - 1)->getValue<Poco::Int64>("seq"));
    }
    return bodies;
  }
  std::vector<std::string> allEventTitles(const std::string& token) {
    std::vector<std::string> titles;
    for (int offset = 0;; offset += 100) {
      auto page = jsonArray(call("GET", "/v1/events?limit=100&offset=" + std::to_string(offset), "", token));
      if (!page || page->size() == 0) break;
      for (std::size_t i = 0; i < page->size(); ++i) titles.push_back(page->getObject(i)->getValue<std::string>("title"));
    }
    return titles;
  }
};

}  // namespace

TEST_P(CrashTest, EverythingAnswered2xxSurvivesAKill9ExactlyOnce) {
  startServer(plugins);
  std::vector<Account> clients;
  for (int i = 0; i < 4; ++i) clients.push_back(newAccount());
  auto channel = call("POST", "/v1/channels", R"({"name":"crash site"})", clients[0].token);
  ASSERT_EQ(channel.status, 201) << channel.body;
  const auto channelId = json(channel)->getValue<Poco::Int64>("id");

  std::mutex mutex;
  std::set<std::string> acknowledged;  // what got a 2xx
  std::atomic<bool> dead{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int n = 0; !dead && n < 100000; ++n) {
        const std::string nonce = "c" + std::to_string(t) + "-" + std::to_string(n);
        const bool event = n % 3 == 0;
        HttpReply reply;
        try {
          reply = event ? call("POST", "/v1/events",
                               R"({"title":")" + nonce + R"(","datetime":"2031-06-01T19:00:00Z","location":"Hall","description":"x"})",
                               clients[t].token)
                        : call("POST", "/v1/channels/" + std::to_string(channelId), R"({"body":")" + nonce + R"("})",
                               clients[t].token);
        } catch (const std::exception&) {
          return;  // the server is gone: this request's outcome is unknown, and may be either
        }
        if (reply.status == 201) {
          std::lock_guard<std::mutex> lock(mutex);
          acknowledged.insert((event ? "event:" : "message:") + nonce);
        }
      }
    });
  std::mt19937 random(std::random_device{}());
  std::this_thread::sleep_for(std::chrono::milliseconds(300 + random() % 1200));
  server_->kill9();
  dead = true;
  for (auto& thread : threads) thread.join();
  server_.reset();
  ASSERT_GT(acknowledged.size(), 10u) << "the clients barely ran before the kill";
  RecordProperty("acknowledged", static_cast<int>(acknowledged.size()));

  startServer(plugins);  // on the same store
  auto signIn = call("POST", "/v1/sessions",
                     R"({"email":")" + clients[0].email + R"(","password":")" + clients[0].password + R"("})");
  ASSERT_EQ(signIn.status, 201) << signIn.body;
  const std::string token = tokenOf(signIn);
  std::map<std::string, int> stored;
  for (const auto& body : allMessages(channelId, token)) ++stored["message:" + body];
  for (const auto& title : allEventTitles(token)) ++stored["event:" + title];
  for (const auto& key : acknowledged) EXPECT_EQ(stored[key], 1) << key << " was answered 201";
  for (const auto& [key, count] : stored) EXPECT_LE(count, 1) << key << " is stored " << count << " times";
}

INSTANTIATE_TEST_SUITE_P(Backends, CrashTest, ::testing::Values(Backends::SQLiteMemory, Backends::MariaDBRedis),
                         backendsName);
