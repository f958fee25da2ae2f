#include "statement_cache.hpp"

#include <Poco/Data/LOB.h>
#include <Poco/Data/RecordSet.h>
#include <Poco/Data/SQLite/Utility.h>

#include <sqlite3.h>

#include <deque>

namespace mmm::core {
namespace {

// The connections lent to this thread's store work, innermost first (work may run store
// work of its own, on another connection, e.g. a profile lookup inside a transaction).
thread_local const ActiveConnection* innermost = nullptr;

class SqliteRow final : public SqlRow {
 public:
  explicit SqliteRow(sqlite3_stmt* statement) : statement_(statement) {}
  std::int64_t int64(int column) const override { return sqlite3_column_int64(statement_, column); }
  std::string text(int column) const override {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement_, column));
    return text ? std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(statement_, column))) : std::string();
  }
  bool isNull(int column) const override { return sqlite3_column_type(statement_, column) == SQLITE_NULL; }
  double real(int column) const override { return sqlite3_column_double(statement_, column); }

 private:
  sqlite3_stmt* statement_;
};

// Leaves the statement reset and unbound however run() ends, ready for the next call.
struct ResetOnExit {
  sqlite3_stmt* statement;
  ~ResetOnExit() {
    sqlite3_reset(statement);
    sqlite3_clear_bindings(statement);
  }
};

[[noreturn]] void fail(sqlite3* db, int rc, const std::string& sql) {
  // Poco's exception types and messages, so error handling (isDuplicateKey, the store's
  // retry) sees what it sees from Poco::Data statements.
  Poco::Data::SQLite::Utility::throwException(db, rc, std::string(sqlite3_errmsg(db)) + " [" + sql + "]");
  throw std::logic_error("unreachable");
}

class RecordSetRow final : public SqlRow {
 public:
  RecordSetRow(Poco::Data::RecordSet& rows, std::size_t row) : rows_(rows), row_(row) {}
  std::int64_t int64(int column) const override {
    const auto value = rows_.value(static_cast<std::size_t>(column), row_);
    return value.isEmpty() ? 0 : value.convert<Poco::Int64>();
  }
  std::string text(int column) const override {
    const auto value = rows_.value(static_cast<std::size_t>(column), row_);
    if (value.isEmpty()) return {};
    if (value.type() == typeid(Poco::Data::BLOB)) {
      const auto& blob = value.extract<Poco::Data::BLOB>();
      return std::string(blob.begin(), blob.end());
    }
    if (value.type() == typeid(Poco::Data::CLOB)) {
      const auto& clob = value.extract<Poco::Data::CLOB>();
      return std::string(clob.begin(), clob.end());
    }
    return value.convert<std::string>();
  }
  bool isNull(int column) const override { return rows_.value(static_cast<std::size_t>(column), row_).isEmpty(); }
  double real(int column) const override {
    const auto value = rows_.value(static_cast<std::size_t>(column), row_);
    return value.isEmpty() ? 0.0 : value.convert<double>();
  }

 private:
  Poco::Data::RecordSet& rows_;
  std::size_t row_;
};

}  // namespace

SqliteStatementCache::~SqliteStatementCache() = default;

void SqliteStatementCache::Finalize::operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }

sqlite3_stmt* SqliteStatementCache::compile(const std::string& sql) {
  sqlite3_stmt* statement = nullptr;
  const char* tail = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size() + 1), SQLITE_PREPARE_PERSISTENT,
                                    &statement, &tail);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(statement);
    fail(db_, rc, sql);
  }
  if (!statement) throw std::invalid_argument("Store::query: no SQL statement in \"" + sql + "\"");
  for (; tail && *tail; ++tail)
    if (*tail != ' ' && *tail != '\n' && *tail != '\t' && *tail != ';') {
      sqlite3_finalize(statement);
      throw std::invalid_argument("Store::query runs one statement: \"" + sql + "\"");
    }
  ++compilations_;
  return statement;
}

sqlite3_stmt* SqliteStatementCache::keep(const std::string& sql) {
  Compiled statement(compile(sql));
  // One stepping further up this thread's stack (a query from inside onRow) stays.
  return statements_
      .add(sql, std::move(statement), kMaxStatements,
           [](const Compiled& kept) { return !sqlite3_stmt_busy(kept.get()); })
      .get();
}

std::size_t SqliteStatementCache::run(const std::string& sql, const SqlValue* params, std::size_t count,
                                      const std::function<void(const SqlRow&)>& onRow) {
  // A statement still stepping further up this thread's stack (a query from inside onRow)
  // is not reset under it: this call gets one of its own, finalized when it ends.
  // One lookup: the SQL of a list with its filters runs to several hundred bytes.
  Compiled own;
  sqlite3_stmt* statement;
  if (auto* kept = statements_.find(sql); !kept) {
    statement = keep(sql);
  } else if (sqlite3_stmt_busy(kept->get())) {
    own.reset(compile(sql));
    statement = own.get();
  } else {
    statement = kept->get();
  }
  ResetOnExit reset{statement};
  if (static_cast<int>(count) != sqlite3_bind_parameter_count(statement))
    throw std::invalid_argument("Store::query: " + std::to_string(count) + " values for the ?s of \"" + sql + "\"");
  for (std::size_t i = 0; i < count; ++i) {
    const int at = static_cast<int>(i) + 1;
    int rc;
    if (const auto* number = std::get_if<std::int64_t>(&params[i])) {
      rc = sqlite3_bind_int64(statement, at, *number);
    } else {
      const auto text = std::get<std::string_view>(params[i]);
      // SQLITE_STATIC: the text outlives the statement's use of it (reset on exit). Never
      // a null pointer, which SQLite binds as NULL (an empty string_view may have one).
      rc = sqlite3_bind_text(statement, at, text.data() ? text.data() : "", static_cast<int>(text.size()),
                             SQLITE_STATIC);
    }
    if (rc != SQLITE_OK) fail(db_, rc, sql);
  }
  const SqliteRow row(statement);
  std::size_t rows = 0;
  for (;;) {
    const int rc = sqlite3_step(statement);  // waits on a busy database per busy_timeout
    if (rc == SQLITE_ROW) {
      ++rows;
      if (onRow) onRow(row);
    } else if (rc == SQLITE_DONE) {
      break;
    } else {
      fail(db_, rc, sql);
    }
  }
  return sqlite3_stmt_readonly(statement) ? rows : static_cast<std::size_t>(sqlite3_changes(db_));
}

StoreConnection::StoreConnection(std::unique_ptr<DbSession> connected, Dialect dialect)
    : session(std::move(connected)) {
  if (dialect == Dialect::SQLite)
    statements = std::make_unique<SqliteStatementCache>(Poco::Data::SQLite::Utility::dbHandle(*session));
  else
    statements = std::make_unique<MysqlStatementCache>(mysqlHandle(*session));
}

ActiveConnection::ActiveConnection(StoreConnection& connection) : connection_(connection), outer_(innermost) {
  innermost = this;
}

ActiveConnection::~ActiveConnection() { innermost = outer_; }

StoreConnection* ActiveConnection::find(const DbSession& session) {
  for (const ActiveConnection* a = innermost; a; a = a->outer_)
    if (a->connection_.session.get() == &session) return &a->connection_;
  return nullptr;
}

std::size_t queryUncached(DbSession& session, const std::string& sql, const SqlValue* params, std::size_t count,
                          const std::function<void(const SqlRow&)>& onRow) {
  using namespace Poco::Data::Keywords;
  Poco::Data::Statement statement(session);
  statement << sql;
  // Bound by reference: deques keep their elements in place as they grow.
  std::deque<Poco::Int64> numbers;
  std::deque<std::string> texts;
  for (std::size_t i = 0; i < count; ++i) {
    if (const auto* number = std::get_if<std::int64_t>(&params[i])) {
      numbers.push_back(*number);
      statement, use(numbers.back());
    } else {
      texts.emplace_back(std::get<std::string_view>(params[i]));
      statement, use(texts.back());
    }
  }
  const std::size_t affected = statement.execute();
  Poco::Data::RecordSet rows(statement);
  if (rows.columnCount() == 0) return affected;  // no result columns: a write
  const std::size_t total = rows.rowCount();
  if (onRow)
    for (std::size_t i = 0; i < total; ++i) onRow(RecordSetRow(rows, i));
  return total;
}

}  // namespace mmm::core
