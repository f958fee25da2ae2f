// Rate limits on real servers: a limit hit and recovered after Retry-After, callers counted
// apart, anonymous routes counted by client address, and the refusals in /metrics. (Two
// nodes sharing one limit: cluster_test.cpp. The arithmetic: unit/rate_limiter_test.cpp.)
#include "api_fixture.hpp"

#include <mmm/time.hpp>

#include <functional>
#include <random>
#include <thread>

using namespace mmm::test;
using namespace std::chrono_literals;

namespace {

class RateLimitTest : public ApiTest {
 protected:
  void SetUp() override {
    // Counters are keyed by user id, and user ids start at 1 in every test database: a
    // Redis database of this test's own keeps other tests' counters apart.
    redisDatabase_ = 3;
  }

  // `attempt` passes `count` times, is then refused with 429, a Retry-After of at most two
  // windows and a detail naming the limit, and is counted in /metrics under `limit`; after
  // waiting Retry-After it passes again.
  void expectHitAndRecovered(int count, int windowSeconds, const std::string& limit,
                             const std::function<HttpReply()>& attempt) {
    for (int i = 0; i < count; ++i) {
      auto passed = attempt();
      ASSERT_GE(passed.status, 200) << i << ": " << passed.body;
      ASSERT_LT(passed.status, 300) << i << ": " << passed.body;
    }
    auto refused = attempt();
    expectProblem(refused, 429);
    const auto retryAfter = refused.header("retry-after");
    ASSERT_FALSE(retryAfter.empty()) << limit;
    const int seconds = std::stoi(retryAfter);
    EXPECT_GE(seconds, 1);
    EXPECT_LE(seconds, 2 * windowSeconds);
    const std::string rule = "at most " + std::to_string(count) + " per " + std::to_string(windowSeconds) + " s";
    EXPECT_NE(json(refused)->getValue<std::string>("detail").find(rule), std::string::npos) << refused.body;
    const auto metrics = call("GET", "/metrics");
    EXPECT_NE(metrics.body.find("mmm_rate_limited_total{limit=\"" + limit + "\"} 1\n"), std::string::npos) << metrics.body;
    std::this_thread::sleep_for(std::chrono::seconds(seconds));
    auto again = attempt();
    EXPECT_GE(again.status, 200) << limit << " after Retry-After: " << again.body;
    EXPECT_LT(again.status, 300) << limit << " after Retry-After: " << again.body;
  }
};

INSTANTIATE_TEST_SUITE_P(Backends, RateLimitTest, ::testing::Values(Backends::SQLiteMemory, Backends::MariaDBRedis),
                         backendsName);

TEST_P(RateLimitTest, MessagesPastTheLimitGet429WithRetryAfterThenPassAgain) {
  startServer(kUsersPlugin + "  - name: chat\n    config: {rate_limits: {messages: {count: 3, window_s: 2}}}\n");
  const auto a = newAccount(), b = newAccount();
  for (int i = 0; i < 3; ++i) {
    auto posted = call("POST", "/v1/channels/1", R"({"body":"hello )" + std::to_string(i) + R"("})", a.token);
    ASSERT_EQ(posted.status, 201) << i << ": " << posted.body;
  }
  auto refused = call("POST", "/v1/channels/1", R"({"body":"one too many"})", a.token);
  expectProblem(refused, 429);
  const auto retryAfter = refused.header("retry-after");
  ASSERT_FALSE(retryAfter.empty());
  const int seconds = std::stoi(retryAfter);
  EXPECT_GE(seconds, 1);
  EXPECT_LE(seconds, 4);  // at most two windows
  EXPECT_NE(json(refused)->getValue<std::string>("detail").find("at most 3 per 2 s"), std::string::npos) << refused.body;

  // Someone else is counted apart; the refused message was not stored.
  EXPECT_EQ(call("POST", "/v1/channels/1", R"({"body":"from b"})", b.token).status, 201);
  auto history = call("GET", "/v1/channels/1", "", a.token);
  EXPECT_EQ(history.body.find("one too many"), std::string::npos);

  auto metrics = call("GET", "/metrics");
  EXPECT_NE(metrics.body.find("mmm_rate_limited_total{limit=\"chat.messages\"} 1\n"), std::string::npos) << metrics.body;
  EXPECT_NE(metrics.body.find("mmm_rate_limited_total{limit=\"chat.channels\"} 0\n"), std::string::npos);

  // Retry-After is honest: after it, the next message passes.
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  auto again = call("POST", "/v1/channels/1", R"({"body":"after waiting"})", a.token);
  EXPECT_EQ(again.status, 201) << again.body;
}

TEST_P(RateLimitTest, SignUpsAreCountedPerClientAddress) {
  // Behind a trusted proxy the client address comes from X-Forwarded-For: two made-up
  // addresses (fresh each run) stand for two clients.
  startServer("  - name: users\n"
              "    config:\n"
              "      password_hash: {ops_limit: 1, mem_limit_kib: 8}\n"
              "      rate_limits: {sign_ups: {count: 2, window_s: 3600}}\n",
              ", trusted_proxies: ['127.0.0.1']");
  std::mt19937 random(std::random_device{}());
  const auto address = [&random] {
    return "10." + std::to_string(random() % 256) + "." + std::to_string(random() % 256) + "." +
           std::to_string(random() % 254 + 1);
  };
  const std::string first = address(), second = address();
  auto signUpFrom = [&](const std::string& ip) {
    const auto password = unique("pw-secret-");
    keepSecret(password);
    return call("POST", "/v1/users",
                R"({"email":")" + unique("s") + R"(@example.org","password":")" + password +
                    R"(","passwordConf":")" + password + R"(","userName":")" + unique("u") + R"("})",
                "", "X-Forwarded-For: " + ip + "\r\n");
  };
  EXPECT_EQ(signUpFrom(first).status, 201);
  EXPECT_EQ(signUpFrom(first).status, 201);
  auto refused = signUpFrom(first);
  expectProblem(refused, 429);
  EXPECT_FALSE(refused.header("retry-after").empty());
  EXPECT_EQ(signUpFrom(second).status, 201) << "another address was refused too";
}

TEST_P(RateLimitTest, EventsPastTheLimitGet429ThenPassAgain) {
  startServer(kUsersPlugin + kChatPlugin + "  - name: meetups\n    config: {rate_limits: {events: {count: 2, window_s: 2}}}\n");
  const auto a = newAccount(), b = newAccount();
  const auto tomorrow = mmm::formatRfc3339((mmm::nowMillis() + 86400 * 1000) / 1000 * 1000);
  int n = 0;
  auto create = [&](const Account& who) {
    return call("POST", "/v1/events",
                R"({"title":"Jam )" + std::to_string(++n) + R"(","datetime":")" + tomorrow + R"(","location":"Here"})",
                who.token);
  };
  expectHitAndRecovered(2, 2, "meetups.events", [&] { return create(a); });
  EXPECT_EQ(create(b).status, 201) << "another user is counted apart";
  // Two, then one after the wait, then b's: the refused one was not stored.
  EXPECT_EQ(jsonArray(call("GET", "/v1/events", "", a.token))->size(), 4u);
}

TEST_P(RateLimitTest, ChannelsPastTheLimitGet429ThenPassAgain) {
  startServer(kUsersPlugin + "  - name: chat\n    config: {rate_limits: {channels: {count: 2, window_s: 2}}}\n");
  const auto a = newAccount();
  int n = 0;
  expectHitAndRecovered(2, 2, "chat.channels", [&] {
    return call("POST", "/v1/channels", R"({"name":"band )" + std::to_string(++n) + R"("})", a.token);
  });
  EXPECT_EQ(call("GET", "/v1/channels", "", a.token).body.find(R"("name":"band 3")"), std::string::npos)
      << "the refused channel was stored";
}

TEST_P(RateLimitTest, ReactionChangesPastTheLimitGet429ThenPassAgain) {
  startServer(kUsersPlugin + "  - name: chat\n    config: {rate_limits: {reactions: {count: 3, window_s: 2}}}\n");
  const auto a = newAccount(), b = newAccount();
  auto posted = call("POST", "/v1/channels/1", R"({"body":"react to me"})", a.token);
  ASSERT_EQ(posted.status, 201) << posted.body;
  const std::string path = "/v1/messages/" + std::to_string(json(posted)->getValue<Poco::Int64>("id")) + "/reactions/";
  int n = 0;  // on and off in turn: each one a change, and both methods count
  expectHitAndRecovered(3, 2, "chat.reactions",
                        [&] { return call(++n % 2 ? "PUT" : "DELETE", path + "%F0%9F%94%A5", "", a.token); });
  EXPECT_EQ(call("PUT", path + "%F0%9F%94%A5", "", b.token).status, 200) << "another user is counted apart";
}

// At most 20 different emoji on one message, whatever the configured set allows.
TEST_P(RateLimitTest, AMessageCarriesAtMost20DifferentReactions) {
  std::string set;
  for (int i = 0; i < 21; ++i) set += std::string(set.empty() ? "" : ", ") + "\"r" + std::to_string(i) + "\"";
  startServer(kUsersPlugin + "  - name: chat\n    config: {rate_limits: {reactions: {count: 0}}, reactions: [" + set + "]}\n");
  const auto a = newAccount(), b = newAccount();
  auto posted = call("POST", "/v1/channels/1", R"({"body":"so many feelings"})", a.token);
  ASSERT_EQ(posted.status, 201) << posted.body;
  const std::string path = "/v1/messages/" + std::to_string(json(posted)->getValue<Poco::Int64>("id")) + "/reactions/";
  for (int i = 0; i < 20; ++i) ASSERT_EQ(call("PUT", path + "r" + std::to_string(i), "", a.token).status, 200) << i;
  expectProblem(call("PUT", path + "r20", "", a.token), 400);
  EXPECT_EQ(call("PUT", path + "r7", "", b.token).status, 200) << "one already there takes more people";
  EXPECT_EQ(call("DELETE", path + "r0", "", a.token).status, 200);
  EXPECT_EQ(call("PUT", path + "r20", "", a.token).status, 200) << "room again after one went";
}

TEST_P(RateLimitTest, SignUpsPastTheLimitGet429ThenPassAgain) {
  startServer("  - name: users\n"
              "    config:\n"
              "      password_hash: {ops_limit: 1, mem_limit_kib: 8}\n"
              "      rate_limits: {sign_ups: {count: 2, window_s: 2}}\n");
  expectHitAndRecovered(2, 2, "users.sign_ups", [&] {
    const auto name = unique("r");
    return signUp(name + "@example.org", unique("pw-secret-"), name);
  });
}

}  // namespace
