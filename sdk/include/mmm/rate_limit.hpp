// Rate limits shared by every node: a plugin declares named limits in its config schema
// (rateLimitsSchema), reads them at start (rateLimit), and puts one on a route
// (Host::route with a limit) or counts anything else against it (RateLimiter::take).
//
//   // configSchema():  {"rate_limits", rateLimitsSchema({{"messages", 20, 10}})}
//   // start():
//   const auto messages = rateLimit(host, "messages", RateLimit::Key::User);
//   host.route("POST", "/v1/channels/{id}", handler, messages);
//
// Past the limit the answer is 429 with Retry-After and the handler does not run. Counters
// live in the session store (Redis for a cluster), so all nodes share them. The window
// slides (two fixed windows, the previous one weighted by how much of it still overlaps),
// so no burst at a window's edge doubles the rate.
#pragma once

#include <mmm/abi.hpp>
#include <mmm/config_schema.hpp>
#include <mmm/host.hpp>

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace mmm {

struct Request;

struct RateLimit {
  /// Whose requests are counted together: the signed-in user (the client address when a
  /// request has no valid session), or always the client address (for anonymous routes).
  enum class Key { User, Address };
  std::string name;  // unique within its plugin; logs and metrics say "<plugin>.<name>"
  std::int64_t count = 0;  // requests allowed per window; 0 turns the limit off
  std::chrono::seconds window{60};
  Key key = Key::User;
  bool off() const { return count <= 0; }
};

/// Counts requests against limits, in the session store. Thread-safe. Implemented by the host.
class MMM_EXPORT RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  /// Counts one request of `caller` against `limit`: 0 when it is allowed, else the seconds
  /// to wait before one would be (rejected requests count too, so hammering does not help).
  /// When the session store cannot be reached the request is allowed, logged and counted.
  virtual std::int64_t take(const std::string& plugin, const RateLimit& limit, const std::string& caller) = 0;
  /// take() for the request's caller (per limit.key); throws HttpError 429 with
  /// Retry-After past the limit.
  virtual void check(const std::string& plugin, const RateLimit& limit, Request& request) = 0;
};

/// One named limit in a plugin's config schema, with its default.
struct RateLimitDefault {
  std::string name;
  std::int64_t count;
  std::int64_t windowSeconds;
};

/// The schema of a plugin's `rate_limits:` map: for each limit {count: 0–1,000,000 (0: off),
/// window_s: 1–86,400}, defaults filled in.
inline ConfigSchema rateLimitsSchema(const std::vector<RateLimitDefault>& limits) {
  using S = ConfigSchema;
  std::vector<ConfigField> fields;
  for (const auto& limit : limits)
    fields.push_back({limit.name, S::map({
                                      {"count", S::integer().range(0, 1000000).withDefault(std::to_string(limit.count))},
                                      {"window_s", S::integer().range(1, 86400).withDefault(std::to_string(limit.windowSeconds))},
                                  }).withDefault("{}")});
  return S::map(std::move(fields)).withDefault("{}");
}

/// The limit `name` from the plugin's validated `rate_limits:` config.
inline RateLimit rateLimit(const Host& host, const std::string& name, RateLimit::Key key) {
  const auto node = host.config()["rate_limits"][name];
  if (!node) throw std::logic_error("rate limit '" + name + "' is not in the plugin's config schema");
  return {name, node["count"].as<std::int64_t>(), std::chrono::seconds(node["window_s"].as<std::int64_t>()), key};
}

}  // namespace mmm
