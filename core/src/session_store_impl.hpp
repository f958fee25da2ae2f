// Session store back ends (in memory, Redis) and the token-based Sessions on top.
#pragma once

#include "pool.hpp"
#include "tokens.hpp"

#include <mmm/sessions.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace Poco::Redis {
class Array;
class Client;
}
namespace spdlog {
class logger;
}

namespace mmm::core {

/// Keys with expiry in a hash map. Expired entries vanish on read and in periodic sweeps.
class MemorySessionStore final : public SessionStore {
 public:
  void set(const std::string& key, const std::string& value, std::chrono::milliseconds ttl) override;
  std::optional<std::string> get(const std::string& key) override;
  bool erase(const std::string& key) override;
  std::int64_t increment(const std::string& key, std::chrono::milliseconds ttl) override;
  std::size_t sizeForTest();

 private:
  using Clock = std::chrono::steady_clock;
  struct Entry {
    std::string value;
    Clock::time_point expires;
  };
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  std::size_t writesSinceSweep_ = 0;
};

/// `redis://[[USER]:PASSWORD@]HOST:PORT[/DB]`
struct RedisUrl {
  std::string host, user, password;
  int port = 6379;
  int database = 0;
  std::string redacted;
};
/// Throws std::invalid_argument.
RedisUrl parseRedisUrl(const std::string& url);

struct RedisOptions {
  std::size_t poolSize = 8;
  std::chrono::milliseconds acquireTimeout{1000};
  std::chrono::milliseconds timeout{1000};  // connect and reply timeout
  std::chrono::milliseconds checkAfterIdle{5000};
};

class RedisSessionStore final : public SessionStore {
 public:
  RedisSessionStore(RedisUrl url, RedisOptions options, std::shared_ptr<spdlog::logger> log);
  ~RedisSessionStore() override;

  void set(const std::string& key, const std::string& value, std::chrono::milliseconds ttl) override;
  std::optional<std::string> get(const std::string& key) override;
  bool erase(const std::string& key) override;
  std::int64_t increment(const std::string& key, std::chrono::milliseconds ttl) override;
  /// PING; throws the underlying error (with its reason) when Redis cannot be reached.
  void check();

 private:
  struct Connection;
  std::unique_ptr<Connection> connect();
  /// Runs `work` on a pooled connection: one retry on a fresh connection when a pooled one
  /// turns out dead; Unavailable when Redis cannot be reached or answers an error.
  template <class Work>
  auto withConnection(Work&& work) -> decltype(work(std::declval<Poco::Redis::Client&>()));
  template <class Result>
  Result execute(const Poco::Redis::Array& command);

  RedisUrl url_;
  RedisOptions options_;
  std::shared_ptr<spdlog::logger> log_;
  Pool<Connection> pool_;
};

struct CookieOptions {
  std::string name = "mmm_session";
  bool secure = false;
};

class TokenSessions final : public Sessions {
 public:
  TokenSessions(std::shared_ptr<SessionStore> store, TokenSigner signer, std::chrono::seconds ttl,
                CookieOptions cookie = {})
      : store_(std::move(store)), signer_(std::move(signer)), ttl_(ttl), cookie_(std::move(cookie)) {}

  std::string create(const std::string& state) override;
  std::optional<std::string> find(std::string_view token) override;
  bool destroy(std::string_view token) override;
  std::chrono::seconds ttl() const override { return ttl_; }
  SessionStore& store() override { return *store_; }
  std::string cookie(const std::string& token) const override;
  std::string clearedCookie() const override;
  std::string handle(std::string_view token) const override;
  bool destroyHandle(const std::string& handle) override;
  const std::string& cookieName() const { return cookie_.name; }
  /// Called with a session's storage key after it was destroyed (to end its WebSockets).
  void onDestroyed(std::function<void(const std::string&)> listener) { onDestroyed_ = std::move(listener); }

 private:
  std::shared_ptr<SessionStore> store_;
  TokenSigner signer_;
  std::chrono::seconds ttl_;
  CookieOptions cookie_;
  std::function<void(const std::string&)> onDestroyed_;
};

}  // namespace mmm::core
