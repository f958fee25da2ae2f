// Prepared statements kept per pooled store connection, so that no SQL on a hot path is
// compiled twice. Poco::Data 1.11 cannot do this itself: Statement::execute() resets a
// finished statement (ST_DONE -> ST_RESET), and StatementImpl::compile() then calls the
// connector's compileImpl(), which runs sqlite3_prepare_v2 (SQLite) or
// mysql_stmt_prepare (MySQL) again (pocoproject/poco#932, #5220). So the SQLite path
// keeps sqlite3_stmt handles itself (sqlite3_reset + rebind per call); other back ends go
// through Poco::Data per call.
#pragma once

#include <mmm/store.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

struct sqlite3;
struct sqlite3_stmt;

namespace mmm::core {

/// The compiled statements of one SQLite connection, by SQL text. At most kMaxStatements
/// are kept; beyond that the cache starts over (SQL of unbounded shapes would otherwise
/// grow it without end).
class SqliteStatementCache {
 public:
  static constexpr std::size_t kMaxStatements = 128;

  explicit SqliteStatementCache(sqlite3* db) : db_(db) {}
  ~SqliteStatementCache();
  SqliteStatementCache(const SqliteStatementCache&) = delete;
  SqliteStatementCache& operator=(const SqliteStatementCache&) = delete;

  std::size_t run(const std::string& sql, const SqlValue* params, std::size_t count,
                  const std::function<void(const SqlRow&)>& onRow);
  std::size_t size() const { return statements_.size(); }
  /// How many times SQL was compiled (tests prove reuse with it).
  std::size_t compilations() const { return compilations_; }

 private:
  sqlite3_stmt* prepare(const std::string& sql);
  void clear();

  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
  std::size_t compilations_ = 0;
};

/// A pooled store connection: the Poco session and, on SQLite, its statements (declared
/// after the session, so they are finalized before it closes).
struct StoreConnection {
  explicit StoreConnection(std::unique_ptr<DbSession> connected, bool sqlite);
  std::unique_ptr<DbSession> session;
  std::unique_ptr<SqliteStatementCache> statements;
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
