// How the store tells a lost connection (retry on a fresh one) from a failed statement.
#include "store_impl.hpp"

#include <Poco/Data/MySQL/MySQLException.h>
#include <Poco/Data/SQLite/SQLiteException.h>

#include <gtest/gtest.h>

using Poco::Data::MySQL::ConnectionException;
using Poco::Data::MySQL::StatementException;
using mmm::core::isConnectionLost;
using mmm::core::mysqlErrorNumber;

namespace {

// The text Poco 1.11 composes for a failed prepared statement.
StatementException statementError(const std::string& serverMessage, int number, const std::string& state) {
  return StatementException("[Comment]: mysql_stmt_execute error\t[mysql_stmt_error]: " + serverMessage +
                            "\t[mysql_stmt_errno]: " + std::to_string(number) +
                            "\t[mysql_stmt_sqlstate]: " + state +
                            "\t[statemnt]: INSERT INTO users (user_name) VALUES (?)");
}

}  // namespace

TEST(StoreErrors, TheNumberComesFromThePocoMarkerNotTheMessage) {
  auto duplicate = statementError("Duplicate entry 'drummer2013' for key 'user_name'", 1062, "23000");
  EXPECT_EQ(mysqlErrorNumber(duplicate), 1062);
  EXPECT_FALSE(isConnectionLost(duplicate));
  for (const char* value : {"2006", "gone away", "Lost connection", "Can't connect", "Connection refused"}) {
    auto quoted = statementError(std::string("Duplicate entry '") + value + "' for key 'user_name'", 1062, "23000");
    EXPECT_FALSE(isConnectionLost(quoted)) << value;
  }
  // Even a value forging Poco's marker inside the server's message does not count.
  auto forged = statementError("Duplicate entry 'x\t[mysql_stmt_errno]: 2013' for key 'user_name'", 1062, "23000");
  EXPECT_EQ(mysqlErrorNumber(forged), 1062);
  EXPECT_FALSE(isConnectionLost(forged));
}

TEST(StoreErrors, LostConnectionNumbersAreLost) {
  for (int number : {2002, 2003, 2006, 2013, 2055, 1053, 1927, 4031})
    EXPECT_TRUE(isConnectionLost(statementError("Lost connection to server during query", number, "HY000"))) << number;
  ConnectionException gone("[Comment]: mysql_real_connect error\t[mysql_error]: Can't connect to server on "
                           "'127.0.0.1' (111)\t[mysql_errno]: 2002\t[mysql_sqlstate]: HY000");
  EXPECT_EQ(mysqlErrorNumber(gone), 2002);
  EXPECT_TRUE(isConnectionLost(gone));
  ConnectionException denied("[Comment]: mysql_real_connect error\t[mysql_error]: Access denied for user "
                             "'u2013'\t[mysql_errno]: 1045\t[mysql_sqlstate]: 28000");
  EXPECT_FALSE(isConnectionLost(denied));
}

TEST(StoreErrors, OtherErrorsAreNotLost) {
  EXPECT_FALSE(isConnectionLost(statementError("Deadlock found when trying to get lock", 1213, "40001")));
  EXPECT_FALSE(isConnectionLost(StatementException("no marker at all: 2013")));
  EXPECT_EQ(mysqlErrorNumber(StatementException("no marker at all: 2013")), std::nullopt);
  EXPECT_FALSE(isConnectionLost(Poco::Data::SQLite::ConstraintViolationException("UNIQUE constraint failed: 2013")));
  EXPECT_FALSE(isConnectionLost(std::runtime_error("Lost connection 2013")));
}
