// The host's RateLimiter (mmm/rate_limit.hpp): sliding-window counters in the session
// store, shared by every node, and a count of refusals per limit for /metrics.
#pragma once

#include <mmm/rate_limit.hpp>
#include <mmm/sessions.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace spdlog {
class logger;
}

namespace mmm::core {

/// Whether a request may pass, from the counts of the current and the previous fixed
/// window: the previous one counts in proportion to how much of it the sliding window
/// still covers. `current` includes the request being decided. Returns 0 when it may pass,
/// else the milliseconds until one more request would (none arriving meanwhile).
std::int64_t slidingWindowWait(std::int64_t limit, std::int64_t windowMs, std::int64_t elapsedMs,
                               std::int64_t previous, std::int64_t current);

class SessionRateLimiter final : public RateLimiter {
 public:
  SessionRateLimiter(SessionStore& store, std::shared_ptr<spdlog::logger> log);

  std::int64_t take(const std::string& plugin, const RateLimit& limit, const std::string& caller) override;
  void check(const std::string& plugin, const RateLimit& limit, Request& request) override;

  /// Makes the limit appear in /metrics (at 0) before it refuses anything.
  void declare(const std::string& plugin, const RateLimit& limit);
  /// mmm_rate_limited_total per limit and mmm_rate_limit_errors_total, Prometheus text.
  std::string metricsText() const;

 private:
  SessionStore& store_;
  std::shared_ptr<spdlog::logger> log_;
  mutable std::mutex mutex_;
  std::map<std::string, std::uint64_t> refused_;  // "<plugin>.<name>" → 429s (bounded: declared limits)
  std::atomic<std::uint64_t> errors_{0};
  std::atomic<std::int64_t> lastErrorLog_{0};
};

}  // namespace mmm::core
