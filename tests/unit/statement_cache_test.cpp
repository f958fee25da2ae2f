// The SQLite statement cache behind Store::query: statements compiled once and reused.
#include "statement_cache.hpp"

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/SQLite/Utility.h>

#include <gtest/gtest.h>

#include <sqlite3.h>

#include <filesystem>

using mmm::SqlRow;
using mmm::SqlValue;
using mmm::core::SqliteStatementCache;

namespace {

class StatementCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Poco::Data::SQLite::Connector::registerConnector();
    path_ = std::filesystem::temp_directory_path() /
            ("mmm-statement-cache-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db");
    std::filesystem::remove(path_);
    session_ = std::make_unique<mmm::DbSession>("SQLite", path_.string());
    *session_ << "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE, note TEXT)", Poco::Data::Keywords::now;
    cache_ = std::make_unique<SqliteStatementCache>(Poco::Data::SQLite::Utility::dbHandle(*session_));
  }
  void TearDown() override {
    cache_.reset();  // finalized before the connection closes
    session_.reset();
    std::filesystem::remove(path_);
  }
  std::size_t run(const std::string& sql, std::initializer_list<SqlValue> params,
                  const std::function<void(const SqlRow&)>& onRow = nullptr) {
    return cache_->run(sql, params.begin(), params.size(), onRow);
  }

  std::filesystem::path path_;
  std::unique_ptr<mmm::DbSession> session_;
  std::unique_ptr<SqliteStatementCache> cache_;
};

TEST_F(StatementCacheTest, TheSameSqlIsCompiledOnceAndRebound) {
  const std::string insert = "INSERT INTO t (name, note) VALUES (?, ?)";
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(run(insert, {std::string_view("n" + std::to_string(i)), std::string_view("x")}), 1u);
  std::vector<std::string> names;
  const std::string select = "SELECT name FROM t WHERE id >= ? ORDER BY id";
  EXPECT_EQ(run(select, {std::int64_t{2}}, [&](const SqlRow& r) { names.push_back(r.text(0)); }), 2u);
  EXPECT_EQ(run(select, {std::int64_t{3}}, [&](const SqlRow& r) { names.push_back(r.text(0)); }), 1u);
  EXPECT_EQ(names, (std::vector<std::string>{"n1", "n2", "n2"}));
  EXPECT_EQ(cache_->compilations(), 2u);
  EXPECT_EQ(cache_->size(), 2u);
}

TEST_F(StatementCacheTest, NullReadsAsZeroOrEmptyAndTextKeepsNulBytes) {
  const std::string withNul("a\0b", 3);
  run("INSERT INTO t (name, note) VALUES (?, NULL)", {std::string_view(withNul)});
  std::string name, note;
  std::int64_t noteNumber = -1;
  run("SELECT name, note, note FROM t", {}, [&](const SqlRow& r) {
    name = r.text(0);
    note = r.text(1);
    noteNumber = r.int64(2);
  });
  EXPECT_EQ(name, withNul);
  EXPECT_EQ(note, "");
  EXPECT_EQ(noteNumber, 0);
}

TEST_F(StatementCacheTest, MisuseIsRefused) {
  EXPECT_THROW(run("SELECT name FROM t WHERE id = ?", {}), std::invalid_argument);
  EXPECT_THROW(run("SELECT 1; SELECT 2", {}), std::invalid_argument);
  EXPECT_THROW(run("SELEC nonsense", {}), Poco::Exception);
  EXPECT_EQ(run("SELECT 1;  ", {}), 1u);  // a trailing semicolon is one statement
}

TEST_F(StatementCacheTest, AFailedStepLeavesTheStatementReusable) {
  const std::string insert = "INSERT INTO t (name) VALUES (?)";
  run(insert, {std::string_view("dup")});
  try {
    run(insert, {std::string_view("dup")});
    ADD_FAILURE() << "the unique constraint did not fire";
  } catch (const Poco::Exception& e) {
    EXPECT_NE(e.displayText().find("UNIQUE constraint failed"), std::string::npos) << e.displayText();
  }
  EXPECT_EQ(run(insert, {std::string_view("other")}), 1u);
  EXPECT_EQ(cache_->compilations(), 1u);
}

TEST_F(StatementCacheTest, TheCacheIsBounded) {
  for (std::size_t i = 0; i < SqliteStatementCache::kMaxStatements + 5; ++i)
    run("SELECT " + std::to_string(i), {});
  EXPECT_LE(cache_->size(), SqliteStatementCache::kMaxStatements);
  EXPECT_EQ(cache_->compilations(), SqliteStatementCache::kMaxStatements + 5);
}

// A full cache gives up one statement, the least recently used, and never one that is
// running (a query made from inside another's rows).
TEST_F(StatementCacheTest, AFullCacheGivesUpItsLeastRecentlyUsedIdleStatement) {
  const std::size_t limit = SqliteStatementCache::kMaxStatements;
  auto select = [](std::size_t i) { return "SELECT " + std::to_string(i); };
  const std::string insert = "INSERT INTO t (name) VALUES (?)";
  ASSERT_EQ(run(insert, {std::string_view("a")}), 1u);
  for (std::size_t i = 1; i < limit; ++i) run(select(i), {});
  run(select(1), {});  // used again: the insert is now the least recently used, then select(2)
  ASSERT_EQ(cache_->compilations(), limit);
  run(select(limit), {});  // full: it takes the insert's place
  EXPECT_EQ(cache_->size(), limit);
  for (std::size_t i : {std::size_t{1}, std::size_t{2}, limit - 1, limit}) run(select(i), {});
  EXPECT_EQ(cache_->compilations(), limit + 1) << "every other statement is still kept";
  ASSERT_EQ(run(insert, {std::string_view("b")}), 1u);
  EXPECT_EQ(cache_->compilations(), limit + 2) << "the one given up is compiled again";

  // A statement still reading rows stays, even once it is the least recently used.
  bool first = true;
  run("SELECT id FROM t", {}, [&](const SqlRow&) {
    if (!first) return;
    first = false;
    for (std::size_t i = 0; i < limit; ++i) run(select(1000 + i), {});
  });
  EXPECT_EQ(cache_->compilations(), 2 * limit + 3);
  EXPECT_EQ(cache_->size(), limit);
  run("SELECT id FROM t", {});
  EXPECT_EQ(cache_->compilations(), 2 * limit + 3) << "the running one was kept";
}

TEST(InList, MarksAndPaddingComeInPowersOfTwo) {
  EXPECT_EQ(mmm::inListMarks(1), "?");
  EXPECT_EQ(mmm::inListMarks(3), "?, ?, ?, ?");
  std::vector<std::int64_t> ids{4, 5, 6, 7, 8};
  mmm::padInList(ids);
  EXPECT_EQ(ids, (std::vector<std::int64_t>{4, 5, 6, 7, 8, 8, 8, 8}));
}

}  // namespace
