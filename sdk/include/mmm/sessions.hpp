// Sign-in sessions: opaque signed tokens whose state lives in a session store (in memory
// on one node, Redis for several) under an expiry.
#pragma once

#include <mmm/abi.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mmm {

/// A key-value store whose keys expire. Thread-safe. Throws Unavailable when the back end
/// cannot be reached.
class MMM_EXPORT SessionStore {
 public:
  virtual ~SessionStore() = default;
  virtual void set(const std::string& key, const std::string& value, std::chrono::milliseconds ttl) = 0;
  /// nullopt when absent or expired.
  virtual std::optional<std::string> get(const std::string& key) = 0;
  /// True when the key existed.
  virtual bool erase(const std::string& key) = 0;
  /// Adds one to a counter and returns the new value; a new counter expires after `ttl`
  /// (incrementing does not extend it). For rate limits shared by all nodes.
  virtual std::int64_t increment(const std::string& key, std::chrono::milliseconds ttl) = 0;
};

/// Sessions keyed by tokens: 32 random bytes and their HMAC-SHA256 under the server's
/// signing key, base64url-encoded. A token that is malformed, forged, unknown or expired is
/// simply invalid; verification is constant-time.
class MMM_EXPORT Sessions {
 public:
  virtual ~Sessions() = default;
  /// Starts a session holding `state` (say, the user's profile as JSON); returns its token.
  virtual std::string create(const std::string& state) = 0;
  /// The session's state, or nullopt for an invalid token.
  virtual std::optional<std::string> find(std::string_view token) = 0;
  /// Ends the session at once, for every node sharing the store. True if it existed.
  virtual bool destroy(std::string_view token) = 0;
  /// How long a session lives.
  virtual std::chrono::seconds ttl() const = 0;
  /// The underlying store, for other short-lived data (e.g. rate-limit counters).
  virtual SessionStore& store() = 0;
  /// A Set-Cookie value carrying `token` (HttpOnly, SameSite=Strict, Secure if configured),
  /// and one that removes it. The core reads the same cookie back.
  virtual std::string cookie(const std::string& token) const = 0;
  virtual std::string clearedCookie() const = 0;

  // 3.3
  /// An opaque handle naming the session of `token` without being a credential (what the
  /// store keys it by), for indexes that must not keep tokens; "" for a malformed token.
  virtual std::string handle(std::string_view token) const = 0;
  /// Ends the session named by `handle` just as destroy() ends one by its token (at once,
  /// its WebSockets closed on every node). True if it existed.
  virtual bool destroyHandle(const std::string& handle) = 0;
};

}  // namespace mmm
