// One session-store suite, run against the in-memory store and the test Redis.
#include "backends.hpp"
#include "session_store_impl.hpp"
#include "test_http.hpp"

#include <mmm/error.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <random>
#include <thread>

using namespace std::chrono_literals;
using mmm::core::MemorySessionStore;
using mmm::core::RedisSessionStore;
using mmm::core::TokenSessions;
using mmm::core::TokenSigner;

namespace {

enum class Backend { Memory, Redis };
// Names the parameter in ctest's output.
[[maybe_unused]] std::ostream& operator<<(std::ostream& out, Backend backend) {
  return out << (backend == Backend::Memory ? "Memory" : "Redis");
}

class SessionStoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::Redis) {
      store_ = std::make_shared<RedisSessionStore>(
          mmm::core::parseRedisUrl(mmm::test::requiredEnv("MMM_TEST_REDIS_URL")), mmm::core::RedisOptions{},
          mmm::test::quietLogger());
    } else {
      store_ = std::make_shared<MemorySessionStore>();
    }
    // Tests run in parallel against one Redis: keep keys apart.
    prefix_ = "test:" + std::to_string(std::random_device{}()) + ":";
  }
  std::string key(const std::string& name) const { return prefix_ + name; }

  std::shared_ptr<mmm::SessionStore> store_;
  std::string prefix_;
};

}  // namespace

TEST_P(SessionStoreTest, SetGetOverwriteErase) {
  EXPECT_EQ(store_->get(key("a")), std::nullopt);
  store_->set(key("a"), "one", 60s);
  EXPECT_EQ(store_->get(key("a")), "one");
  store_->set(key("a"), "two", 60s);
  EXPECT_EQ(store_->get(key("a")), "two");
  EXPECT_TRUE(store_->erase(key("a")));
  EXPECT_FALSE(store_->erase(key("a")));
  EXPECT_EQ(store_->get(key("a")), std::nullopt);
}

TEST_P(SessionStoreTest, ValuesAreBinarySafe) {
  const std::string value = std::string("nul\0byte ", 9) + "{\"json\":true} 🎸\r\n";
  store_->set(key("bin"), value, 60s);
  EXPECT_EQ(store_->get(key("bin")), value);
}

TEST_P(SessionStoreTest, KeysExpire) {
  store_->set(key("short"), "x", 150ms);
  store_->set(key("long"), "y", 60s);
  EXPECT_EQ(store_->get(key("short")), "x");
  std::this_thread::sleep_for(400ms);
  EXPECT_EQ(store_->get(key("short")), std::nullopt);
  EXPECT_EQ(store_->get(key("long")), "y");
}

TEST_P(SessionStoreTest, ConcurrentUseFromManyThreads) {
  constexpr int kThreads = 8, kEach = 100;
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const std::string k = key(std::to_string(t) + "/" + std::to_string(i));
        store_->set(k, k, 60s);
        if (store_->get(k) != k) ++wrong;
        if (i % 2 && !store_->erase(k)) ++wrong;
      }
    });
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(store_->get(key("3/10")), key("3/10"));
  EXPECT_EQ(store_->get(key("3/11")), std::nullopt);
}

TEST_P(SessionStoreTest, TokenSessionsLifecycle) {
  TokenSessions sessions(store_, TokenSigner(TokenSigner::randomKey()), 60s);
  const std::string token = sessions.create(R"({"id":7})");
  EXPECT_EQ(token.size(), TokenSigner::kTokenLength);
  EXPECT_EQ(sessions.find(token), R"({"id":7})");
  // Another server with the same key and store (another node) sees the session…
  const auto key = TokenSigner::parseKey(mmm::test::kTestSigningKey);
  TokenSessions nodeA(store_, TokenSigner(key), 60s), nodeB(store_, TokenSigner(key), 60s);
  const std::string shared = nodeA.create("state");
  EXPECT_EQ(nodeB.find(shared), "state");
  // …and signing out on one ends it on the other at once.
  EXPECT_TRUE(nodeA.destroy(shared));
  EXPECT_EQ(nodeB.find(shared), std::nullopt);
  // A server with another key rejects the token without looking it up.
  EXPECT_EQ(nodeA.find(token), std::nullopt);
  EXPECT_TRUE(sessions.destroy(token));
  EXPECT_EQ(sessions.find(token), std::nullopt);
}

TEST_P(SessionStoreTest, SessionsExpire) {
  TokenSessions sessions(store_, TokenSigner(TokenSigner::randomKey()), 1s);
  const std::string token = sessions.create("soon gone");
  EXPECT_EQ(sessions.find(token), "soon gone");
  std::this_thread::sleep_for(1300ms);
  EXPECT_EQ(sessions.find(token), std::nullopt);
}

// --- increment: the counters behind the sign-in throttle, shared by every node.

TEST_P(SessionStoreTest, IncrementStartsAtOneAndReturnsEachNewCount) {
  for (std::int64_t expected = 1; expected <= 5; ++expected) EXPECT_EQ(store_->increment(key("n"), 60s), expected);
  EXPECT_EQ(store_->increment(key("other"), 60s), 1);  // counters are per key
  EXPECT_EQ(store_->increment(key("n"), 60s), 6);
  EXPECT_TRUE(store_->erase(key("n")));  // a counter is an ordinary key: erased, it starts again
  EXPECT_EQ(store_->increment(key("n"), 60s), 1);
}

TEST_P(SessionStoreTest, ConcurrentIncrementsCountEachOnceAndReturnDistinctValues) {
  constexpr int kThreads = 8, kEach = 250;
  std::vector<std::vector<std::int64_t>> seen(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) seen[t].push_back(store_->increment(key("shared"), 60s));
    });
  for (auto& thread : threads) thread.join();
  std::vector<std::int64_t> all;
  for (const auto& values : seen) all.insert(all.end(), values.begin(), values.end());
  std::sort(all.begin(), all.end());
  // Exactly 1…N*M, each once: no increment lost, none counted twice, no value handed out twice.
  ASSERT_EQ(all.size(), static_cast<std::size_t>(kThreads * kEach));
  for (std::size_t i = 0; i < all.size(); ++i) ASSERT_EQ(all[i], static_cast<std::int64_t>(i + 1)) << "at " << i;
  EXPECT_EQ(store_->increment(key("shared"), 60s), kThreads * kEach + 1);
}

TEST_P(SessionStoreTest, ACounterExpiresAfterItsTtlFromTheFirstIncrementNotTheLast) {
  EXPECT_EQ(store_->increment(key("window"), 2000ms), 1);
  std::this_thread::sleep_for(1200ms);
  EXPECT_EQ(store_->increment(key("window"), 2000ms), 2);  // inside the window (0.8 s to spare)
  // 2.4 s after the first increment, 1.2 s after the last: a window that incrementing
  // extended would still be open; this one has closed, and a new one starts at 1.
  std::this_thread::sleep_for(1200ms);
  EXPECT_EQ(store_->increment(key("window"), 2000ms), 1);
  EXPECT_EQ(store_->increment(key("window"), 2000ms), 2);
}

TEST_P(SessionStoreTest, ACounterThatExpiresWhileBeingIncrementedStillExpires) {
  // Windows of 1 ms, incremented back to back for a while: a counter expiring between
  // "start the window" and "add one" must not come back as a counter without expiry, which
  // would lock a rate limit shut for good.
  const auto until = std::chrono::steady_clock::now() + 500ms;
  int calls = 0;
  while (std::chrono::steady_clock::now() < until || calls < 200) {
    store_->increment(key("flicker"), 1ms);
    ++calls;
  }
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(store_->increment(key("flicker"), 60s), 1) << "after " << calls << " increments";
}

INSTANTIATE_TEST_SUITE_P(Backends, SessionStoreTest, ::testing::Values(Backend::Memory, Backend::Redis),
                         [](const auto& info) { return info.param == Backend::Memory ? "Memory" : "Redis"; });

TEST(MemorySessionStore, ExpiredEntriesAreSweptEvenIfNeverRead) {
  MemorySessionStore store;
  for (int i = 0; i < 3000; ++i) store.set("k" + std::to_string(i), "v", 1ms);
  std::this_thread::sleep_for(5ms);
  for (int i = 0; i < 3000; ++i) store.set("fresh" + std::to_string(i), "v", 60s);
  EXPECT_LE(store.sizeForTest(), 3000u + 1024u);
}

TEST(RedisUrl, ParsesPasswordAndDatabase) {
  auto url = mmm::core::parseRedisUrl("redis://:pw@127.0.0.1:6380/3");
  EXPECT_EQ(url.host, "127.0.0.1");
  EXPECT_EQ(url.port, 6380);
  EXPECT_EQ(url.password, "pw");
  EXPECT_EQ(url.database, 3);
  EXPECT_EQ(url.redacted, "redis://:***@127.0.0.1:6380/3");
  EXPECT_EQ(mmm::core::parseRedisUrl("redis://cache:6379").database, 0);
  for (const char* bad : {"http://x:1", "redis://", "redis://h:1/x", "redis://h:1/-1"})
    EXPECT_THROW(mmm::core::parseRedisUrl(bad), std::invalid_argument) << bad;
}

TEST(RedisFaults, UnreachableRedisIsUnavailableQuickly) {
  RedisSessionStore store(mmm::core::parseRedisUrl("redis://127.0.0.1:1/0"), {}, mmm::test::quietLogger());
  auto begin = std::chrono::steady_clock::now();
  EXPECT_THROW(store.get("x"), mmm::Unavailable);
  EXPECT_THROW(store.set("x", "y", 1s), mmm::Unavailable);
  EXPECT_THROW(store.check(), Poco::Exception);
  EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(1));
}

TEST(RedisAuth, WrongPasswordIsUnavailableNotACrash) {
  auto url = mmm::core::parseRedisUrl(mmm::test::requiredEnv("MMM_TEST_REDIS_URL"));
  url.password = "wrong";
  RedisSessionStore store(url, {}, mmm::test::quietLogger());
  EXPECT_THROW(store.get("x"), mmm::Unavailable);
}
