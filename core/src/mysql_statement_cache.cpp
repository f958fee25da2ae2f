// Store::query on MariaDB/MySQL: server-side prepared statements kept per connection, run
// through the C API of libmariadb (the client library Poco::DataMySQL is built on).
#include "statement_cache.hpp"
#include "store_impl.hpp"

#include <Poco/Data/MySQL/MySQLException.h>
#include <Poco/Data/MySQL/Utility.h>

#include <mysql/mysql.h>

#include <charconv>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

namespace mmm::core {
namespace {

constexpr unsigned kNeedReprepare = 1615;        // ER_NEED_REPREPARE: the server wants it prepared again
constexpr unsigned kTooManyStatements = 1461;    // ER_MAX_PREPARED_STMT_COUNT_REACHED
constexpr unsigned kNewMetadata = 2057;          // CR_NEW_STMT_METADATA: its columns changed
constexpr unsigned kUnknownStatement = 1243;     // ER_UNKNOWN_STMT_HANDLER: the server lost it (a proxy moved us)
constexpr std::size_t kTextBuffer = 256;         // bytes a text column starts with; grows on demand
constexpr std::size_t kKeptTextBuffer = 64 * 1024;  // larger buffers are given back after the call

// A result column's bind buffer, reused from row to row and from call to call. Integers
// and floating point arrive in their binary form; everything else (strings, blobs,
// DECIMAL from SUM or AVG, dates) as the server's bytes.
struct Column {
  enum class Kind { Integer, Real, Text };
  Kind kind = Kind::Text;
  bool isUnsigned = false;
  long long integer = 0;
  double real = 0;
  std::vector<char> text;  // its size() is the buffer's capacity
  unsigned long length = 0;
  my_bool isNull = 0;
  my_bool truncated = 0;
};

Column::Kind kindOf(enum_field_types type) {
  switch (type) {
    case MYSQL_TYPE_TINY:
    case MYSQL_TYPE_SHORT:
    case MYSQL_TYPE_LONG:
    case MYSQL_TYPE_INT24:
    case MYSQL_TYPE_LONGLONG:
    case MYSQL_TYPE_YEAR:
      return Column::Kind::Integer;
    case MYSQL_TYPE_FLOAT:
    case MYSQL_TYPE_DOUBLE:
      return Column::Kind::Real;
    default:
      return Column::Kind::Text;
  }
}

// A real as an integer the way SQLite converts one: truncated, and held within int64's range
// (a plain cast of a value outside it is undefined); NaN is 0.
std::int64_t clampedInteger(double real) {
  if (std::isnan(real)) return 0;
  if (real >= 9223372036854775807.0) return std::numeric_limits<std::int64_t>::max();
  if (real <= -9223372036854775808.0) return std::numeric_limits<std::int64_t>::min();
  return static_cast<std::int64_t>(real);
}

// Numbers read from text (DECIMAL, or a number stored in a string column), as SQLite and
// Poco's conversions read them: an integer if it is one, else a truncated real, else 0.
std::int64_t integerOf(const char* begin, const char* end) {
  std::int64_t number = 0;
  if (const auto [at, error] = std::from_chars(begin, end, number); error == std::errc() && at == end) return number;
  double real = 0;
  if (const auto [at, error] = std::from_chars(begin, end, real); error == std::errc() && at != begin)
    return clampedInteger(real);
  return 0;
}

double realOf(const char* begin, const char* end) {
  double real = 0;
  std::from_chars(begin, end, real);
  return real;
}

class MysqlRow final : public SqlRow {
 public:
  explicit MysqlRow(const std::vector<Column>& columns) : columns_(columns) {}
  std::int64_t int64(int column) const override {
    const Column& c = at(column);
    if (c.isNull) return 0;
    switch (c.kind) {
      case Column::Kind::Integer: return c.integer;
      case Column::Kind::Real: return clampedInteger(c.real);
      case Column::Kind::Text: return integerOf(c.text.data(), c.text.data() + size(c));
    }
    return 0;
  }
  std::string text(int column) const override {
    const Column& c = at(column);
    if (c.isNull) return {};
    switch (c.kind) {
      case Column::Kind::Integer:
        return c.isUnsigned ? std::to_string(static_cast<unsigned long long>(c.integer)) : std::to_string(c.integer);
      case Column::Kind::Real: {
        char buffer[32];
        const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, c.real);
        return std::string(buffer, error == std::errc() ? end : buffer);
      }
      case Column::Kind::Text: return std::string(c.text.data(), size(c));
    }
    return {};
  }
  bool isNull(int column) const override { return at(column).isNull != 0; }
  double real(int column) const override {
    const Column& c = at(column);
    if (c.isNull) return 0;
    switch (c.kind) {
      case Column::Kind::Integer:
        return c.isUnsigned ? static_cast<double>(static_cast<unsigned long long>(c.integer))
                            : static_cast<double>(c.integer);
      case Column::Kind::Real: return c.real;
      case Column::Kind::Text: return realOf(c.text.data(), c.text.data() + size(c));
    }
    return 0;
  }

 private:
  const Column& at(int column) const {
    if (column < 0 || static_cast<std::size_t>(column) >= columns_.size())
      throw std::out_of_range("Store::query: no column " + std::to_string(column) + " in the row");
    return columns_[static_cast<std::size_t>(column)];
  }
  static std::size_t size(const Column& c) { return std::min<std::size_t>(c.length, c.text.size()); }

  const std::vector<Column>& columns_;
};

// Poco's exception type and message ("[Comment]: …\t[mysql_stmt_error]: …\t[mysql_stmt_errno]:
// N\t[mysql_stmt_sqlstate]: …\t[statemnt]: SQL"), so that mysqlErrorNumber, isDuplicateKey
// and the store's retries read it as they read errors of Poco::Data statements. Made
// before the statement is reset, which clears its error.
Poco::Data::MySQL::StatementException errorOf(const char* what, MYSQL_STMT* handle, const std::string& sql) {
  return Poco::Data::MySQL::StatementException(what, handle, sql);
}

// A statement that failed this way must not run again: its connection is gone, or in a
// state the client library no longer knows (client errors are 2000-2999).
bool connectionFailed(const Poco::Data::MySQL::StatementException& e, unsigned number) {
  return number == 0 || (number >= 2000 && number < 3000) || isConnectionLost(e);
}

}  // namespace

struct MysqlStatementCache::Statement {
  MYSQL_STMT* handle = nullptr;
  std::vector<MYSQL_BIND> params;
  std::vector<long long> numbers;       // bound integers: the C API reads them during execute
  std::vector<unsigned long> lengths;   // bound texts' lengths
  std::vector<Column> columns;
  std::vector<MYSQL_BIND> results;
  bool busy = false;  // running, further up this thread's stack (a query from inside onRow)

  ~Statement() {
    // Frees the handle even on a dead connection: the client library then skips the
    // server's part (or it fails, unanswered), and never waits for a reply.
    if (handle) mysql_stmt_close(handle);
  }

  // The result columns' buffers, from the statement's metadata (none for a write).
  void describeResults(const std::string& sql) {
    columns.clear();
    results.clear();
    MYSQL_RES* metadata = mysql_stmt_result_metadata(handle);
    if (!metadata) {
      if (mysql_stmt_errno(handle) != 0) throw errorOf("mysql_stmt_result_metadata error", handle, sql);
      return;
    }
    const unsigned count = mysql_num_fields(metadata);
    const MYSQL_FIELD* fields = mysql_fetch_fields(metadata);
    columns.resize(count);
    results.resize(count);
    for (unsigned i = 0; i < count; ++i) {
      columns[i].kind = kindOf(fields[i].type);
      columns[i].isUnsigned = (fields[i].flags & UNSIGNED_FLAG) != 0;
      if (columns[i].kind == Column::Kind::Text) columns[i].text.resize(kTextBuffer);
    }
    mysql_free_result(metadata);
    for (std::size_t i = 0; i < columns.size(); ++i) pointAt(i);
  }

  void pointAt(std::size_t i) {
    Column& c = columns[i];
    MYSQL_BIND& b = results[i];
    b = MYSQL_BIND{};
    switch (c.kind) {
      case Column::Kind::Integer:
        b.buffer_type = MYSQL_TYPE_LONGLONG;
        b.buffer = &c.integer;
        b.is_unsigned = c.isUnsigned;
        break;
      case Column::Kind::Real:
        b.buffer_type = MYSQL_TYPE_DOUBLE;
        b.buffer = &c.real;
        break;
      case Column::Kind::Text:
        b.buffer_type = MYSQL_TYPE_STRING;
        b.buffer = c.text.data();
        b.buffer_length = static_cast<unsigned long>(c.text.size());
        break;
    }
    b.length = &c.length;
    b.is_null = &c.isNull;
    b.error = &c.truncated;
  }

  // After a row came truncated: reads the whole of each text column that did not fit into
  // a buffer grown to its length (kept for the next rows and calls).
  bool readTruncated() {
    bool grown = false;
    for (std::size_t i = 0; i < columns.size(); ++i) {
      Column& c = columns[i];
      if (c.kind != Column::Kind::Text || c.isNull || !c.truncated || c.length <= c.text.size()) continue;
      c.text.resize(std::max<std::size_t>(c.length, 2 * c.text.size()));
      pointAt(i);
      if (mysql_stmt_fetch_column(handle, &results[i], static_cast<unsigned>(i), 0) != 0) return false;
      grown = true;
    }
    // The grown buffers take over for the rows still to come.
    return !grown || mysql_stmt_bind_result(handle, results.data()) == 0;
  }

  // A buffer grown for one exceptional value is not kept by every statement forever.
  void shrinkBuffers() {
    for (std::size_t i = 0; i < columns.size(); ++i)
      if (columns[i].text.size() > kKeptTextBuffer) {
        columns[i].text.resize(kTextBuffer);
        columns[i].text.shrink_to_fit();
        pointAt(i);
      }
  }
};

MysqlStatementCache::MysqlStatementCache(st_mysql* mysql) : mysql_(mysql) {}

MysqlStatementCache::~MysqlStatementCache() = default;

st_mysql* mysqlHandle(DbSession& session) { return Poco::Data::MySQL::Utility::handle(session); }

void MysqlStatementCache::clearIdle() {
  statements_.dropIf([](const std::unique_ptr<Statement>& kept) { return !kept->busy; });
}

std::unique_ptr<MysqlStatementCache::Statement> MysqlStatementCache::prepare(const std::string& sql) {
  for (int attempt = 0;; ++attempt) {
    auto statement = std::make_unique<Statement>();
    statement->handle = mysql_stmt_init(mysql_);
    if (!statement->handle) throw Poco::Data::MySQL::StatementException("mysql_stmt_init error");
    if (mysql_stmt_prepare(statement->handle, sql.data(), static_cast<unsigned long>(sql.size())) != 0) {
      auto error = errorOf("mysql_stmt_prepare error", statement->handle, sql);
      // The server's limit on prepared statements (all connections together): give ours
      // back and try once more, rather than fail the request.
      if (mysql_stmt_errno(statement->handle) == kTooManyStatements && attempt == 0 && !statements_.empty()) {
        clearIdle();
        continue;
      }
      throw error;
    }
    ++compilations_;
    const auto count = mysql_stmt_param_count(statement->handle);
    statement->params.resize(count);
    statement->numbers.resize(count);
    statement->lengths.resize(count);
    statement->describeResults(sql);
    return statement;
  }
}

std::size_t MysqlStatementCache::run(const std::string& sql, const SqlValue* params, std::size_t count,
                                     const std::function<void(const SqlRow&)>& onRow) {
  for (int attempt = 0;; ++attempt) {
    // A statement that is not (or no longer) in the cache, closed when this call ends.
    std::unique_ptr<Statement> own;
    Statement* statement;
    if (auto* kept = statements_.find(sql); !kept) {
      statement = statements_
                      .add(sql, prepare(sql), kMaxStatements,
                           [](const std::unique_ptr<Statement>& other) { return !other->busy; })
                      .get();
    } else if ((*kept)->busy) {
      own = prepare(sql);  // the cached one is in use further up: this call gets its own
      statement = own.get();
    } else {
      statement = kept->get();
    }
    if (auto rows = execute(*statement, sql, params, count, onRow, own, attempt == 0)) return *rows;
  }
}

std::optional<std::size_t> MysqlStatementCache::execute(Statement& statement, const std::string& sql,
                                                        const SqlValue* params, std::size_t count,
                                                        const std::function<void(const SqlRow&)>& onRow,
                                                        std::unique_ptr<Statement>& own, bool mayReprepare) {
  MYSQL_STMT* handle = statement.handle;
  if (count != statement.params.size())
    throw std::invalid_argument("Store::query: " + std::to_string(count) + " values for the ?s of \"" + sql + "\"");
  static char empty[1] = {0};
  for (std::size_t i = 0; i < count; ++i) {
    MYSQL_BIND& b = statement.params[i];
    b = MYSQL_BIND{};
    if (const auto* number = std::get_if<std::int64_t>(&params[i])) {
      statement.numbers[i] = *number;
      b.buffer_type = MYSQL_TYPE_LONGLONG;
      b.buffer = &statement.numbers[i];
    } else {
      // Bound in place: the text outlives this call. Never a null buffer, which the
      // client library would send as NULL.
      const auto text = std::get<std::string_view>(params[i]);
      statement.lengths[i] = static_cast<unsigned long>(text.size());
      b.buffer_type = MYSQL_TYPE_STRING;
      b.buffer = text.empty() ? empty : const_cast<char*>(text.data());
      b.buffer_length = statement.lengths[i];
      b.length = &statement.lengths[i];
    }
  }
  if (count && mysql_stmt_bind_param(handle, statement.params.data()) != 0)
    throw errorOf("mysql_stmt_bind_param error", handle, sql);

  // However this ends, the statement is left ready for its next call: its result freed
  // (stored on the client, so this costs no round trip); after an error, reset on the
  // server too, unless its connection failed (then it is dropped, never run again).
  struct Cleanup {
    Statement& statement;
    bool failed = true;
    bool dead = false;
    ~Cleanup() {
      statement.busy = false;
      mysql_stmt_free_result(statement.handle);
      if (failed && !dead) mysql_stmt_reset(statement.handle);
      statement.shrinkBuffers();
    }
  };
  statement.busy = true;
  Cleanup cleanup{statement};
  // Takes the statement out of the cache, to be closed when run() returns.
  auto drop = [&] {
    cleanup.dead = true;
    if (auto taken = statements_.take(sql, [&](const std::unique_ptr<Statement>& kept) { return kept.get() == &statement; }))
      own = std::move(taken);
  };
  auto fail = [&](const char* what) {
    auto error = errorOf(what, handle, sql);
    if (connectionFailed(error, mysql_stmt_errno(handle))) drop();
    return error;
  };

  if (mysql_stmt_execute(handle) != 0) {
    const unsigned number = mysql_stmt_errno(handle);
    if ((number == kNeedReprepare || number == kNewMetadata || number == kUnknownStatement) && mayReprepare) {
      // The tables it reads changed: the server wants it prepared again, or re-prepared it
      // itself with other columns, which the client library refuses to fetch into the
      // buffers bound for the old ones (only a query has columns: no write ran twice).
      // Closing it flushes what the server sent.
      drop();
      return std::nullopt;
    }
    throw fail("mysql_stmt_execute error");
  }
  // A CALL ends with a status result and may send more result sets: all are read, or the
  // connection would be out of sync for its next command. Only the first set is reported.
  auto drainResults = [&] {
    while (mysql_stmt_more_results(handle)) {
      mysql_stmt_free_result(handle);
      const int rc = mysql_stmt_next_result(handle);
      if (rc > 0) throw fail("mysql_stmt_next_result error");
      if (rc < 0) break;
    }
  };
  if (mysql_stmt_field_count(handle) == 0) {
    const auto affected = static_cast<std::size_t>(mysql_stmt_affected_rows(handle));
    drainResults();
    cleanup.failed = false;
    return affected;
  }
  // Columns that changed before their buffers were bound (the client library then takes
  // the server's new ones without a word).
  if (mysql_stmt_field_count(handle) != statement.columns.size()) statement.describeResults(sql);
  if (mysql_stmt_bind_result(handle, statement.results.data()) != 0) throw fail("mysql_stmt_bind_result error");
  // The whole result comes to the client first: onRow may run queries on this connection.
  if (mysql_stmt_store_result(handle) != 0) throw fail("mysql_stmt_store_result error");
  const MysqlRow row(statement.columns);
  std::size_t rows = 0;
  for (;;) {
    const int rc = mysql_stmt_fetch(handle);
    if (rc == MYSQL_NO_DATA) break;
    if (rc == 1) throw fail("mysql_stmt_fetch error");
    if (rc == MYSQL_DATA_TRUNCATED && !statement.readTruncated()) throw fail("mysql_stmt_fetch_column error");
    ++rows;
    if (onRow) onRow(row);
  }
  drainResults();
  cleanup.failed = false;
  return rows;
}

}  // namespace mmm::core
