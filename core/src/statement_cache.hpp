// Prepared statements kept per pooled store connection, so that no SQL on a hot path is
// compiled twice. Poco::Data 1.11 cannot do this itself: Statement::execute() resets a
// finished statement (ST_DONE -> ST_RESET), and StatementImpl::compile() then calls the
// connector's compileImpl(), which runs sqlite3_prepare_v2 (SQLite) or
// mysql_stmt_prepare (MySQL) again (pocoproject/poco#932, #5220), and on MySQL closes the
// server-side statement after every call. So Store::query keeps the statement handles of
// each connection itself, through the back end's C API: sqlite3_stmt (sqlite3_reset +
// rebind per call) or MYSQL_STMT (mysql_stmt_execute + fetch per call, one round trip).
#pragma once

#include <mmm/store.hpp>

#include <cassert>
#include <cstddef>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

struct sqlite3;
struct sqlite3_stmt;
struct st_mysql;  // MYSQL

namespace mmm::core {

/// The compiled statements of one connection, by SQL text (one implementation per dialect).
class StatementCache {
 public:
  virtual ~StatementCache() = default;
  /// Runs `sql` with `params` bound to its ?s in order, calling `onRow` for each row it
  /// reads; returns the rows read (a query) or the rows changed (a write). Errors are
  /// thrown as Poco::Data's connector would throw them, so that their handling is the same.
  virtual std::size_t run(const std::string& sql, const SqlValue* params, std::size_t count,
                          const std::function<void(const SqlRow&)>& onRow) = 0;
  virtual std::size_t size() const = 0;
  /// How many times SQL was compiled (tests prove reuse with it).
  virtual std::size_t compilations() const = 0;
};

/// What a statement cache keeps, by SQL text, in the order of last use. A full cache gives
/// up its least recently used entry that is not running (one, not all of them: a working
/// set a little larger than the cache then compiles a statement now and then, not every
/// statement after each miss).
template <class Value>
class RecentlyUsed {
 public:
  /// The entry of `sql`, now the most recently used; null when there is none.
  Value* find(const std::string& sql) {
    const auto it = entries_.find(sql);
    if (it == entries_.end()) return nullptr;
    order_.splice(order_.begin(), order_, it->second.place);
    return &it->second.value;
  }
  /// Keeps `value` as the entry of `sql` (which must have none), the most recently used.
  /// With `limit` entries or more, the least recently used one that `idle` allows goes first.
  template <class Idle>
  Value& add(const std::string& sql, Value value, std::size_t limit, Idle&& idle) {
    assert(!entries_.count(sql));
    if (entries_.size() >= limit) {
      for (auto place = order_.end(); place != order_.begin();) {
        --place;
        const auto it = entries_.find(**place);
        if (!idle(it->second.value)) continue;
        order_.erase(place);
        entries_.erase(it);
        break;
      }
    }
    order_.push_front(nullptr);  // first: should the entry's allocation throw, it is taken back
    try {
      const auto it = entries_.emplace(sql, Entry{std::move(value), order_.begin()}).first;
      order_.front() = &it->first;
      return it->second.value;
    } catch (...) {
      order_.pop_front();
      throw;
    }
  }
  /// Takes the entry of `sql` out (an empty Value when there is none, or when `which`
  /// refuses it).
  template <class Which>
  Value take(const std::string& sql, Which&& which) {
    const auto it = entries_.find(sql);
    if (it == entries_.end() || !which(it->second.value)) return Value();
    Value value = std::move(it->second.value);
    order_.erase(it->second.place);
    entries_.erase(it);
    return value;
  }
  /// Drops the entries that `idle` allows.
  template <class Idle>
  void dropIf(Idle&& idle) {
    for (auto it = entries_.begin(); it != entries_.end();) {
      if (!idle(it->second.value)) {
        ++it;
        continue;
      }
      order_.erase(it->second.place);
      it = entries_.erase(it);
    }
  }
  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }

 private:
  struct Entry {
    Value value;
    std::list<const std::string*>::iterator place;  // in order_
  };
  std::unordered_map<std::string, Entry> entries_;  // node-based: the keys order_ points to stay put
  std::list<const std::string*> order_;             // the most recently used first
};

/// The compiled statements of one SQLite connection. At most kMaxStatements are kept
/// (SQL of unbounded shapes would otherwise grow the cache without end); beyond that the
/// least recently used one goes.
class SqliteStatementCache final : public StatementCache {
 public:
  static constexpr std::size_t kMaxStatements = 128;

  explicit SqliteStatementCache(sqlite3* db) : db_(db) {}
  ~SqliteStatementCache() override;
  SqliteStatementCache(const SqliteStatementCache&) = delete;
  SqliteStatementCache& operator=(const SqliteStatementCache&) = delete;

  std::size_t run(const std::string& sql, const SqlValue* params, std::size_t count,
                  const std::function<void(const SqlRow&)>& onRow) override;
  std::size_t size() const override { return statements_.size(); }
  std::size_t compilations() const override { return compilations_; }

 private:
  sqlite3_stmt* compile(const std::string& sql);
  /// Compiles `sql` and keeps it (making room first when the cache is full).
  sqlite3_stmt* keep(const std::string& sql);

  struct Finalize {
    void operator()(sqlite3_stmt* statement) const;
  };
  using Compiled = std::unique_ptr<sqlite3_stmt, Finalize>;

  sqlite3* db_;
  RecentlyUsed<Compiled> statements_;
  std::size_t compilations_ = 0;
};

/// The server-side prepared statements of one MariaDB/MySQL connection (the C API's
/// MYSQL_STMT handles, with their bind buffers kept between calls). Bounded like
/// SqliteStatementCache, and lower: the server limits them for all connections together
/// (max_prepared_stmt_count, 16,382 by default), so a node holds up to kMaxStatements ×
/// store.pool_size of them (512 with 16 connections; the README says how to size the
/// limit). A refusal of that limit gives back every idle statement of this cache and
/// prepares again. A statement whose
/// connection failed is closed at once, never run again.
class MysqlStatementCache final : public StatementCache {
 public:
  static constexpr std::size_t kMaxStatements = 32;

  explicit MysqlStatementCache(st_mysql* mysql);
  ~MysqlStatementCache() override;
  MysqlStatementCache(const MysqlStatementCache&) = delete;
  MysqlStatementCache& operator=(const MysqlStatementCache&) = delete;

  std::size_t run(const std::string& sql, const SqlValue* params, std::size_t count,
                  const std::function<void(const SqlRow&)>& onRow) override;
  std::size_t size() const override { return statements_.size(); }
  std::size_t compilations() const override { return compilations_; }

  struct Statement;  // mysql_statement_cache.cpp

 private:
  std::unique_ptr<Statement> prepare(const std::string& sql);
  /// One run of `statement`; nullopt when the server asked for it to be prepared again
  /// (and `mayReprepare`). A statement that must not run again is moved into `own`.
  std::optional<std::size_t> execute(Statement& statement, const std::string& sql, const SqlValue* params,
                                     std::size_t count, const std::function<void(const SqlRow&)>& onRow,
                                     std::unique_ptr<Statement>& own, bool mayReprepare);
  void clearIdle();

  st_mysql* mysql_;
  RecentlyUsed<std::unique_ptr<Statement>> statements_;
  std::size_t compilations_ = 0;
};

/// The MYSQL handle of a Poco MySQL session.
st_mysql* mysqlHandle(DbSession& session);

/// A pooled store connection: the Poco session and its statements (declared after the
/// session, so they are closed before it is).
struct StoreConnection {
  StoreConnection(std::unique_ptr<DbSession> connected, Dialect dialect);
  std::unique_ptr<DbSession> session;
  std::unique_ptr<StatementCache> statements;
};

/// Marks `connection` as the one this thread's store work runs on, for Store::query to
/// find its cache from the DbSession the work was given. Nests (work inside work).
class ActiveConnection {
 public:
  explicit ActiveConnection(StoreConnection& connection);
  ~ActiveConnection();
  ActiveConnection(const ActiveConnection&) = delete;
  ActiveConnection& operator=(const ActiveConnection&) = delete;
  /// The active connection of this thread whose session is `session`, or null.
  static StoreConnection* find(const DbSession& session);

 private:
  StoreConnection& connection_;
  const ActiveConnection* outer_;
};

/// Store::query without a cache: Poco::Data compiles the statement for this call.
std::size_t queryUncached(DbSession& session, const std::string& sql, const SqlValue* params, std::size_t count,
                          const std::function<void(const SqlRow&)>& onRow);

}  // namespace mmm::core
