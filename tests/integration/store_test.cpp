// One store suite, run against SQLite and against the test MariaDB.
#include "backends.hpp"
#include "test_http.hpp"
#include "worker_pool.hpp"

#include <mmm/error.hpp>

#include <Poco/Data/MySQL/MySQLException.h>
#include <Poco/Data/SQLite/Utility.h>

#include <gtest/gtest.h>

#include <sqlite3.h>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <limits>
#include <optional>
#include <thread>

using namespace Poco::Data::Keywords;
using mmm::DbSession;
using mmm::Dialect;
using mmm::core::PocoStore;
using mmm::core::parseStoreUrl;

namespace {

enum class Backend { SQLite, MariaDB };
// Names the parameter in ctest's output.
[[maybe_unused]] std::ostream& operator<<(std::ostream& out, Backend backend) {
  return out << (backend == Backend::SQLite ? "SQLite" : "MariaDB");
}

class StoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::MariaDB) {
      mysql_ = std::make_unique<mmm::test::MysqlDatabase>();
      url_ = mysql_->url();
    } else {
      url_ = mmm::test::tempSqliteUrl();
    }
    store_ = makeStore();
    store_->migrate("test", {{1, "things", {
        "CREATE TABLE things (id {{pk}}, name VARCHAR(255) {{nocase}} NOT NULL UNIQUE, "
        "qty BIGINT NOT NULL DEFAULT 0){{table_options}}"}}});
  }

  std::unique_ptr<PocoStore> makeStore(std::size_t poolSize = 8) {
    mmm::core::StoreOptions options;
    options.poolSize = poolSize;
    options.acquireTimeout = std::chrono::milliseconds(5000);
    return std::make_unique<PocoStore>(parseStoreUrl(url_), options, mmm::test::quietLogger());
  }

  std::int64_t insert(const std::string& name, std::int64_t qty = 0) {
    return store_->transaction([&](DbSession& s) {
      std::string n = name;
      Poco::Int64 q = qty;
      s << "INSERT INTO things (name, qty) VALUES (?, ?)", use(n), use(q), now;
      return store_->lastInsertId(s);
    });
  }
  std::int64_t count() {
    return store_->read([](DbSession& s) {
      Poco::Int64 n = 0;
      s << "SELECT COUNT(*) FROM things", into(n), now;
      return n;
    });
  }
  std::optional<std::int64_t> qtyOf(const std::string& name) {
    return store_->read([&](DbSession& s) -> std::optional<std::int64_t> {
      std::string n = name;
      Poco::Nullable<Poco::Int64> q;
      s << "SELECT qty FROM things WHERE name = ?", use(n), into(q), now;
      if (q.isNull()) return std::nullopt;
      return q.value();
    });
  }

  // The statement cache of the connection `session` is lent on.
  static mmm::core::StatementCache& cacheOf(DbSession& session) {
    auto* connection = mmm::core::ActiveConnection::find(session);
    if (!connection || !connection->statements) throw std::logic_error("no statement cache for this session");
    return *connection->statements;
  }

  std::unique_ptr<mmm::test::MysqlDatabase> mysql_;
  std::string url_;
  int shows_ = 0;
  std::unique_ptr<PocoStore> store_;
};

}  // namespace

TEST_P(StoreTest, DialectMatchesTheUrl) {
  EXPECT_EQ(store_->dialect(), GetParam() == Backend::MariaDB ? Dialect::MySQL : Dialect::SQLite);
}

TEST_P(StoreTest, CreateReadUpdateDelete) {
  auto first = insert("fiddle", 2);
  auto second = insert("banjo", 1);
  EXPECT_GT(first, 0);
  EXPECT_EQ(second, first + 1);
  EXPECT_EQ(qtyOf("fiddle"), 2);
  store_->transaction([](DbSession& s) { s << "UPDATE things SET qty = qty + 5 WHERE name = 'fiddle'", now; });
  EXPECT_EQ(qtyOf("fiddle"), 7);
  store_->transaction([](DbSession& s) { s << "DELETE FROM things WHERE name = 'banjo'", now; });
  EXPECT_EQ(qtyOf("banjo"), std::nullopt);
  EXPECT_EQ(count(), 1);
}

TEST_P(StoreTest, Utf8RoundTripsIncludingEmoji) {
  const std::string name = "Björk 🎻 ñandú";
  insert(name, 1);
  auto back = store_->read([](DbSession& s) {
    std::string n;
    s << "SELECT name FROM things", into(n), now;
    return n;
  });
  EXPECT_EQ(back, name);
}

TEST_P(StoreTest, CaseInsensitiveUniqueColumn) {
  insert("Cello");
  EXPECT_THROW(insert("cELLO"), Poco::Exception);
  EXPECT_EQ(count(), 1);
}

TEST_P(StoreTest, ExceptionRollsTheTransactionBack) {
  insert("kept");
  EXPECT_THROW(store_->transaction([](DbSession& s) {
    s << "INSERT INTO things (name) VALUES ('lost')", now;
    throw std::runtime_error("changed my mind");
  }),
               std::runtime_error);
  EXPECT_THROW(store_->transaction([](DbSession& s) {
    s << "UPDATE things SET qty = 99", now;
    throw mmm::HttpError(409, "conflict");
  }),
               mmm::HttpError);
  EXPECT_EQ(count(), 1);
  EXPECT_EQ(qtyOf("kept"), 0);
  // A failed statement rolls back what the transaction did before it.
  EXPECT_THROW(store_->transaction([](DbSession& s) {
    s << "INSERT INTO things (name) VALUES ('also lost')", now;
    s << "INSERT INTO things (name) VALUES ('kept')", now;  // unique violation
  }),
               Poco::Exception);
  EXPECT_EQ(count(), 1);
  // The pool is still healthy afterwards.
  insert("after");
  EXPECT_EQ(count(), 2);
}

TEST_P(StoreTest, InsertIgnoreAndUpsertHelpers) {
  const auto sql = store_->sql();
  store_->transaction([&](DbSession& s) {
    std::string name = "drum";
    Poco::Int64 qty = 1;
    s << sql.insertIgnore("things", {"name", "qty"}), use(name), use(qty), now;
    s << sql.insertIgnore("things", {"name", "qty"}), use(name), use(qty), now;
  });
  EXPECT_EQ(count(), 1);
  store_->transaction([&](DbSession& s) {
    std::string name = "drum";
    Poco::Int64 qty = 42;
    s << sql.upsert("things", {"name", "qty"}, {"name"}, {"qty"}), use(name), use(qty), now;
  });
  EXPECT_EQ(qtyOf("drum"), 42);
  EXPECT_EQ(count(), 1);
}

TEST_P(StoreTest, ConcurrentTransactionsFromManyThreadsLoseNothing) {
  insert("counter");
  constexpr int kThreads = 8, kEach = 25;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        try {
          store_->transaction([&](DbSession& s) {
            // Read-modify-write: lost updates would show as a short total.
            Poco::Int64 qty = 0;
            s << "SELECT qty FROM things WHERE name = 'counter'" +
                     std::string(store_->dialect() == Dialect::MySQL ? " FOR UPDATE" : ""),
                into(qty), now;
            ++qty;
            s << "UPDATE things SET qty = ? WHERE name = 'counter'", use(qty), now;
            std::string name = "t" + std::to_string(t) + "-" + std::to_string(i);
            s << "INSERT INTO things (name) VALUES (?)", use(name), now;
          });
        } catch (const std::exception& e) {
          ++failures;
          ADD_FAILURE() << e.what();
        }
      }
    });
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(qtyOf("counter"), kThreads * kEach);
  EXPECT_EQ(count(), 1 + kThreads * kEach);
}

TEST_P(StoreTest, ExhaustedPoolAnswersUnavailableAfterTheTimeout) {
  mmm::core::StoreOptions options;
  options.poolSize = 1;
  options.acquireTimeout = std::chrono::milliseconds(200);
  PocoStore small(parseStoreUrl(url_), options, mmm::test::quietLogger());
  std::atomic<bool> holding{false}, release{false};
  std::thread holder([&] {
    small.runRead([&](DbSession&) {
      holding = true;
      while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    });
  });
  while (!holding) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto begin = std::chrono::steady_clock::now();
  try {
    small.runRead([](DbSession&) {});
    ADD_FAILURE() << "got a second connection from a pool of one";
  } catch (const mmm::Unavailable& e) {
    EXPECT_EQ(e.status(), 503);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(2));
  release = true;
  holder.join();
  small.runRead([](DbSession&) {});  // free again
}

// Kills the connection `session` runs on, from another connection (MariaDB only).
void killConnectionOf(DbSession& session, PocoStore& other) {
  Poco::Int64 id = 0;
  session << "SELECT CONNECTION_ID()", into(id), now;
  other.runRead([&](DbSession& s) { s << "KILL CONNECTION " + std::to_string(id), now; });
}

TEST_P(StoreTest, AConnectionLostBeforeCommitIsRetriedOnAFreshOne) {
  if (GetParam() != Backend::MariaDB) GTEST_SKIP() << "needs a server connection to kill";
  auto killer = makeStore(1);
  int runs = 0;
  store_->transaction([&](DbSession& s) {
    if (++runs == 1) killConnectionOf(s, *killer);
    s << "INSERT INTO things (name) VALUES ('once')", now;  // fails on the killed connection
  });
  EXPECT_EQ(runs, 2);
  EXPECT_EQ(count(), 1);
}

TEST_P(StoreTest, AConnectionLostAtCommitIsUnavailableAndNeverRunAgain) {
  if (GetParam() != Backend::MariaDB) GTEST_SKIP() << "needs a server connection to kill";
  auto killer = makeStore(1);
  int runs = 0;
  try {
    store_->transaction([&](DbSession& s) {
      ++runs;
      s << "INSERT INTO things (name) VALUES ('maybe')", now;
      killConnectionOf(s, *killer);  // the next statement on it is the COMMIT
    });
    ADD_FAILURE() << "the commit on a killed connection succeeded";
  } catch (const mmm::Unavailable& e) {
    EXPECT_EQ(e.status(), 503);
  }
  EXPECT_EQ(runs, 1) << "the work ran again after its COMMIT failed";
  EXPECT_EQ(count(), 0);  // the server rolled the killed transaction back
  insert("after");        // and the pool is healthy again
  EXPECT_EQ(count(), 1);
}

TEST_P(StoreTest, ADeadlockVictimRunsAgainAndBothTransactionsCommitOnce) {
  if (GetParam() != Backend::MariaDB) GTEST_SKIP() << "SQLite's BEGIN IMMEDIATE takes the write lock first: no deadlock";
  insert("a");
  insert("b");
  // Two transactions lock a and b, wait for each other, then each wants the other's row:
  // InnoDB rolls one back (1213). The store runs that one again; both end committed once.
  std::atomic<int> holding{0}, runs{0};
  auto crossing = [&](const std::string& first, const std::string& second) {
    int mine = 0;
    try {
      store_->transaction([&](DbSession& s) {
        ++runs;
        auto bump = [&](std::string name) { s << "UPDATE things SET qty = qty + 1 WHERE name = ?", use(name), now; };
        bump(first);
        if (++mine == 1) {
          ++holding;
          const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
          while (holding < 2 && std::chrono::steady_clock::now() < until) std::this_thread::yield();
        }
        bump(second);
      });
    } catch (const std::exception& e) {
      ADD_FAILURE() << first << " then " << second << ": " << e.what();
    }
  };
  std::thread one(crossing, "a", "b"), two(crossing, "b", "a");
  one.join();
  two.join();
  EXPECT_EQ(holding.load(), 2) << "the two never held their first rows together";
  EXPECT_EQ(runs.load(), 3) << "the victim ran once more, the other once";
  EXPECT_EQ(store_->deadlocks(), 1u);
  EXPECT_EQ(qtyOf("a"), 2);
  EXPECT_EQ(qtyOf("b"), 2);
}

TEST_P(StoreTest, ALockHeldPastTheWaitIsUnavailableAtOnceCountedAndNotRunAgain) {
  insert("a");
  const bool mysql = GetParam() == Backend::MariaDB;
  // The waiter: one connection, told to wait 1 s for a lock (MariaDB's 1205, lock wait
  // timeout) or 300 ms for SQLite's write lock (SQLITE_BUSY past busy_timeout).
  auto waiter = makeStore(1);
  waiter->read([&](DbSession& s) {
    if (mysql)
      s << "SET SESSION innodb_lock_wait_timeout = 1", now;
    else
      s << "PRAGMA busy_timeout = 300", now;
  });
  std::atomic<bool> holding{false}, release{false};
  std::thread holder([&] {
    store_->transaction([&](DbSession& s) {
      s << "UPDATE things SET qty = qty + 1 WHERE name = 'a'", now;
      holding = true;
      const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
      while (!release && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    });
  });
  while (!holding) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  int runs = 0;
  const auto begin = std::chrono::steady_clock::now();
  try {
    waiter->transaction([&](DbSession& s) {
      ++runs;
      s << "UPDATE things SET qty = qty + 10 WHERE name = 'a'", now;
    });
    ADD_FAILURE() << "the update went through while another transaction held the lock";
  } catch (const mmm::Unavailable& e) {
    EXPECT_STREQ(e.what(), "the database is busy");
  }
  const auto waited = std::chrono::steady_clock::now() - begin;
  release = true;
  holder.join();
  EXPECT_LT(waited, std::chrono::seconds(5)) << "waited again after the lock wait ran out";
  EXPECT_LE(runs, 1) << "a unit that waited its time for a lock is not run again";  // SQLite: BEGIN failed, 0 runs
  EXPECT_EQ(waiter->lockTimeouts(), 1u);
  EXPECT_EQ(waiter->deadlocks(), 0u);
  EXPECT_EQ(qtyOf("a"), 1);  // the holder's change only
  // The waiter's connection is usable again once the lock is gone.
  waiter->transaction([&](DbSession& s) { s << "UPDATE things SET qty = qty + 10 WHERE name = 'a'", now; });
  EXPECT_EQ(qtyOf("a"), 11);
}

// On a worker pool with a cap of one, a unit of work on MariaDB (round trips) lets a queued
// task start beside it; one on SQLite (the CPU's own work) does not, until it ends.
TEST_P(StoreTest, AUnitOnMariaDbLetsAnotherWorkerRunAndOneOnSqliteDoesNot) {
  const bool mysql = GetParam() == Backend::MariaDB;
  mmm::core::WorkerPool::Options options;
  options.threads = 2;
  options.active = 1;
  options.stallAfter = std::chrono::seconds(60);
  mmm::core::WorkerPool pool(options, mmm::test::quietLogger());
  std::mutex mutex;
  std::condition_variable changed;
  bool started = false, sawIt = false;
  int done = 0;
  mmm::core::WorkerPool::Task unit = [&] {
    store_->read([&](DbSession& s) {
      int one = 0;
      s << "SELECT 1", into(one), now;
      std::unique_lock<std::mutex> lock(mutex);
      sawIt = changed.wait_for(lock, std::chrono::milliseconds(mysql ? 5000 : 300), [&] { return started; });
    });
    std::lock_guard<std::mutex> lock(mutex);
    ++done;
    changed.notify_all();
  };
  mmm::core::WorkerPool::Task other = [&] {
    std::lock_guard<std::mutex> lock(mutex);
    started = true;
    ++done;
    changed.notify_all();
  };
  ASSERT_TRUE(pool.tryPost(unit));
  ASSERT_TRUE(pool.tryPost(other));
  {
    std::unique_lock<std::mutex> lock(mutex);
    ASSERT_TRUE(changed.wait_for(lock, std::chrono::seconds(10), [&] { return done == 2; }));
  }
  pool.stop();
  EXPECT_EQ(sawIt, mysql) << (mysql ? "the second task waited for the MariaDB unit to end"
                                    : "the second task ran beside a SQLite unit past the cap");
}

TEST_P(StoreTest, AFullDatabaseIsUnavailableAndReportedUntilAWriteGoesThrough) {
  // One connection, so the size limit set on it holds for every unit of work below.
  mmm::core::StoreOptions options;
  options.poolSize = 1;
  PocoStore small(parseStoreUrl(url_), options, mmm::test::quietLogger());
  const bool mysql = GetParam() == Backend::MariaDB;
  // A full disk, made small: SQLite stops growing the file past max_page_count (SQLITE_FULL);
  // a MEMORY table stops at max_heap_table_size ("The table is full", 1114).
  small.runRead([&](DbSession& s) {
    if (mysql) {
      s << "SET SESSION max_heap_table_size = 16384", now;
      s << "CREATE TABLE cramped (body VARCHAR(1000) NOT NULL) ENGINE=MEMORY", now;
    } else {
      s << "CREATE TABLE cramped (body TEXT NOT NULL)", now;
      Poco::Int64 pages = 0;
      s << "PRAGMA page_count", into(pages), now;
      s << "PRAGMA max_page_count = " + std::to_string(pages + 2), now;
    }
  });
  const std::string body(1000, 'x');
  auto write = [&] {
    small.transaction([&](DbSession& s) {
      std::string b = body;
      s << "INSERT INTO cramped (body) VALUES (?)", use(b), now;
    });
  };
  int written = 0;
  try {
    for (; written < 1000; ++written) write();
    ADD_FAILURE() << "never full";
  } catch (const mmm::Unavailable& e) {
    EXPECT_EQ(e.status(), 503);
  }
  EXPECT_GT(written, 0);
  EXPECT_EQ(small.storageFullErrors(), 1u);
  EXPECT_THROW(small.check(), std::runtime_error);  // /readyz says the store is not ok
  // Room again: a write goes through and the store is reported ok at once.
  small.runRead([&](DbSession& s) {
    if (mysql) s << "DELETE FROM cramped", now;
    else s << "PRAGMA max_page_count = 1000000", now;
  });
  write();
  EXPECT_NO_THROW(small.check());
}

TEST_P(StoreTest, MigrationsAreAppliedOnceAndRecorded) {
  std::vector<mmm::Migration> migrations = {
      {1, "create notes", {"CREATE TABLE notes (id {{pk}}, body VARCHAR(255) NOT NULL){{table_options}}"}},
      {2, "seed", {"INSERT INTO notes (body) VALUES ('first')"}},
  };
  store_->migrate("notes", migrations);
  store_->migrate("notes", migrations);  // a no-op: nothing is applied twice
  auto fresh = makeStore();
  fresh->migrate("notes", migrations);  // also from another pool ("another node")
  auto rows = store_->read([](DbSession& s) {
    Poco::Int64 n = 0;
    s << "SELECT COUNT(*) FROM notes", into(n), now;
    return n;
  });
  EXPECT_EQ(rows, 1);
  auto recorded = store_->read([](DbSession& s) {
    std::vector<int> versions;
    s << "SELECT version FROM mmm_migrations WHERE owner = 'notes' ORDER BY version", into(versions), now;
    return versions;
  });
  EXPECT_EQ(recorded, (std::vector<int>{1, 2}));
  // A later release adds a migration: only it is applied.
  migrations.push_back({3, "seed more", {"INSERT INTO notes (body) VALUES ('second')"}});
  store_->migrate("notes", migrations);
  rows = store_->read([](DbSession& s) {
    Poco::Int64 n = 0;
    s << "SELECT COUNT(*) FROM notes", into(n), now;
    return n;
  });
  EXPECT_EQ(rows, 2);
}

TEST_P(StoreTest, AFailedMigrationIsNotRecorded) {
  std::vector<mmm::Migration> broken = {{1, "broken", {"CREATE TABLE ok_table (id INTEGER)", "THIS IS NOT SQL"}}};
  EXPECT_THROW(store_->migrate("broken", broken), Poco::Exception);
  auto recorded = store_->read([](DbSession& s) {
    Poco::Int64 n = 0;
    s << "SELECT COUNT(*) FROM mmm_migrations WHERE owner = 'broken'", into(n), now;
    return n;
  });
  EXPECT_EQ(recorded, 0);
  EXPECT_THROW(store_->migrate("bad", {{2, "gap", {}}}), std::invalid_argument);
}

TEST_P(StoreTest, ConcurrentStartersApplyEachMigrationExactlyOnce) {
  // Each "node" has its own pool; the migration would fail or double the row if applied twice.
  const std::vector<mmm::Migration> migrations = {
      {1, "create", {"CREATE TABLE once (id {{pk}}, tag VARCHAR(32) NOT NULL){{table_options}}"}},
      {2, "seed", {"INSERT INTO once (tag) VALUES ('seed')"}},
      {3, "more", {"INSERT INTO once (tag) VALUES ('more')"}},
  };
  constexpr int kNodes = 6;
  std::vector<std::unique_ptr<PocoStore>> nodes;
  for (int i = 0; i < kNodes; ++i) nodes.push_back(makeStore(2));
  std::atomic<int> ready{0}, failures{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kNodes; ++i)
    threads.emplace_back([&, i] {
      ++ready;
      while (ready < kNodes) std::this_thread::yield();
      try {
        nodes[i]->migrate("once", migrations);
      } catch (const std::exception& e) {
        ++failures;
        ADD_FAILURE() << "node " << i << ": " << e.what();
      }
    });
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  auto tags = store_->read([](DbSession& s) {
    std::vector<std::string> t;
    s << "SELECT tag FROM once ORDER BY id", into(t), now;
    return t;
  });
  EXPECT_EQ(tags, (std::vector<std::string>{"seed", "more"}));
  auto recorded = store_->read([](DbSession& s) {
    Poco::Int64 n = 0;
    s << "SELECT COUNT(*) FROM mmm_migrations WHERE owner = 'once'", into(n), now;
    return n;
  });
  EXPECT_EQ(recorded, 3);
}

TEST_P(StoreTest, QueryBindsNumbersAndTextAndReadsRows) {
  insert("fiddle", 2);
  insert("Björk 🎻", 5);
  insert("banjo", 9);
  std::vector<std::pair<std::string, std::int64_t>> rows;
  const std::string sql = "SELECT name, qty FROM things WHERE qty >= ? AND name <> ? ORDER BY qty";
  auto read = store_->read([&](DbSession& s) {
    return store_->query(s, sql, {std::int64_t{2}, std::string_view("banjo")},
                         [&](const mmm::SqlRow& r) { rows.emplace_back(r.text(0), r.int64(1)); });
  });
  EXPECT_EQ(read, 2u);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], std::make_pair(std::string("fiddle"), std::int64_t{2}));
  EXPECT_EQ(rows[1], std::make_pair(std::string("Björk 🎻"), std::int64_t{5}));
  // The same statement again, with other values (reused on SQLite), and an IN list.
  rows.clear();
  std::vector<mmm::SqlValue> names{std::string_view("banjo"), std::string_view("fiddle"), std::string_view("viola")};
  mmm::padInList(names);
  EXPECT_EQ(names.size(), 4u);
  store_->read([&](DbSession& s) {
    store_->query(s, sql, {std::int64_t{6}, std::string_view("x")},
                  [&](const mmm::SqlRow& r) { rows.emplace_back(r.text(0), r.int64(1)); });
    store_->query(s, "SELECT name, qty FROM things WHERE name IN (" + mmm::inListMarks(names.size()) + ") ORDER BY qty",
                  names, [&](const mmm::SqlRow& r) { rows.emplace_back(r.text(0), r.int64(1)); });
  });
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].first, "banjo");
  EXPECT_EQ(rows[1].first, "fiddle");
  EXPECT_EQ(rows[2].first, "banjo");
}

TEST_P(StoreTest, QueryWritesCountChangesRollBackAndReportDuplicates) {
  insert("fiddle", 2);
  const std::string update = "UPDATE things SET qty = ? WHERE name = ?";
  EXPECT_EQ(store_->transaction([&](DbSession& s) {
    return store_->query(s, update, {std::int64_t{8}, std::string_view("fiddle")}, nullptr);
  }), 1u);
  EXPECT_EQ(qtyOf("fiddle"), 8);
  EXPECT_THROW(store_->transaction([&](DbSession& s) {
    store_->query(s, update, {std::int64_t{1}, std::string_view("fiddle")}, nullptr);
    throw std::runtime_error("changed my mind");
  }), std::runtime_error);
  EXPECT_EQ(qtyOf("fiddle"), 8);
  const std::string add = "INSERT INTO things (name, qty) VALUES (?, ?)";
  try {
    store_->transaction([&](DbSession& s) { store_->query(s, add, {std::string_view("FIDDLE"), std::int64_t{1}}, nullptr); });
    ADD_FAILURE() << "a duplicate name was inserted";
  } catch (const std::exception& e) {
    EXPECT_TRUE(mmm::isDuplicateKey(e)) << e.what();
    if (GetParam() == Backend::MariaDB) {  // the type and message Poco::Data's statements throw
      EXPECT_NE(dynamic_cast<const Poco::Data::MySQL::StatementException*>(&e), nullptr);
      EXPECT_EQ(mmm::core::mysqlErrorNumber(e), 1062) << e.what();
    }
  }
  // The statement that failed is still usable.
  store_->transaction([&](DbSession& s) { store_->query(s, add, {std::string_view("cello"), std::int64_t{3}}, nullptr); });
  EXPECT_EQ(qtyOf("cello"), 3);
}

TEST_P(StoreTest, QueryKeepsItsCompiledStatementsOnThePooledConnection) {
  auto store = makeStore(1);  // one connection: every lease gets the same one
  // What the back end itself holds compiled: SQLite's statements of this connection, or
  // MariaDB's count of prepares on it (minus the one of this SHOW, through Poco::Data).
  auto live = [&](DbSession& s) -> std::int64_t {
    if (GetParam() == Backend::MariaDB) {
      std::string name;
      Poco::Int64 prepares = 0;
      s << "SHOW SESSION STATUS LIKE 'Com_stmt_prepare'", into(name), into(prepares), now;
      return prepares - ++shows_;
    }
    sqlite3* db = Poco::Data::SQLite::Utility::dbHandle(s);
    int n = 0;
    for (sqlite3_stmt* st = sqlite3_next_stmt(db, nullptr); st; st = sqlite3_next_stmt(db, st)) ++n;
    return n;
  };
  const std::string a = "SELECT COUNT(*) FROM things WHERE qty > ?", b = "SELECT COUNT(*) FROM things WHERE qty < ?";
  const std::int64_t before = store->read([&](DbSession& s) { return live(s); });
  const std::size_t compiled = store->read([&](DbSession& s) { return cacheOf(s).compilations(); });
  store->read([&](DbSession& s) {
    store->query(s, a, {std::int64_t{1}}, nullptr);
    EXPECT_EQ(live(s), before + 1);
    store->query(s, a, {std::int64_t{2}}, nullptr);
    EXPECT_EQ(live(s), before + 1);  // reused, not compiled again
    store->query(s, b, {std::int64_t{2}}, nullptr);
    EXPECT_EQ(live(s), before + 2);
    EXPECT_EQ(cacheOf(s).compilations(), compiled + 2);
  });
  store->transaction([&](DbSession& s) {  // a later lease of the same connection
    const std::int64_t start = live(s);    // (BEGIN went through Poco::Data)
    store->query(s, a, {std::int64_t{3}}, nullptr);
    store->query(s, b, {std::int64_t{3}}, nullptr);
    EXPECT_EQ(live(s), start);
    EXPECT_EQ(cacheOf(s).compilations(), compiled + 2);
  });
}

TEST_P(StoreTest, QueryOnAnOuterSessionFromInsideNestedWorkStillUsesItsCache) {
  const std::string sql = "SELECT COUNT(*) FROM things WHERE qty > ?";
  store_->read([&](DbSession& outer) {
    const std::size_t before = cacheOf(outer).compilations();
    store_->read([&](DbSession& inner) {  // another pooled connection, lent inside the first
      EXPECT_NE(&inner, &outer);
      store_->query(outer, sql, {std::int64_t{1}}, nullptr);
      store_->query(outer, sql, {std::int64_t{2}}, nullptr);
      EXPECT_EQ(cacheOf(outer).compilations(), before + 1);
      EXPECT_EQ(cacheOf(inner).compilations(), 0u);
    });
  });
}

TEST_P(StoreTest, QueryKeepsABoundedNumberOfStatements) {
  auto store = makeStore(1);
  const std::size_t limit = GetParam() == Backend::MariaDB ? mmm::core::MysqlStatementCache::kMaxStatements
                                                           : mmm::core::SqliteStatementCache::kMaxStatements;
  store->read([&](DbSession& s) {
    const std::size_t before = cacheOf(s).compilations();
    for (std::size_t i = 0; i < limit + 5; ++i)
      EXPECT_EQ(store->query(s, "SELECT " + std::to_string(i) + " + ?", {std::int64_t{1}},
                             [&](const mmm::SqlRow& r) { EXPECT_EQ(r.int64(0), static_cast<std::int64_t>(i) + 1); }),
                1u);
    EXPECT_LE(cacheOf(s).size(), limit);
    EXPECT_EQ(cacheOf(s).compilations(), before + limit + 5);
    // Full, it gave up the least recently used: the last `limit` are all kept.
    for (std::size_t i = 5; i < limit + 5; ++i)
      store->query(s, "SELECT " + std::to_string(i) + " + ?", {std::int64_t{1}}, [](const mmm::SqlRow&) {});
    EXPECT_EQ(cacheOf(s).compilations(), before + limit + 5);
    store->query(s, "SELECT 4 + ?", {std::int64_t{1}}, [](const mmm::SqlRow&) {});
    EXPECT_EQ(cacheOf(s).compilations(), before + limit + 6);
  });
}

TEST_P(StoreTest, QueryReadsNullsLongTextWithNulBytesAndReals) {
  store_->migrate("notes", {{1, "notes", {
      "CREATE TABLE notes (id {{pk}}, body MEDIUMTEXT, score DOUBLE, n INT){{table_options}}"}}});
  const std::string longText(100 * 1024, 'x');
  const std::string odd = std::string("nul") + '\0' + " inside, then 🎻 and more";
  ASSERT_EQ(odd.find('\0'), 3u);
  const std::string add = "INSERT INTO notes (body, score, n) VALUES (?, 2.5, ?)";
  store_->transaction([&](DbSession& s) {
    EXPECT_EQ(store_->query(s, add, {std::string_view("short"), std::int64_t{1}}, nullptr), 1u);
    EXPECT_EQ(store_->query(s, add, {std::string_view(longText), std::int64_t{2}}, nullptr), 1u);
    EXPECT_EQ(store_->query(s, add, {std::string_view(odd), std::int64_t{3}}, nullptr), 1u);
    EXPECT_EQ(store_->query(s, add, {std::string_view(), std::int64_t{4}}, nullptr), 1u);  // empty, not NULL
    store_->query(s, "INSERT INTO notes (body, score, n) VALUES (NULL, NULL, NULL)", {}, nullptr);
  });
  struct Note {
    std::string body;
    bool bodyNull;
    double score;
    bool scoreNull;
    std::int64_t n;
    bool nNull;
  };
  std::vector<Note> notes;
  const std::string select = "SELECT body, score, n FROM notes ORDER BY id";
  auto read = [&] {
    notes.clear();
    return store_->read([&](DbSession& s) {
      return store_->query(s, select, {}, [&](const mmm::SqlRow& r) {
        notes.push_back({r.text(0), r.isNull(0), r.real(1), r.isNull(1), r.int64(2), r.isNull(2)});
      });
    });
  };
  for (int round = 0; round < 2; ++round) {  // the second time on buffers grown by the first
    ASSERT_EQ(read(), 5u);
    ASSERT_EQ(notes.size(), 5u);
    EXPECT_EQ(notes[0].body, "short");  // before the long one: its buffer had not grown yet
    EXPECT_EQ(notes[1].body.size(), longText.size());
    EXPECT_EQ(notes[1].body, longText);
    EXPECT_EQ(notes[2].body, odd);      // after it: not a leftover of the long one
    EXPECT_EQ(notes[3].body, "");
    EXPECT_FALSE(notes[3].bodyNull);
    EXPECT_TRUE(notes[4].bodyNull);
    EXPECT_EQ(notes[4].body, "");
    for (int i = 0; i < 4; ++i) {
      EXPECT_FALSE(notes[i].bodyNull) << i;
      EXPECT_DOUBLE_EQ(notes[i].score, 2.5) << i;
      EXPECT_FALSE(notes[i].scoreNull) << i;
      EXPECT_EQ(notes[i].n, i + 1);
      EXPECT_FALSE(notes[i].nNull) << i;
    }
    EXPECT_TRUE(notes[4].scoreNull);
    EXPECT_EQ(notes[4].score, 0.0);
    EXPECT_TRUE(notes[4].nNull);
    EXPECT_EQ(notes[4].n, 0);
  }
  // Expressions: counts, sums of reals, averages (DECIMAL on MariaDB), COALESCE, MAX of text.
  store_->read([&](DbSession& s) {
    const auto rows = store_->query(
        s, "SELECT COUNT(*), SUM(score), AVG(n), COALESCE(MAX(n), 0), MAX(LENGTH(body)), MIN(body), COUNT(body) "
           "FROM notes WHERE n <= ? OR n IS NULL",
        {std::int64_t{3}}, [&](const mmm::SqlRow& r) {
          EXPECT_EQ(r.int64(0), 4);
          EXPECT_EQ(r.text(0), "4");
          EXPECT_DOUBLE_EQ(r.real(1), 7.5);
          EXPECT_DOUBLE_EQ(r.real(2), 2.0);
          EXPECT_EQ(r.int64(2), 2);
          EXPECT_EQ(r.int64(3), 3);
          EXPECT_EQ(r.int64(4), static_cast<std::int64_t>(longText.size()));
          EXPECT_EQ(r.text(5), odd);  // "nul\0…" sorts first
          EXPECT_EQ(r.int64(6), 3);
          EXPECT_FALSE(r.isNull(1));
        });
    EXPECT_EQ(rows, 1u);
    // An empty result, and a MAX over no rows (NULL).
    EXPECT_EQ(store_->query(s, "SELECT MAX(n) FROM notes WHERE n > ?", {std::int64_t{99}}, [&](const mmm::SqlRow& r) {
      EXPECT_TRUE(r.isNull(0));
      EXPECT_EQ(r.int64(0), 0);
    }), 1u);
    EXPECT_EQ(store_->query(s, select + " LIMIT 0", {}, [&](const mmm::SqlRow&) { ADD_FAILURE(); }), 0u);
  });
}

TEST_P(StoreTest, QueryErrorsLeaveTheConnectionUsable) {
  auto store = makeStore(1);  // every step below runs on the same connection
  insert("fiddle", 1);
  insert("cello", 2);
  const std::string select = "SELECT name FROM things ORDER BY qty";
  // SQL the server refuses, on the connection its later queries use.
  EXPECT_THROW(store->read([&](DbSession& s) { store->query(s, "SELECT nope FROM things", {}, nullptr); }),
               Poco::Exception);
  EXPECT_THROW(store->read([&](DbSession& s) { store->query(s, "SELEC name FROM things", {}, nullptr); }),
               Poco::Exception);
  // Too few values for the ?s.
  EXPECT_THROW(store->read([&](DbSession& s) { store->query(s, "SELECT name FROM things WHERE qty = ?", {}, nullptr); }),
               std::invalid_argument);
  // A failure half-way through reading the rows.
  int seen = 0;
  EXPECT_THROW(store->read([&](DbSession& s) {
    store->query(s, select, {}, [&](const mmm::SqlRow&) {
      if (++seen == 1) throw std::runtime_error("stop");
    });
  }), std::runtime_error);
  EXPECT_EQ(seen, 1);
  // A duplicate half-way through a transaction, rolled back as a whole.
  EXPECT_THROW(store->transaction([&](DbSession& s) {
    store->query(s, "UPDATE things SET qty = qty + 10", {}, nullptr);
    store->query(s, "INSERT INTO things (name, qty) VALUES (?, ?)", {std::string_view("Fiddle"), std::int64_t{5}}, nullptr);
  }), Poco::Exception);
  // The same statements and the same connection go on working.
  std::vector<std::string> names;
  store->read([&](DbSession& s) {
    const std::size_t compiled = cacheOf(s).compilations();
    store->query(s, select, {}, [&](const mmm::SqlRow& r) { names.push_back(r.text(0)); });
    EXPECT_EQ(cacheOf(s).compilations(), compiled);  // the statement that stopped half-way, reused
    Poco::Int64 total = 0;
    s << "SELECT SUM(qty) FROM things", into(total), now;  // Poco::Data on it too
    EXPECT_EQ(total, 3);  // the UPDATE rolled back
  });
  EXPECT_EQ(names, (std::vector<std::string>{"fiddle", "cello"}));
}

TEST_P(StoreTest, QueryOfAProcedureReadsEveryResultAndLeavesTheConnectionInStep) {
  if (GetParam() != Backend::MariaDB) GTEST_SKIP() << "SQLite has no stored procedures";
  auto store = makeStore(1);  // the same connection throughout
  insert("fiddle", 1);
  store->runRead([&](DbSession& s) {
    s << "CREATE PROCEDURE two_sets() BEGIN SELECT name FROM things; SELECT 2; END", now;
    s << "CREATE PROCEDURE bump() BEGIN UPDATE things SET qty = qty + 1; END", now;
  });
  store->read([&](DbSession& s) {
    std::vector<std::string> names;
    EXPECT_EQ(store->query(s, "CALL two_sets()", {}, [&](const mmm::SqlRow& r) { names.push_back(r.text(0)); }), 1u);
    EXPECT_EQ(names, std::vector<std::string>{"fiddle"});  // the first set only
    store->query(s, "CALL bump()", {}, nullptr);
    EXPECT_EQ(store->query(s, "SELECT 2", {}, nullptr), 1u);  // no "Commands out of sync"
    EXPECT_EQ(store->query(s, "CALL two_sets()", {}, nullptr), 1u);  // its statement again
    Poco::Int64 qty = 0;
    s << "SELECT qty FROM things WHERE name = 'fiddle'", into(qty), now;  // Poco::Data too
    EXPECT_EQ(qty, 2);
  });
}

TEST_P(StoreTest, QueryReadsRealsBeyondInt64AsItsLimits) {
  auto store = makeStore(1);
  const std::string sql = GetParam() == Backend::MariaDB
                              ? "SELECT CAST('1e300' AS DOUBLE), CAST('-1e300' AS DOUBLE), CAST(1e20 AS DOUBLE), 2.9"
                              : "SELECT 1e300, -1e300, 1e20, 2.9";
  store->read([&](DbSession& s) {
    store->query(s, sql, {}, [&](const mmm::SqlRow& r) {
      EXPECT_EQ(r.int64(0), std::numeric_limits<std::int64_t>::max());
      EXPECT_EQ(r.int64(1), std::numeric_limits<std::int64_t>::min());
      EXPECT_EQ(r.int64(2), std::numeric_limits<std::int64_t>::max());
      EXPECT_EQ(r.int64(3), 2);  // truncated, as SQLite does
    });
  });
}

TEST_P(StoreTest, QueryFromInsideOnRowRunsOnTheSameConnection) {
  insert("fiddle", 1);
  insert("cello", 2);
  const std::string select = "SELECT name, qty FROM things WHERE qty >= ? ORDER BY qty";
  std::vector<std::string> seen;
  store_->read([&](DbSession& s) {
    store_->query(s, select, {std::int64_t{1}}, [&](const mmm::SqlRow& outer) {
      seen.push_back(outer.text(0));
      // Another statement, and the same one (busy further up: it gets its own).
      store_->query(s, "SELECT COUNT(*) FROM things WHERE qty > ?", {outer.int64(1)},
                    [&](const mmm::SqlRow& r) { seen.push_back(r.text(0)); });
      store_->query(s, select, {outer.int64(1)}, [&](const mmm::SqlRow& r) { seen.push_back(r.text(0)); });
      seen.push_back(outer.text(0));  // the outer row is intact
    });
  });
  EXPECT_EQ(seen, (std::vector<std::string>{"fiddle", "1", "fiddle", "cello", "fiddle", "cello", "0", "cello", "cello"}));
}

TEST_P(StoreTest, QueryFollowsATableThatChangedUnderItsStatement) {
  auto store = makeStore(1);
  insert("fiddle", 1);
  const std::string select = "SELECT * FROM things";
  std::int64_t qty = 0;
  store->read([&](DbSession& s) { store->query(s, select, {}, [&](const mmm::SqlRow& r) { qty = r.int64(2); }); });
  EXPECT_EQ(qty, 1);
  store->transaction([&](DbSession& s) { s << "ALTER TABLE things ADD COLUMN note VARCHAR(20) DEFAULT 'hi'", now; });
  std::string note;
  store->read([&](DbSession& s) {
    store->query(s, select, {}, [&](const mmm::SqlRow& r) {
      qty = r.int64(2);
      note = r.text(3);
    });
    // The connection is in step after it: Poco::Data and the cache go on on it.
    Poco::Int64 n = 0;
    s << "SELECT COUNT(*) FROM things", into(n), now;
    EXPECT_EQ(n, 1);
    const std::size_t compiled = cacheOf(s).compilations();
    EXPECT_EQ(store->query(s, select, {}, [&](const mmm::SqlRow& r) { EXPECT_EQ(r.text(3), "hi"); }), 1u);
    EXPECT_EQ(cacheOf(s).compilations(), compiled);
  });
  EXPECT_EQ(qty, 1);
  EXPECT_EQ(note, "hi");
}

TEST_P(StoreTest, QueryOnAKilledConnectionIsRetriedOnAFreshOneWithItsOwnStatements) {
  if (GetParam() != Backend::MariaDB) GTEST_SKIP() << "needs a server connection to kill";
  auto killer = makeStore(1);
  auto store = makeStore(1);
  const std::string add = "INSERT INTO things (name, qty) VALUES (?, ?)";
  store->transaction([&](DbSession& s) { store->query(s, add, {std::string_view("before"), std::int64_t{1}}, nullptr); });
  int runs = 0;
  store->transaction([&](DbSession& s) {
    if (++runs == 1) {
      EXPECT_EQ(cacheOf(s).size(), 1u);  // the INSERT's statement, prepared on this connection
      killConnectionOf(s, *killer);
    }
    // Fails on the killed connection (with its statement prepared there), not on the next.
    store->query(s, add, {std::string_view("once"), std::int64_t{2}}, nullptr);
    if (runs == 2) {
      EXPECT_EQ(cacheOf(s).compilations(), 1u);  // a fresh connection, a fresh cache
    }
  });
  EXPECT_EQ(runs, 2);
  EXPECT_EQ(count(), 2);
  // The error it failed with is the one Poco::Data would have thrown: a lost connection.
  store->runRead([&](DbSession& s) {
    killConnectionOf(s, *killer);
    try {
      store->query(s, "SELECT COUNT(*) FROM things WHERE qty > ?", {std::int64_t{0}}, nullptr);
      ADD_FAILURE() << "a query on a killed connection succeeded";
    } catch (const Poco::Data::MySQL::StatementException& e) {
      EXPECT_TRUE(mmm::core::isConnectionLost(e)) << e.displayText();
    }
  });
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, ::testing::Values(Backend::SQLite, Backend::MariaDB),
                         [](const auto& info) { return info.param == Backend::SQLite ? "SQLite" : "MariaDB"; });

TEST(StoreUrl, ParsesBothDialectsAndRedactsThePassword) {
  auto sqlite = parseStoreUrl("sqlite:data/mmm.db");
  EXPECT_EQ(sqlite.dialect, Dialect::SQLite);
  EXPECT_EQ(sqlite.path, "data/mmm.db");
  auto mysql = parseStoreUrl("mysql://meet:s3cret@db.local:3307/mmm");
  EXPECT_EQ(mysql.dialect, Dialect::MySQL);
  EXPECT_EQ(mysql.host, "db.local");
  EXPECT_EQ(mysql.port, 3307);
  EXPECT_EQ(mysql.user, "meet");
  EXPECT_EQ(mysql.password, "s3cret");
  EXPECT_EQ(mysql.database, "mmm");
  EXPECT_EQ(mysql.redacted, "mysql://meet:***@db.local:3307/mmm");
  for (const char* bad : {"postgres://x@y/z", "sqlite:", "sqlite::memory:", "mysql://host/db", "mysql://u@h:1/",
                          "mysql://u:p;x=1@h:1/db"})
    EXPECT_THROW(parseStoreUrl(bad), std::invalid_argument) << bad;
}

TEST(StoreFaults, UnreachableDatabaseIsUnavailableQuickly) {
  // Nothing listens on port 1 of loopback: connections are refused at once.
  PocoStore store(parseStoreUrl("mysql://u:p@127.0.0.1:1/none"), {}, mmm::test::quietLogger());
  auto begin = std::chrono::steady_clock::now();
  EXPECT_THROW(store.runRead([](DbSession&) {}), mmm::Unavailable);
  EXPECT_THROW(store.check(), Poco::Exception);
  EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(1));
}

// ctest runs each test in a process of its own, so this store is the first user of SQLite
// here, as it is in mmm-server: its connections run in multi-thread mode, without SQLite's
// per-connection mutex (the pool never lends one connection to two threads at once).
TEST(StoreSqlite, ConnectionsRunWithoutSQLitesPerConnectionMutex) {
  PocoStore store(parseStoreUrl(mmm::test::tempSqliteUrl()), {}, mmm::test::quietLogger());
  store.runRead([](DbSession& session) {
    sqlite3* db = Poco::Data::SQLite::Utility::dbHandle(session);
    ASSERT_NE(db, nullptr);
    EXPECT_EQ(sqlite3_db_mutex(db), nullptr) << "SQLite runs in serialized mode";
  });
}

namespace {

// The kind of POSIX lock another process holds on `path` (F_UNLCK: none). Asked from a
// child process: fcntl never reports a process's own locks to itself.
short lockSeenByAnotherProcess(const std::string& path) {
  const pid_t child = ::fork();
  if (child < 0) {
    ADD_FAILURE() << "fork: " << std::strerror(errno);
    return -1;
  }
  if (child == 0) {  // only async-signal-safe calls until _exit
    const int fd = ::open(path.c_str(), O_RDONLY);
    struct flock probe {};
    probe.l_type = F_WRLCK;  // conflicts with any lock
    probe.l_whence = SEEK_SET;
    if (fd < 0 || ::fcntl(fd, F_GETLK, &probe) != 0) ::_exit(100);
    ::_exit(probe.l_type == F_UNLCK ? 0 : probe.l_type == F_RDLCK ? 1 : 2);
  }
  int status = 0;
  const int code = ::waitpid(child, &status, 0) == child && WIFEXITED(status) ? WEXITSTATUS(status) : 100;
  if (code == 100) ADD_FAILURE() << "the child could not probe " << path;
  return code == 0 ? F_UNLCK : code == 1 ? F_RDLCK : F_WRLCK;
}

// A store that shares its SQLite file (store.sqlite_exclusive: false).
mmm::core::StoreOptions sharingTheFile() {
  mmm::core::StoreOptions options;
  options.sqliteExclusive = false;
  return options;
}

void writeAndRead(PocoStore& store) {
  store.migrate("test", {{1, "things", {"CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT NOT NULL)"}}});
  store.runTransaction([](DbSession& s) { s << "INSERT INTO things (name) VALUES ('drum')", now; });
  int count = 0;
  store.runRead([&](DbSession& s) { s << "SELECT COUNT(*) FROM things", into(count), now; });
  EXPECT_EQ(count, 1);
}

}  // namespace

// By default the server keeps its SQLite file to itself (SQLite's unix-excl VFS): another
// process finds it locked, and the WAL index is kept in memory (no -shm file). The path
// reaches SQLite as a URI: characters a URI would read otherwise stay in the file's name.
TEST(StoreSqlite, KeepsItsFileToItselfByDefaultWhateverItsName) {
  const std::string dir = mmm::test::tempDir() + "/exclusive";
  const std::string path = dir + "/a b#c?d%25e&vfs=unix.db";
  PocoStore store(parseStoreUrl("sqlite:" + path), {}, mmm::test::quietLogger());
  writeAndRead(store);
  EXPECT_TRUE(std::filesystem::exists(path));
  EXPECT_FALSE(std::filesystem::exists(path + "-shm"));
  EXPECT_EQ(lockSeenByAnotherProcess(path), F_WRLCK);
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    EXPECT_EQ(entry.path().filename().string().find("a b#c?d%25e&vfs=unix.db"), 0u)
        << "a file of another name: " << entry.path();
}

// store.sqlite_exclusive: false shares the file (the sqlite3 shell, a live .backup): the
// WAL index is the shared -shm file, and the file holds SQLite's ordinary locks, none of
// them exclusive while nothing runs.
TEST(StoreSqlite, SharesItsFileWhenToldTo) {
  const std::string path = mmm::test::tempDir() + "/shared.db";
  PocoStore store(parseStoreUrl("sqlite:" + path), sharingTheFile(), mmm::test::quietLogger());
  writeAndRead(store);
  EXPECT_TRUE(std::filesystem::exists(path + "-shm"));
  EXPECT_NE(lockSeenByAnotherProcess(path), F_WRLCK);
}

// Another process with the file open (here holding a read lock, as the sqlite3 shell does
// while it reads) stops an exclusive store with an error that says what to do.
TEST(StoreSqlite, AnotherProcessHoldingTheFileIsNamedInTheError) {
  const std::string path = mmm::test::tempDir() + "/held.db";
  {
    PocoStore first(parseStoreUrl("sqlite:" + path), sharingTheFile(), mmm::test::quietLogger());
    writeAndRead(first);
  }
  int ready[2], release[2];
  ASSERT_EQ(::pipe(ready), 0);
  ASSERT_EQ(::pipe(release), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0) << std::strerror(errno);
  if (child == 0) {
    ::close(ready[0]);
    ::close(release[1]);  // or the read below would never see the end of the pipe
    const int fd = ::open(path.c_str(), O_RDONLY);
    struct flock lock {};
    lock.l_type = F_RDLCK;
    lock.l_whence = SEEK_SET;  // the whole file
    const char ok = fd >= 0 && ::fcntl(fd, F_SETLK, &lock) == 0 ? 'y' : 'n';
    [[maybe_unused]] auto w = ::write(ready[1], &ok, 1);
    char byte;
    [[maybe_unused]] auto r = ::read(release[0], &byte, 1);  // until the parent closes it
    ::_exit(0);
  }
  ::close(ready[1]);
  ::close(release[0]);
  struct LetGo {  // however the test ends: the child's pipe closed, the child reaped
    LetGo(int release, int ready, pid_t child) : release(release), ready(ready), child(child) {}
    LetGo(const LetGo&) = delete;
    LetGo& operator=(const LetGo&) = delete;
    ~LetGo() {
      ::close(release);
      ::close(ready);
      ::waitpid(child, nullptr, 0);
    }
    int release, ready;
    pid_t child;
  };
  std::optional<LetGo> letGo;
  letGo.emplace(release[1], ready[0], child);
  char ok = 0;
  ASSERT_EQ(::read(ready[0], &ok, 1), 1);
  EXPECT_EQ(ok, 'y');
  PocoStore store(parseStoreUrl("sqlite:" + path), {}, mmm::test::quietLogger());
  try {
    store.check();
    ADD_FAILURE() << "the store opened a file another process holds";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("is in use by another process"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("store.sqlite_exclusive: false"), std::string::npos) << e.what();
  }
  letGo.reset();
  int count = 0;  // the other process gone, the same store opens the file
  store.runRead([&](DbSession& s) { s << "SELECT COUNT(*) FROM things", into(count), now; });
  EXPECT_EQ(count, 1);
}

// A relative path is the working directory's, kept to itself too, whatever its name: no
// "//" for an empty authority in front of it (that is only for an absolute path).
TEST(StoreSqlite, ARelativePathIsTheWorkingDirectorysWhateverItsName) {
  const std::string dir = mmm::test::tempDir();
  struct BackTo {
    std::filesystem::path folder;
    ~BackTo() { std::filesystem::current_path(folder); }
  } back{std::filesystem::current_path()};
  std::filesystem::current_path(dir);
  {
    PocoStore store(parseStoreUrl("sqlite:sub dir/r#e?l%41.db"), {}, mmm::test::quietLogger());
    writeAndRead(store);
    EXPECT_EQ(lockSeenByAnotherProcess(dir + "/sub dir/r#e?l%41.db"), F_WRLCK);
  }
  EXPECT_TRUE(std::filesystem::exists(dir + "/sub dir/r#e?l%41.db"));
  EXPECT_FALSE(std::filesystem::exists(dir + "/sub dir/r#e?l%41.db-shm"));
}

// A stopped server lets go of its SQLite file (kept to itself while it runs): another
// process, or an embedder's next server, can open it before this one is destroyed.
TEST(StoreSqlite, AStoppedServerLetsGoOfItsFile) {
  const std::string path = mmm::test::tempDir() + "/stopped.db";
  auto server = mmm::Server::fromYaml(
      "server: {listen: '127.0.0.1:0'}\nlog: {level: 'off'}\nweb: {enabled: false}\nstore: {url: 'sqlite:" + path + "'}\n",
      "stopped.yaml");
  server->start();
  EXPECT_EQ(mmm::test::request(server->port(), "GET", "/readyz").status, 200);
  EXPECT_EQ(lockSeenByAnotherProcess(path), F_WRLCK) << "kept while it runs";
  server->stop();
  EXPECT_EQ(lockSeenByAnotherProcess(path), F_UNLCK) << "let go once stopped";
}
