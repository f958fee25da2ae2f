// Test support: an mmm-server process with the bundled plugins, on SQLite with in-memory
// sessions or on MariaDB with Redis, and a client that speaks the API contract.
#pragma once

#include "backends.hpp"
#include "server_process.hpp"
#include "test_http.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>

#include <gtest/gtest.h>

#include <mutex>
#include <random>

namespace mmm::test {

enum class Backends { SQLiteMemory, MariaDBRedis };
[[maybe_unused]] inline std::ostream& operator<<(std::ostream& out, Backends b) {
  return out << (b == Backends::SQLiteMemory ? "SQLiteMemory" : "MariaDBRedis");
}
inline std::string backendsName(const ::testing::TestParamInfo<Backends>& info) {
  return info.param == Backends::SQLiteMemory ? "SQLiteMemory" : "MariaDBRedis";
}

inline const std::string kJsonType = "Content-Type: application/json\r\n";

inline Poco::JSON::Object::Ptr json(const HttpReply& reply) {
  Poco::JSON::Parser parser;
  return parser.parse(reply.body).extract<Poco::JSON::Object::Ptr>();
}
inline Poco::JSON::Array::Ptr jsonArray(const HttpReply& reply) {
  Poco::JSON::Parser parser;
  return parser.parse(reply.body).extract<Poco::JSON::Array::Ptr>();
}

inline std::string unique(const std::string& prefix) {
  static std::mt19937 random(std::random_device{}());
  return prefix + std::to_string(random() % 100000000);
}

struct Account {
  std::string email, password, userName, token;
  std::int64_t id = 0;
};

/// MMM_TEST_REDIS_URL, on Redis database `database` instead of its own (-1: as it is).
inline std::string redisUrl(int database = -1) {
  std::string url = requiredEnv("MMM_TEST_REDIS_URL");
  if (database < 0) return url;
  const auto slash = url.rfind('/');
  if (slash > url.find("//") + 1 && url.find_first_not_of("0123456789", slash + 1) == std::string::npos)
    url.erase(slash);
  return url + "/" + std::to_string(database);
}

/// The users plugin with cheap password hashing and no sign-up limit (tests create many
/// accounts from one address). Rate limits are tested on their own (rate_limit_test.cpp).
/// A burst of sign-ups waits for its hashes rather than getting the hasher's 503 (2 at once
/// and 8 waiting on this 2-core machine shed load when the CI starves a hash of CPU): the
/// races test the store's answers, the shedding has tests of its own (users_test.cpp).
inline const std::string kUsersPlugin =
    "  - name: users\n"
    "    config:\n"
    "      password_hash: {ops_limit: 1, mem_limit_kib: 8, max_waiting: 64, max_wait_ms: 60000}\n"
    "      throttle: {max_failures_per_pair: 3, max_failures_per_email: 1000, max_failures_per_address: 1000, window_s: 60}\n"
    "      rate_limits: {sign_ups: {count: 0}}\n";
/// The chat and meetups plugins with their rate limits off (tests post in bursts).
inline const std::string kChatPlugin =
    "  - name: chat\n"
    "    config: {rate_limits: {messages: {count: 0}, channels: {count: 0}}}\n";
inline const std::string kMeetupsPlugin =
    "  - name: meetups\n"
    "    config: {rate_limits: {events: {count: 0}}}\n";

class ApiTest : public ::testing::TestWithParam<Backends> {
 protected:
  /// Starts mmm-server with `plugins` (YAML list items) on the parameter's back ends;
  /// `serverExtra` goes into the server section, `sections` are more top-level sections.
  void startServer(const std::string& plugins, const std::string& serverExtra = "", const std::string& sections = "") {
    // A second call restarts on the same store (the sessions stay only with Redis).
    if (server_) {
      EXPECT_EQ(server_->stop(), 0);
    }
    server_ = std::make_unique<ServerProcess>(configText(plugins, serverExtra, sections));
    port_ = server_->port();
  }

  /// The configuration startServer writes (the same store on later calls): a live reload
  /// test writes another one over the server's file.
  std::string configText(const std::string& plugins, const std::string& serverExtra = "",
                         const std::string& sections = "") {
    std::string sessions = "memory";
    if (GetParam() == Backends::MariaDBRedis) {
      if (!mysql_) mysql_ = std::make_unique<MysqlDatabase>();
      storeUrl_ = mysql_->url();
      sessions = redisUrl(redisDatabase_);
    } else if (storeUrl_.empty()) {
      storeUrl_ = tempSqliteUrl();
    }
    return "server: {listen: '127.0.0.1:0', threads: 64, queue: 256" + serverExtra + "}\n"
           "log: {level: debug}\n"
           "web: {enabled: false}\n"
           "store: {url: '" + storeUrl_ + "', pool_size: 16, acquire_timeout_ms: 10000}\n"
           "sessions: {url: '" + sessions + "', signing_key: '" + kTestSigningKey + "'}\n" + sections +
           "plugins:\n" + plugins;
  }

  /// Stops the server: it must exit 0, and its log (debug level, access log on) must
  /// hold none of the passwords and tokens the test used.
  void TearDown() override {
    if (!server_) return;
    EXPECT_EQ(server_->stop(), 0);
    if (IsSkipped()) return;  // a test that skipped itself may never have called the server
    const std::string log = readFile(server_->logFile());
    EXPECT_NE(log.find("\"POST /v1/"), std::string::npos) << "the log was not captured";
    std::lock_guard lock(secretsMutex_);
    for (const auto& secret : secrets_) EXPECT_EQ(log.find(secret), std::string::npos) << "leaked: " << secret;
  }

  HttpReply call(const std::string& method, const std::string& path, const std::string& body = "",
                 const std::string& token = "", const std::string& extra = "") {
    std::string headers = extra;
    if (!body.empty()) headers += kJsonType;
    if (!token.empty()) headers += "Authorization: Bearer " + token + "\r\n";
    return request(port_, method, path, headers, body);
  }

  HttpReply signUp(const std::string& email, const std::string& password, const std::string& userName,
                   const std::string& firstName = "Bob", const std::string& lastName = "Ng") {
    keepSecret(password);
    return call("POST", "/v1/users",
                R"({"email":")" + email + R"(","password":")" + password + R"(","passwordConf":")" + password +
                    R"(","userName":")" + userName + R"(","firstName":")" + firstName + R"(","lastName":")" +
                    lastName + R"("})");
  }

  /// A new user (with `email`, for one the config names, such as an admin; else a unique one).
  Account newAccount(const std::string& email = "") {
    Account a{email.empty() ? unique("musician") + "@example.org" : email, unique("pw-secret-"), unique("player"), "", 0};
    auto reply = signUp(a.email, a.password, a.userName);
    EXPECT_EQ(reply.status, 201) << reply.body;
    a.token = tokenOf(reply);
    a.id = json(reply)->getValue<Poco::Int64>("id");
    return a;
  }

  std::string tokenOf(const HttpReply& reply) {
    auto header = reply.header("authorization");
    EXPECT_EQ(header.rfind("Bearer ", 0), 0u) << header;
    const std::string token = header.size() > 7 ? header.substr(7) : "";
    keepSecret(token);
    return token;
  }

  /// A new session for `who` (after a restart that lost the sessions kept in memory).
  void signIn(Account& who) {
    auto reply = call("POST", "/v1/sessions", R"({"email":")" + who.email + R"(","password":")" + who.password + R"("})");
    ASSERT_EQ(reply.status, 201) << reply.body;
    who.token = tokenOf(reply);
  }

  static void expectProblem(const HttpReply& reply, int status) {
    EXPECT_EQ(reply.status, status) << reply.body;
    EXPECT_EQ(reply.header("content-type"), "application/problem+json") << reply.body;
    if (reply.status == status) {
      EXPECT_EQ(json(reply)->getValue<int>("status"), status);
    }
  }

  /// Stops the server and opens its store for the test (to change it as an older version
  /// would have left it).
  std::unique_ptr<core::PocoStore> stopAndOpenStore() {
    EXPECT_EQ(server_->stop(), 0);
    return std::make_unique<core::PocoStore>(core::parseStoreUrl(storeUrl_), core::StoreOptions{}, quietLogger());
  }
  static void execute(DbSession& session, const std::string& sql) {
    Poco::Data::Statement statement(session);
    statement << sql;
    statement.execute();
  }

  std::unique_ptr<MysqlDatabase> mysql_;
  std::string storeUrl_;
  int redisDatabase_ = -1;  // a Redis database of the test's own (for keys by user id); -1: as given
  std::unique_ptr<ServerProcess> server_;
  std::uint16_t port_ = 0;

  /// Remembers a password or token that the server's log must never hold (TearDown checks);
  /// tests call it from several client threads at once.
  void keepSecret(const std::string& secret) {
    std::lock_guard lock(secretsMutex_);
    secrets_.push_back(secret);
  }

 private:
  std::mutex secretsMutex_;
  std::vector<std::string> secrets_;
};

}  // namespace mmm::test
