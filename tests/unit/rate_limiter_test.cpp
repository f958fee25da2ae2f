// The sliding-window arithmetic and SessionRateLimiter over the in-memory session store:
// how many requests pass, when the next one may, who is counted together, and what
// happens when the store fails.
#include "rate_limiter.hpp"
#include "session_store_impl.hpp"

#include <mmm/error.hpp>
#include <mmm/http.hpp>

#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <gtest/gtest.h>

using mmm::core::slidingWindowWait;

namespace {

TEST(SlidingWindow, PassesUpToTheLimitWithNoPreviousWindow) {
  // 3 per 10 s, 4 s into the window, nothing before it.
  EXPECT_EQ(slidingWindowWait(3, 10000, 4000, 0, 1), 0);
  EXPECT_EQ(slidingWindowWait(3, 10000, 4000, 0, 3), 0);
  // The 4th waits for the next window (6 s), then for this window's 4 to weigh less than
  // 3 - 1 = 2 of them: half of the next window (5 s more).
  EXPECT_EQ(slidingWindowWait(3, 10000, 4000, 0, 4), 6000 + 5000);
}

TEST(SlidingWindow, ThePreviousWindowCountsByItsOverlap) {
  // 10 per 10 s; 8 in the previous window, 2 s into this one: 8 × 0.8 = 6.4, so 3 more
  // fit (6.4 + 3 = 9.4) and a 4th (10.4) does not.
  EXPECT_EQ(slidingWindowWait(10, 10000, 2000, 8, 3), 0);
  const auto wait = slidingWindowWait(10, 10000, 2000, 8, 4);
  EXPECT_GT(wait, 0);
  // After `wait`, one more request fits: 8 × (remaining - wait)/10 s + 4 + 1 ≤ 10.
  const double remaining = 8000.0 - static_cast<double>(wait);
  EXPECT_LE(8 * remaining / 10000 + 5, 10.0 + 1e-9);
  // …and not a millisecond much earlier.
  EXPECT_GT(8 * (remaining + 2) / 10000 + 5, 10.0);
}

TEST(SlidingWindow, NoBurstAtTheEdgeOfAWindow) {
  // 10 per 10 s used up at the very end of the previous window: at the start of this one
  // almost nothing fits, unlike a fixed window that would allow 10 more at once.
  EXPECT_GT(slidingWindowWait(10, 10000, 1, 10, 1), 0);
  EXPECT_EQ(slidingWindowWait(10, 10000, 5000, 10, 5), 0);  // half of it has slid out
  EXPECT_GT(slidingWindowWait(10, 10000, 5000, 10, 6), 0);
}

class Limiter : public ::testing::Test {
 protected:
  mmm::core::MemorySessionStore store_;
  mmm::core::SessionRateLimiter limiter_{store_, std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>())};
};

TEST_F(Limiter, CountsPerCallerAndLimit) {
  const mmm::RateLimit limit{"messages", 3, std::chrono::seconds(3600), mmm::RateLimit::Key::User};
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter_.take("chat", limit, "u1"), 0) << i;
  const auto wait = limiter_.take("chat", limit, "u1");
  EXPECT_GT(wait, 0);
  EXPECT_LE(wait, 2 * 3600);
  EXPECT_EQ(limiter_.take("chat", limit, "u2"), 0);  // someone else
  EXPECT_EQ(limiter_.take("other", limit, "u1"), 0);  // another plugin's limit of that name
  EXPECT_NE(limiter_.metricsText().find("mmm_rate_limited_total{limit=\"chat.messages\"} 1\n"), std::string::npos)
      << limiter_.metricsText();
}

TEST_F(Limiter, ALimitOfZeroIsOff) {
  const mmm::RateLimit off{"messages", 0, std::chrono::seconds(10), mmm::RateLimit::Key::User};
  for (int i = 0; i < 100; ++i) ASSERT_EQ(limiter_.take("chat", off, "u1"), 0);
  EXPECT_EQ(store_.sizeForTest(), 0u);  // nothing counted
}

TEST_F(Limiter, CheckAnswers429WithRetryAfterAndCountsAnonymousCallersByAddress) {
  const mmm::RateLimit limit{"sign_ups", 1, std::chrono::seconds(3600), mmm::RateLimit::Key::Address};
  mmm::Request first, second, elsewhere;
  first.clientIp = second.clientIp = "192.0.2.7";
  elsewhere.clientIp = "192.0.2.8";
  EXPECT_NO_THROW(limiter_.check("users", limit, first));
  try {
    limiter_.check("users", limit, second);
    FAIL() << "the second sign-up from one address passed";
  } catch (const mmm::HttpError& e) {
    EXPECT_EQ(e.status(), 429);
    ASSERT_EQ(e.headers().size(), 1u);
    EXPECT_EQ(e.headers()[0].first, "Retry-After");
    EXPECT_GT(std::stoll(e.headers()[0].second), 0);
  }
  EXPECT_NO_THROW(limiter_.check("users", limit, elsewhere));
}

// A store that always fails: requests pass, and the failure is counted.
class BrokenStore final : public mmm::SessionStore {
 public:
  void set(const std::string&, const std::string&, std::chrono::milliseconds) override { fail(); }
  std::optional<std::string> get(const std::string&) override { fail(); }
  bool erase(const std::string&) override { fail(); }
  std::int64_t increment(const std::string&, std::chrono::milliseconds) override { fail(); }

 private:
  [[noreturn]] static void fail() { throw mmm::Unavailable("the session store is down"); }
};

TEST(LimiterWithoutStore, LetsRequestsThroughAndCountsTheFailure) {
  BrokenStore store;
  mmm::core::SessionRateLimiter limiter(store, std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>()));
  const mmm::RateLimit limit{"messages", 1, std::chrono::seconds(10), mmm::RateLimit::Key::User};
  EXPECT_EQ(limiter.take("chat", limit, "u1"), 0);
  EXPECT_EQ(limiter.take("chat", limit, "u1"), 0);
  EXPECT_NE(limiter.metricsText().find("mmm_rate_limit_errors_total 2\n"), std::string::npos) << limiter.metricsText();
}

}  // namespace
