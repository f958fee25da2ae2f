#include "rate_limiter.hpp"

#include <mmm/auth.hpp>
#include <mmm/error.hpp>
#include <mmm/time.hpp>

#include <spdlog/logger.h>

#include <algorithm>
#include <charconv>

namespace mmm::core {

std::int64_t slidingWindowWait(std::int64_t limit, std::int64_t windowMs, std::int64_t elapsedMs,
                               std::int64_t previous, std::int64_t current) {
  const auto remainingMs = windowMs - elapsedMs;  // of the current fixed window
  // The estimate: previous × remaining/window + current, compared without rounding.
  if (previous * remainingMs + current * windowMs <= limit * windowMs) return 0;
  // Still in this window, the previous one's weight falls until one more request fits
  // (current + 1 ≤ limit is needed for that to happen before this window ends)…
  if (current + 1 <= limit && previous > 0) {
    const auto wait = remainingMs - (limit - current - 1) * windowMs / previous;
    return std::max<std::int64_t>(wait, 1);
  }
  // …else in the next one, where this window's count is the previous one.
  const auto into = current > 0 ? std::max<std::int64_t>(0, windowMs - (limit - 1) * windowMs / current) : 0;
  return remainingMs + into;
}

SessionRateLimiter::SessionRateLimiter(SessionStore& store, std::shared_ptr<spdlog::logger> log)
    : store_(store), log_(std::move(log)) {}

std::int64_t SessionRateLimiter::take(const std::string& plugin, const RateLimit& limit, const std::string& caller) {
  if (limit.off()) return 0;
  const std::int64_t windowMs = std::max<std::int64_t>(1000, limit.window.count() * 1000);
  const std::int64_t now = nowMillis(), index = now / windowMs;
  const std::string prefix = "rl:" + plugin + "." + limit.name + ":" + caller + ":";
  std::int64_t previous = 0, current = 0;
  try {
    // The current window's counter lives two windows: the next one reads it as "previous".
    current = store_.increment(prefix + std::to_string(index), std::chrono::milliseconds(2 * windowMs));
    if (auto value = store_.get(prefix + std::to_string(index - 1))) {
      std::from_chars(value->data(), value->data() + value->size(), previous);
    }
  } catch (const std::exception& e) {
    // Better to serve than to refuse everyone while the session store is away.
    errors_++;
    auto last = lastErrorLog_.load();
    if (now - last > 10000 && lastErrorLog_.compare_exchange_strong(last, now))
      log_->warn("rate limit {}.{}: the session store failed, requests pass uncounted: {}", plugin, limit.name,
                 e.what());
    return 0;
  }
  const auto waitMs = slidingWindowWait(limit.count, windowMs, now - index * windowMs, previous, current);
  if (waitMs > 0) {
    std::lock_guard<std::mutex> lock(mutex_);
    refused_[plugin + "." + limit.name]++;
  }
  return waitMs == 0 ? 0 : std::max<std::int64_t>(1, (waitMs + 999) / 1000);
}

void SessionRateLimiter::check(const std::string& plugin, const RateLimit& limit, Request& request) {
  if (limit.off()) return;
  std::string caller;
  if (limit.key == RateLimit::Key::User) {
    try {
      caller = "u" + std::to_string(authenticated(request).userId);
    } catch (const Unavailable&) {
      throw;
    } catch (const HttpError&) {
      // No valid session: the handler will say so; count the address meanwhile.
    }
  }
  if (caller.empty()) caller = "a" + request.clientIp;
  if (const auto seconds = take(plugin, limit, caller)) {
    log_->debug("{} rate limit {}.{} reached ({} per {} s); retry in {} s", request.id, plugin, limit.name,
                limit.count, limit.window.count(), seconds);
    throw HttpError(429,
                    "too many requests: at most " + std::to_string(limit.count) + " per " +
                        std::to_string(limit.window.count()) + " s; try again in " + std::to_string(seconds) + " s",
                    {{"Retry-After", std::to_string(seconds)}});
  }
}

void SessionRateLimiter::declare(const std::string& plugin, const RateLimit& limit) {
  std::lock_guard<std::mutex> lock(mutex_);
  refused_.emplace(plugin + "." + limit.name, 0);
}

std::string SessionRateLimiter::metricsText() const {
  std::string out =
      "# HELP mmm_rate_limited_total Requests refused with 429, by rate limit.\n"
      "# TYPE mmm_rate_limited_total counter\n";
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [name, count] : refused_)
      out += "mmm_rate_limited_total{limit=\"" + name + "\"} " + std::to_string(count) + "\n";
  }
  out += "# HELP mmm_rate_limit_errors_total Requests let through uncounted because the session store failed.\n"
         "# TYPE mmm_rate_limit_errors_total counter\nmmm_rate_limit_errors_total " +
         std::to_string(errors_.load()) + "\n";
  return out;
}

}  // namespace mmm::core
