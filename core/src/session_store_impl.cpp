#include "session_store_impl.hpp"

#include <mmm/error.hpp>

#include <Poco/Exception.h>
#include <Poco/Redis/Array.h>
#include <Poco/Redis/Client.h>
#include <Poco/Redis/Exception.h>
#include <Poco/URI.h>

#include <spdlog/logger.h>

#include <optional>

namespace mmm::core {

// --- in memory

void MemorySessionStore::set(const std::string& key, const std::string& value,
                             std::chrono::milliseconds ttl) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto now = Clock::now();
  entries_[key] = {value, now + ttl};
  if (++writesSinceSweep_ >= 1024 && writesSinceSweep_ >= entries_.size() / 2) {
    // Amortised: a sweep costs O(n) once per ~n/2 writes, so memory stays bounded by
    // the live entries however many expire unread.
    writesSinceSweep_ = 0;
    for (auto it = entries_.begin(); it != entries_.end();)
      it = it->second.expires <= now ? entries_.erase(it) : std::next(it);
  }
}

std::optional<std::string> MemorySessionStore::get(const std::string& key) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  if (it->second.expires <= Clock::now()) {
    entries_.erase(it);
    return std::nullopt;
  }
  return it->second.value;
}

bool MemorySessionStore::erase(const std::string& key) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return false;
  const bool live = it->second.expires > Clock::now();
  entries_.erase(it);
  return live;
}

std::int64_t MemorySessionStore::increment(const std::string& key, std::chrono::milliseconds ttl) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto now = Clock::now();
  auto& entry = entries_[key];
  std::int64_t value = 0;
  if (!entry.value.empty() && entry.expires > now) {
    value = std::stoll(entry.value);
  } else {
    entry.expires = now + ttl;  // a new counter (or one that expired) starts its window
  }
  entry.value = std::to_string(++value);
  return value;
}

std::size_t MemorySessionStore::sizeForTest() {
  std::lock_guard<std::mutex> lock(mutex_);
  return entries_.size();
}

// --- Redis

RedisUrl parseRedisUrl(const std::string& url) {
  if (url.rfind("redis://", 0) != 0) throw std::invalid_argument("expected redis://[:PASSWORD@]HOST:PORT[/DB]");
  Poco::URI uri;
  try {
    uri = Poco::URI(url);
  } catch (const Poco::Exception& e) {
    throw std::invalid_argument("malformed Redis URL: " + e.message());
  }
  RedisUrl parsed;
  parsed.host = uri.getHost();
  parsed.port = uri.getPort() ? uri.getPort() : 6379;
  const std::string info = uri.getUserInfo();
  auto colon = info.find(':');
  if (colon == std::string::npos) {
    parsed.user = info;
  } else {
    parsed.user = info.substr(0, colon);
    parsed.password = info.substr(colon + 1);
  }
  const std::string path = uri.getPath();
  if (!path.empty() && path != "/") {
    try {
      std::size_t used = 0;
      parsed.database = std::stoi(path.substr(1), &used);
      if (used != path.size() - 1 || parsed.database < 0) throw std::invalid_argument("db");
    } catch (const std::exception&) {
      throw std::invalid_argument("the Redis database must be a number, as in redis://host:6379/0");
    }
  }
  if (parsed.host.empty()) throw std::invalid_argument("expected redis://[:PASSWORD@]HOST:PORT[/DB]");
  parsed.redacted = "redis://" + std::string(parsed.password.empty() ? "" : parsed.user + ":***@") +
                    parsed.host + ":" + std::to_string(parsed.port) + "/" + std::to_string(parsed.database);
  return parsed;
}

struct RedisSessionStore::Connection {
  Poco::Redis::Client client;
  std::chrono::steady_clock::time_point lastUsed = std::chrono::steady_clock::now();
};

RedisSessionStore::RedisSessionStore(RedisUrl url, RedisOptions options, std::shared_ptr<spdlog::logger> log)
    : url_(std::move(url)),
      options_(options),
      log_(std::move(log)),
      // Idle connections are checked with PING after checkAfterIdle rather than dropped.
      pool_([this] { return connect(); }, {options.poolSize, options.acquireTimeout, std::chrono::hours(24)}) {}

RedisSessionStore::~RedisSessionStore() = default;

std::unique_ptr<RedisSessionStore::Connection> RedisSessionStore::connect() {
  auto connection = std::make_unique<Connection>();
  const Poco::Timespan timeout(std::chrono::duration_cast<std::chrono::microseconds>(options_.timeout).count());
  connection->client.connect(url_.host, url_.port, timeout);
  connection->client.setReceiveTimeout(timeout);
  // Poco's pool factory does neither AUTH nor SELECT: done here, per connection.
  if (!url_.password.empty()) {
    Poco::Redis::Array auth;
    auth << "AUTH";
    if (!url_.user.empty()) auth << url_.user;
    auth << url_.password;
    connection->client.execute<std::string>(auth);
  }
  if (url_.database != 0) {
    Poco::Redis::Array select;
    select << "SELECT" << std::to_string(url_.database);
    connection->client.execute<std::string>(select);
  }
  return connection;
}

template <class Result>
Result RedisSessionStore::execute(const Poco::Redis::Array& command) {
  return withConnection([&](Poco::Redis::Client& client) { return client.execute<Result>(command); });
}

template <class Work>
auto RedisSessionStore::withConnection(Work&& work) -> decltype(work(std::declval<Poco::Redis::Client&>())) {
  const Waiting waiting;  // a round trip to Redis: a worker's CPU is free for another meanwhile
  for (int attempt = 0;; ++attempt) {
    std::optional<Pool<Connection>::Lease> lease;
    try {
      lease.emplace(pool_.acquire());
      auto& connection = **lease;
      const auto now = std::chrono::steady_clock::now();
      if (!lease->fresh() && now - connection.lastUsed > options_.checkAfterIdle) {
        Poco::Redis::Array ping;
        ping << "PING";
        connection.client.execute<std::string>(ping);  // health check of an idle connection
      }
      connection.lastUsed = now;
      return work(connection.client);
    } catch (const PoolExhausted& e) {
      throw Unavailable(std::string("the session store is busy: ") + e.what());
    } catch (const Poco::Redis::RedisException& e) {
      if (lease) lease->broken();
      log_->warn("Redis {} answered an error: {}", url_.redacted, e.message());
      throw Unavailable("the session store is unavailable");
    } catch (const Poco::Exception& e) {
      // Network trouble: a pooled connection may have died with a Redis restart. Retry
      // once on a fresh connection.
      if (lease) lease->broken();
      if (attempt == 0 && lease && !lease->fresh()) {
        pool_.clearIdle();
        continue;
      }
      log_->warn("cannot reach Redis {}: {}", url_.redacted, e.displayText());
      throw Unavailable("the session store is unavailable");
    }
  }
}

void RedisSessionStore::set(const std::string& key, const std::string& value, std::chrono::milliseconds ttl) {
  // Built by hand: Poco 1.11's Command::set sends PX badly and Redis drops the connection
  // (poco#3268).
  Poco::Redis::Array command;
  command << "SET" << "mmm:" + key << value << "PX" << std::to_string(std::max<long long>(1, ttl.count()));
  execute<std::string>(command);
}

std::optional<std::string> RedisSessionStore::get(const std::string& key) {
  Poco::Redis::Array command;
  command << "GET" << "mmm:" + key;
  auto reply = execute<Poco::Redis::BulkString>(command);
  if (reply.isNull()) return std::nullopt;
  return reply.value();
}

bool RedisSessionStore::erase(const std::string& key) {
  Poco::Redis::Array command;
  command << "DEL" << "mmm:" + key;
  return execute<Poco::Int64>(command) > 0;
}

std::int64_t RedisSessionStore::increment(const std::string& key, std::chrono::milliseconds ttl) {
  // One script, run atomically: the counter that INCR creates gets its expiry in the same
  // step. (SET NX then INCR as two commands let a counter expire between them, and INCR
  // then made one without expiry: a rate limit shut for good.) INCR keeps the expiry.
  static const std::string script =
      "local n = redis.call('INCR', KEYS[1]) "
      "if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end "
      "return n";
  Poco::Redis::Array command;
  command << "EVAL" << script << "1" << "mmm:" + key << std::to_string(std::max<long long>(1, ttl.count()));
  return withConnection([&](Poco::Redis::Client& client) { return client.execute<Poco::Int64>(command); });
}

void RedisSessionStore::check() {
  for (int attempt = 0;; ++attempt) {
    auto lease = pool_.acquire();
    try {
      Poco::Redis::Array command;
      command << "PING";
      lease->client.execute<std::string>(command);
      lease->lastUsed = std::chrono::steady_clock::now();
      return;
    } catch (const std::exception&) {
      lease.broken();
      if (attempt > 0 || lease.fresh()) throw;  // a stale pooled connection gets one retry
    }
  }
}

// --- token sessions

std::string TokenSessions::create(const std::string& state) {
  std::string token = signer_.issue();
  store_->set(TokenSigner::storageKey(token), state, ttl_);
  return token;
}

std::optional<std::string> TokenSessions::find(std::string_view token) {
  if (!signer_.verify(token)) return std::nullopt;
  return store_->get(TokenSigner::storageKey(token));
}

std::string TokenSessions::cookie(const std::string& token) const {
  return cookie_.name + "=" + token + "; Path=/; Max-Age=" + std::to_string(ttl_.count()) +
         "; HttpOnly; SameSite=Strict" + (cookie_.secure ? "; Secure" : "");
}

std::string TokenSessions::clearedCookie() const {
  return cookie_.name + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict" + (cookie_.secure ? "; Secure" : "");
}

bool TokenSessions::destroy(std::string_view token) {
  if (!signer_.verify(token)) return false;
  return destroyHandle(TokenSigner::storageKey(token));
}

std::string TokenSessions::handle(std::string_view token) const {
  return signer_.verify(token) ? TokenSigner::storageKey(token) : std::string();
}

bool TokenSessions::destroyHandle(const std::string& key) {
  if (key.empty()) return false;
  const bool existed = store_->erase(key);
  if (onDestroyed_) onDestroyed_(key);
  return existed;
}

}  // namespace mmm::core
