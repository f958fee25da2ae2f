#include "store_impl.hpp"

#include "errors.hpp"

#include <mmm/time.hpp>

#include <Poco/Data/MySQL/Connector.h>
#include <Poco/Data/MySQL/MySQLException.h>
#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/SQLite/SQLiteException.h>
#include <Poco/Exception.h>
#include <Poco/URI.h>

#include <spdlog/logger.h>

#include <sqlite3.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <mutex>
#include <random>
#include <set>
#include <thread>

using namespace Poco::Data::Keywords;

namespace mmm::core {
namespace {

// The SQLite URI of `path` on the unix-excl VFS. Its first connection takes an exclusive lock
// on the file for the whole process, and the process's connections then coordinate in
// memory: no fcntl() lock and unlock around each statement (each WAL read transaction took
// one or two), and the WAL index is kept in memory rather than in a shared -shm file.
std::string exclusiveUri(const std::string& path) {
  // "file:" plus the path, percent-encoded where a URI would read it otherwise (Poco encodes
  // '%', spaces, controls and the like; '?' and '#' are asked for); an absolute path after an
  // empty authority ("file:///srv/mmm.db"), so that one starting with "//" is not taken for
  // a host.
  std::string uri = path.rfind('/', 0) == 0 ? "file://" : "file:";
  Poco::URI::encode(path, "?#", uri);
  return uri + "?vfs=unix-excl";
}

// A pause in [low, high] milliseconds, different for each thread.
int randomBetween(int low, int high) {
  thread_local std::minstd_rand generator(std::random_device{}());
  return std::uniform_int_distribution<int>(low, high)(generator);
}

std::int64_t steadyMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// SQLite's threading mode, set once per process before SQLite initialises. The pool leases a
// connection to one thread at a time, so SQLite's serialized mode (its default) only adds a
// mutex lock and unlock around every call, each sqlite3_column_* included: 11 % of the
// server's CPU on the events list. Multi-thread mode drops that mutex, and turning memory
// statistics off drops a process-wide one around each of SQLite's allocations. An embedder
// who used SQLite before the first store keeps serialized mode (sqlite3_config refuses once
// SQLite is initialised); that is only slower, and logged.
void configureSqlite(spdlog::logger& log) {
  const int threading = sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
  const int statistics = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  if (threading != SQLITE_OK || statistics != SQLITE_OK)
    log.info("SQLite was initialised before the store: it keeps its serialized threading mode (slower, as safe)");
}

void registerConnectors(spdlog::logger& log) {
  // Process-wide in Poco; registering once is enough for any number of stores.
  static std::once_flag once;
  std::call_once(once, [&log] {
    configureSqlite(log);
    Poco::Data::SQLite::Connector::registerConnector();
    Poco::Data::MySQL::Connector::registerConnector();
  });
}

void execute(DbSession& session, const std::string& sql) {
  Poco::Data::Statement statement(session);
  statement << sql;
  statement.execute();
}

}  // namespace

StoreUrl parseStoreUrl(const std::string& url) {
  StoreUrl parsed;
  if (url.rfind("sqlite:", 0) == 0) {
    parsed.dialect = Dialect::SQLite;
    parsed.path = url.substr(7);
    if (parsed.path.empty()) throw std::invalid_argument("sqlite: needs a file path, e.g. sqlite:data/mmm.db");
    if (parsed.path == ":memory:" || parsed.path.rfind("file:", 0) == 0)
      throw std::invalid_argument("sqlite: needs a file path (each pooled :memory: connection would be its own database)");
    parsed.redacted = url;
    return parsed;
  }
  if (url.rfind("mysql://", 0) == 0 || url.rfind("mariadb://", 0) == 0) {
    Poco::URI uri;
    try {
      uri = Poco::URI(url);
    } catch (const Poco::Exception& e) {
      throw std::invalid_argument("malformed database URL: " + e.message());
    }
    parsed.dialect = Dialect::MySQL;
    parsed.host = uri.getHost();
    parsed.port = uri.getPort() ? uri.getPort() : 3306;
    const std::string info = uri.getUserInfo();
    auto colon = info.find(':');
    parsed.user = info.substr(0, colon);
    parsed.password = colon == std::string::npos ? "" : info.substr(colon + 1);
    parsed.database = uri.getPath().empty() ? "" : uri.getPath().substr(1);
    if (parsed.host.empty() || parsed.user.empty() || parsed.database.empty())
      throw std::invalid_argument("expected mysql://USER:PASS@HOST:PORT/DB");
    for (const std::string* part : {&parsed.user, &parsed.password, &parsed.database, &parsed.host})
      if (part->find_first_of(";=") != std::string::npos)
        throw std::invalid_argument("';' and '=' are not allowed in the database URL's parts");
    parsed.redacted = "mysql://" + parsed.user + (parsed.password.empty() ? "" : ":***") + "@" +
                      parsed.host + ":" + std::to_string(parsed.port) + "/" + parsed.database;
    return parsed;
  }
  throw std::invalid_argument("expected sqlite:PATH or mysql://USER:PASS@HOST:PORT/DB");
}

std::optional<int> mysqlErrorNumber(const std::exception& e) {
  const auto* mysql = dynamic_cast<const Poco::Data::MySQL::MySQLException*>(&e);
  if (!mysql) return std::nullopt;
  // Poco 1.11 keeps no number, only text composed as "[Comment]: …\t[mysql_error]: <server's
  // message>\t[mysql_errno]: N\t[mysql_sqlstate]: …" (the stmt_ variants for statements). The
  // server's message may quote the offending value, so take the last marker: what follows
  // it is a 5-character SQL state and our own SQL text, never user data.
  const std::string& text = mysql->message();
  std::size_t at = std::string::npos;
  std::size_t length = 0;
  for (const std::string marker : {"\t[mysql_stmt_errno]: ", "\t[mysql_errno]: "}) {
    const auto found = text.rfind(marker);
    if (found != std::string::npos && (at == std::string::npos || found > at)) {
      at = found;
      length = marker.size();
    }
  }
  if (at == std::string::npos) return std::nullopt;
  int number = 0;
  const char* begin = text.data() + at + length;
  const auto [end, error] = std::from_chars(begin, text.data() + text.size(), number);
  if (error != std::errc() || end == begin) return std::nullopt;
  return number;
}

bool isConnectionLost(const std::exception& e) {
  if (const auto number = mysqlErrorNumber(e)) {
    // 2002/2003 can't connect, 2006 gone away, 2013/2055 lost connection, 1053 server
    // shutting down, 1927 connection killed, 4031 disconnected for inactivity.
    static const std::set<int> lost = {2002, 2003, 2006, 2013, 2055, 1053, 1927, 4031};
    return lost.count(*number) > 0;
  }
  // A connection error that carries no number (Poco's own, e.g. no handle) is still one.
  return dynamic_cast<const Poco::Data::MySQL::ConnectionException*>(&e) != nullptr;
}

// The database aborted this transaction in favour of another: InnoDB's deadlock victim
// (1213, the whole transaction rolled back) or a lock wait past innodb_lock_wait_timeout
// (1205); SQLite's write lock still held by another connection past busy_timeout.
enum class Conflict { None, Deadlock, LockWait };
Conflict conflictOf(const std::exception& e) {
  if (dynamic_cast<const Poco::Data::SQLite::DBLockedException*>(&e) ||
      dynamic_cast<const Poco::Data::SQLite::TableLockedException*>(&e))
    return Conflict::LockWait;
  const auto number = mysqlErrorNumber(e);
  if (number == 1213) return Conflict::Deadlock;
  if (number == 1205) return Conflict::LockWait;
  return Conflict::None;
}

bool isStorageFull(const std::exception& e) {
  // SQLITE_FULL; and SQLITE_IOERR, which is how SQLite reports a write refused with EFBIG
  // (past RLIMIT_FSIZE) or failing for want of room outside its own checks.
  if (dynamic_cast<const Poco::Data::SQLite::DatabaseFullException*>(&e) ||
      dynamic_cast<const Poco::Data::SQLite::IOErrorException*>(&e))
    return true;
  const auto number = mysqlErrorNumber(e);
  return number == 1021 /* ER_DISK_FULL */ || number == 1114 /* ER_RECORD_FILE_FULL: table is full */;
}

PocoStore::PocoStore(StoreUrl url, StoreOptions options, std::shared_ptr<spdlog::logger> log)
    : url_(std::move(url)),
      options_(options),
      log_(std::move(log)),
      pool_([this] { return std::make_unique<StoreConnection>(connect(), url_.dialect); },
            {options.poolSize, options.acquireTimeout, options.maxIdle, url_.dialect == Dialect::MySQL}) {
  registerConnectors(*log_);
}

PocoStore::~PocoStore() = default;

void PocoStore::holdFile() {
  std::lock_guard<std::mutex> lock(holdMutex_);
  if (hold_) return;
  auto session = std::make_unique<DbSession>("SQLite", exclusiveUri(url_.path), options_.connectTimeoutSeconds);
  try {
    execute(*session, "PRAGMA busy_timeout = 100");  // another process's lock: say so at once
    execute(*session, "PRAGMA journal_mode = WAL");  // the first statement to read the file
  } catch (const Poco::Data::SQLite::DBLockedException&) {
    throw std::runtime_error("the SQLite database " + url_.path +
                             " is in use by another process, and this server keeps it for itself: close that "
                             "process, or set store.sqlite_exclusive: false to share the file");
  }
  hold_ = std::move(session);
}

void PocoStore::close() {
  pool_.clearIdle();
  std::lock_guard<std::mutex> lock(holdMutex_);
  hold_.reset();
}

std::unique_ptr<DbSession> PocoStore::connect() {
  if (url_.dialect == Dialect::SQLite) {
    // Made at the first connection, not at construction: --check-config touches no disk.
    auto parent = std::filesystem::path(url_.path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent);
    if (options_.sqliteExclusive) holdFile();
    auto session = std::make_unique<DbSession>(
        "SQLite", options_.sqliteExclusive ? exclusiveUri(url_.path) : url_.path, options_.connectTimeoutSeconds);
    execute(*session, "PRAGMA busy_timeout = 5000");  // wait for another writer instead of failing
    execute(*session, "PRAGMA foreign_keys = ON");     // per connection in SQLite
    execute(*session, "PRAGMA journal_mode = WAL");    // readers never block the writer
    execute(*session, "PRAGMA synchronous = NORMAL");  // safe with WAL
    return session;
  }
  // No auto-reconnect: after a silent reconnect, the rest of a transaction would run in
  // autocommit on a new connection, its first part rolled back. A lost connection surfaces
  // as an error instead, and run() retries the whole unit once (if it had not reached
  // COMMIT); the pool's idle limit stays below MariaDB's wait_timeout.
  const std::string connection = "host=" + url_.host + ";port=" + std::to_string(url_.port) +
                                 ";user=" + url_.user + ";password=" + url_.password +
                                 ";db=" + url_.database +
                                 ";compress=false;auto-reconnect=false;character-set=utf8mb4";
  auto session = std::make_unique<DbSession>("MySQL", connection, options_.connectTimeoutSeconds);
  execute(*session, "SET time_zone = '+00:00'");
  return session;
}

void PocoStore::run(const std::function<void(DbSession&)>& work, bool transactional) {
  const Sql sql(url_.dialect);
  // MariaDB's units are mostly round trips: a worker's CPU is free for another meanwhile.
  // SQLite's run here, on the CPU (a wait for its lock is caught as a stall, see WorkerPool).
  const Waiting waiting(url_.dialect == Dialect::MySQL);
  int deadlocks = 0;  // this unit chosen as a deadlock's victim so far
  for (int attempt = 0;; ++attempt) {
    std::optional<Pool<StoreConnection>::Lease> lease;
    try {
      lease.emplace(pool_.acquire());
    } catch (const PoolExhausted& e) {
      throw Unavailable(std::string("the database is busy: ") + e.what());
    } catch (const std::exception& e) {
      log_->warn("cannot connect to {}: {}", url_.redacted, e.what());
      throw Unavailable("the database is unavailable");
    }
    DbSession& session = *(*lease)->session;
    const ActiveConnection active(**lease);  // Store::query finds its statement cache
    bool open = false;        // a transaction is open
    bool committing = false;  // COMMIT was sent: the outcome is unknown if it fails
    try {
      if (transactional) {
        execute(session, sql.begin());
        open = true;
      }
      work(session);
      if (transactional) {
        committing = true;
        execute(session, "COMMIT");
        open = false;
        fullSinceMs_ = 0;  // a write went through: there is room again
      }
      return;
    } catch (const HttpError&) {
      try {
        if (open) execute(session, "ROLLBACK");
      } catch (const std::exception&) {
        lease->broken();
      }
      throw;
    } catch (const std::exception& e) {
      const bool lost = isConnectionLost(e);
      if (lost) {
        lease->broken();
      } else if (open) {
        try {
          execute(session, "ROLLBACK");
        } catch (const std::exception&) {
          lease->broken();
        }
      }
      if (!lost && isStorageFull(e)) {
        ++fullErrors_;
        fullSinceMs_ = steadyMillis();
        lease->broken();  // after an I/O error SQLite's connection is best replaced
        log_->error("the database is out of space: {}", describe(e));
        throw Unavailable("the database is out of space");
      }
      if (!lost && !committing) {
        switch (conflictOf(e)) {
          case Conflict::Deadlock:
            // The other transaction goes on once this one rolled back: run the whole unit
            // again (as after a lost connection, it has not committed), after a short and
            // random pause so that the two do not meet again in step.
            ++deadlocks_;
            if (++deadlocks <= kDeadlockRetries) {
              log_->info("deadlock, the transaction rolled back; running it again ({} of {})", deadlocks,
                         kDeadlockRetries);
              std::this_thread::sleep_for(std::chrono::milliseconds(randomBetween(1, 10 * deadlocks)));
              continue;
            }
            log_->warn("deadlock again after {} retries: {}", kDeadlockRetries, describe(e));
            throw Unavailable("the database is busy");
          case Conflict::LockWait:
            // It already waited its full time for the lock: another wait would hold the
            // request past any client's patience.
            ++lockTimeouts_;
            log_->warn("gave up waiting for a database lock: {}", describe(e));
            throw Unavailable("the database is busy");
          case Conflict::None:
            break;
        }
      }
      if (!lost) throw;
      if (committing) {
        // The commit may or may not have happened: running the work again could duplicate it.
        log_->warn("database connection lost during COMMIT, outcome unknown: {}", describe(e));
        pool_.clearIdle();
        throw Unavailable("the database connection was lost; the change may or may not have been saved");
      }
      // A connection that died before COMMIT rolled back on the server: retry once on a
      // fresh one (stale pooled connections die this way after a server restart).
      if (attempt == 0) {
        log_->info("database connection lost ({}); retrying on a fresh connection", describe(e));
        pool_.clearIdle();
        continue;
      }
      log_->warn("database connection lost again: {}", describe(e));
      throw Unavailable("the database is unavailable");
    }
  }
}

std::size_t PocoStore::query(DbSession& session, const std::string& sql, const SqlValue* params, std::size_t count,
                             const std::function<void(const SqlRow&)>& onRow) {
  if (auto* connection = ActiveConnection::find(session); connection && connection->statements)
    return connection->statements->run(sql, params, count, onRow);
  return queryUncached(session, sql, params, count, onRow);
}

void PocoStore::runTransaction(const std::function<void(DbSession&)>& work) {
  ++transactions_;
  run(work, true);
}

void PocoStore::runRead(const std::function<void(DbSession&)>& work) {
  ++reads_;
  run(work, false);
}

void PocoStore::check() {
  // SELECT 1 still answers on a full disk: report the store as down for a while after a
  // write failed for want of room, unless one has succeeded since.
  const auto fullSince = fullSinceMs_.load();
  if (fullSince != 0 && steadyMillis() - fullSince < kFullReportMs)
    throw std::runtime_error("out of space: a write failed for want of room " +
                             std::to_string((steadyMillis() - fullSince) / 1000) + " s ago");
  const Waiting waiting(url_.dialect == Dialect::MySQL);
  for (int attempt = 0;; ++attempt) {
    auto lease = pool_.acquire();
    try {
      int one = 0;
      *lease->session << "SELECT 1", into(one), now;
      return;
    } catch (const std::exception&) {
      lease.broken();
      if (attempt > 0 || lease.fresh()) throw;  // a stale pooled connection gets one retry
    }
  }
}

void PocoStore::migrate(const std::string& owner, const std::vector<Migration>& migrations) {
  for (std::size_t i = 0; i < migrations.size(); ++i)
    if (migrations[i].version != static_cast<int>(i) + 1)
      throw std::invalid_argument("migrations of '" + owner + "' must be numbered 1, 2, 3, … in order");
  const Sql sql(url_.dialect);
  const bool mysql = url_.dialect == Dialect::MySQL;
  runRead([&](DbSession& session) {
    execute(session, sql.expand(
                         "CREATE TABLE IF NOT EXISTS mmm_migrations ("
                         "owner VARCHAR(64) NOT NULL, version INTEGER NOT NULL, "
                         "description VARCHAR(255) NOT NULL, applied_at BIGINT NOT NULL, "
                         "PRIMARY KEY (owner, version)){{table_options}}"));
    // MariaDB commits DDL implicitly, so a transaction cannot keep two nodes apart there:
    // a named lock does. In SQLite, BEGIN IMMEDIATE takes the database's write lock.
    if (mysql) {
      int locked = 0;
      session << "SELECT GET_LOCK('mmm_migrations', 60)", into(locked), now;
      if (locked != 1) throw Unavailable("timed out waiting for another node's migrations");
    }
    struct Unlock {
      DbSession& session;
      bool mysql;
      ~Unlock() {
        if (!mysql) return;
        try {
          execute(session, "DO RELEASE_LOCK('mmm_migrations')");
        } catch (...) {
        }
      }
    } unlock{session, mysql};

    for (const auto& migration : migrations) {
      execute(session, sql.begin());
      try {
        int applied = 0;
        std::string who = owner;
        int version = migration.version;
        session << "SELECT COUNT(*) FROM mmm_migrations WHERE owner = ? AND version = ?",
            use(who), use(version), into(applied), now;
        if (applied) {
          execute(session, "COMMIT");
          continue;
        }
        for (const auto& statement : migration.statements) execute(session, sql.expand(statement));
        std::string description = migration.description;
        Poco::Int64 at = nowMillis();
        session << "INSERT INTO mmm_migrations (owner, version, description, applied_at) VALUES (?, ?, ?, ?)",
            use(who), use(version), use(description), use(at), now;
        execute(session, "COMMIT");
        log_->info("applied migration {} {}: {}", owner, migration.version, migration.description);
      } catch (...) {
        try {
          execute(session, "ROLLBACK");
        } catch (...) {
        }
        throw;
      }
    }
  });
}

}  // namespace mmm::core
