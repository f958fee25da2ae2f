// The Store behind the SDK interface: Poco::Data on SQLite or MariaDB/MySQL.
#pragma once

#include "pool.hpp"
#include "statement_cache.hpp"

#include <mmm/store.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace spdlog {
class logger;
}

namespace mmm::core {

/// A parsed `store.url`: `sqlite:PATH` or `mysql://USER:PASS@HOST:PORT/DB`.
struct StoreUrl {
  Dialect dialect = Dialect::SQLite;
  std::string path;  // SQLite
  std::string host, user, password, database;
  int port = 3306;
  /// The URL with the password replaced by "***", for logs and errors.
  std::string redacted;
};

/// Throws std::invalid_argument with a message fit for a config error.
StoreUrl parseStoreUrl(const std::string& url);

struct StoreOptions {
  std::size_t poolSize = 8;
  std::chrono::milliseconds acquireTimeout{1000};
  std::chrono::milliseconds maxIdle{60000};
  int connectTimeoutSeconds = 2;
  /// SQLite: this process holds the database file for itself (SQLite's unix-excl VFS): a
  /// statement takes no file lock of the operating system's and the WAL index lives in
  /// memory, but no other process can read the file while the store is open.
  bool sqliteExclusive = true;
};

class PocoStore final : public Store {
 public:
  PocoStore(StoreUrl url, StoreOptions options, std::shared_ptr<spdlog::logger> log);
  ~PocoStore() override;

  Dialect dialect() const override { return url_.dialect; }
  void runTransaction(const std::function<void(DbSession&)>& work) override;
  void runRead(const std::function<void(DbSession&)>& work) override;
  void migrate(const std::string& owner, const std::vector<Migration>& migrations) override;
  using Store::query;
  std::size_t query(DbSession& session, const std::string& sql, const SqlValue* params, std::size_t count,
                    const std::function<void(const SqlRow&)>& onRow) override;

  /// Runs `SELECT 1`; throws the underlying error (with its reason) when it fails, and
  /// throws for a minute after a write failed for want of room (unless one succeeded since).
  void check();
  /// Writes refused for want of room (disk full, file-size limit, table full) so far.
  std::uint64_t storageFullErrors() const { return fullErrors_; }
  /// Transactions chosen as a deadlock's victim (each runs again, up to kDeadlockRetries
  /// times, then is 503); units of work given up as 503 after waiting their full time for a
  /// lock.
  std::uint64_t deadlocks() const { return deadlocks_; }
  std::uint64_t lockTimeouts() const { return lockTimeouts_; }
  /// Units of work run so far: transactions, and reads outside one (a retry counts once).
  std::uint64_t transactions() const { return transactions_; }
  std::uint64_t reads() const { return reads_; }
  const StoreUrl& url() const { return url_; }
  /// Closes the idle connections and lets go of the SQLite file (sqliteExclusive): what a
  /// stopped server does, so that another can open the file before this one is destroyed.
  /// The next connection the pool opens holds the file again.
  void close();

 private:
  std::unique_ptr<DbSession> connect();
  void holdFile();
  void run(const std::function<void(DbSession&)>& work, bool transactional);

  StoreUrl url_;
  StoreOptions options_;
  std::shared_ptr<spdlog::logger> log_;
  Pool<StoreConnection> pool_;
  // sqliteExclusive: a connection never lent out, open from the first connection to the
  // store's end or close(). The file's process-wide lock lasts while any connection of the process is
  // open, and the pool may close all of its own (idle, or broken).
  std::mutex holdMutex_;
  std::unique_ptr<DbSession> hold_;
  static constexpr std::int64_t kFullReportMs = 60000;
  static constexpr int kDeadlockRetries = 3;
  std::atomic<std::uint64_t> fullErrors_{0};
  std::atomic<std::uint64_t> deadlocks_{0}, lockTimeouts_{0};
  std::atomic<std::uint64_t> transactions_{0}, reads_{0};
  std::atomic<std::int64_t> fullSinceMs_{0};  // steady clock; 0: no recent failure
};

/// The MySQL/MariaDB error number `e` carries (a Poco::Data::MySQL exception), if any.
std::optional<int> mysqlErrorNumber(const std::exception& e);

/// True when `e` (from Poco::Data) means the database has no room left for a write:
/// answered 503, not 500, and reported by /readyz.
bool isStorageFull(const std::exception& e);

/// True when `e` (from Poco::Data) means the connection is gone rather than the statement
/// failed: a fresh connection may succeed.
bool isConnectionLost(const std::exception& e);

}  // namespace mmm::core
