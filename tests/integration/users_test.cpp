// The Users section of the API contract through real HTTP against a running mmm-server,
// on SQLite with in-memory sessions and on MariaDB with Redis.
#include "api_fixture.hpp"

#include <atomic>
#include <fstream>
#include <mutex>
#include <thread>

using namespace mmm::test;
using namespace Poco::Data::Keywords;

namespace {

class UsersTest : public ApiTest {
 protected:
  void SetUp() override { startServer(kUsersPlugin, ", trusted_proxies: ['127.0.0.1']"); }

  HttpReply signIn(const std::string& email, const std::string& password) {
    return call("POST", "/v1/sessions", R"({"email":")" + email + R"(","password":")" + password + R"("})");
  }

  // 20 sign-ups racing for one user name: one 201, the rest 409.
  void expectOneWinnerAmongConcurrentSignUps(const std::string& userName) {
    std::atomic<int> created{0}, conflicts{0};
    std::vector<int> other;
    std::mutex otherMutex;
    std::vector<std::thread> threads;
    for (int i = 0; i < 20; ++i)
      threads.emplace_back([&, i] {
        auto reply = call("POST", "/v1/users",
                          R"({"email":"racer)" + std::to_string(i) + userName + R"(@example.org","password":"race-password","passwordConf":"race-password","userName":")" +
                              userName + R"("})");
        if (reply.status == 201) ++created;
        else if (reply.status == 409) ++conflicts;
        else {
          std::lock_guard lock(otherMutex);
          other.push_back(reply.status);
        }
      });
    for (auto& t : threads) t.join();
    EXPECT_EQ(created.load(), 1) << userName;
    EXPECT_EQ(conflicts.load(), 19) << userName;
    EXPECT_EQ(other, std::vector<int>{}) << userName;
  }

  /// `own`: one's own profile (GET /v1/users/me), which says one's roles too.
  static void expectProfile(const HttpReply& reply, int status, bool own = false) {
    EXPECT_EQ(reply.status, status) << reply.body;
    EXPECT_EQ(reply.header("content-type"), "application/json");
    auto body = json(reply);
    for (const char* field : {"id", "userName", "firstName", "lastName", "photoURL"})
      EXPECT_TRUE(body->has(field)) << field << " missing in " << reply.body;
    if (own) {
      EXPECT_NE(reply.body.find(R"("roles":[])"), std::string::npos) << reply.body;
    }
    EXPECT_EQ(body->size(), own ? 6u : 5u) << "unexpected fields in " << reply.body;  // no email, no hash
    EXPECT_EQ(reply.body.find("email"), std::string::npos);
    EXPECT_EQ(reply.body.find("$argon2"), std::string::npos);
  }
};

}  // namespace

TEST_P(UsersTest, SignUpAnswers201WithTokenCookieAndProfile) {
  const std::string password = "pw-" + unique("signup");
  auto reply = signUp("  Bob.Ng@Example.org ", password, unique("bassbob"), "Bob", "Ng");
  expectProfile(reply, 201);
  const std::string token = tokenOf(reply);
  EXPECT_EQ(token.size(), 86u);
  EXPECT_EQ(reply.header("set-cookie"),
            "mmm_session=" + token + "; Path=/; Max-Age=604800; HttpOnly; SameSite=Strict");
  auto body = json(reply);
  EXPECT_GT(body->getValue<Poco::Int64>("id"), 0);
  EXPECT_EQ(body->getValue<std::string>("firstName"), "Bob");
  EXPECT_EQ(body->getValue<std::string>("lastName"), "Ng");
  // md5 of the trimmed, lower-cased email "bob.ng@example.org"
  EXPECT_EQ(body->getValue<std::string>("photoURL"), "https://www.gravatar.com/avatar/ab79c907918a16a0ed93623a59fa3204");
  EXPECT_EQ(reply.header("location"), "/v1/users/" + std::to_string(body->getValue<Poco::Int64>("id")));
}

TEST_P(UsersTest, BehindAnHttpsPublicUrlTheCookieIsSecure) {
  startServer(kUsersPlugin, ", public_url: 'https://meetup.example.org'");
  const std::string password = "pw-" + unique("secure");
  auto reply = signUp(unique("sec") + "@example.org", password, unique("secure"));
  ASSERT_EQ(reply.status, 201) << reply.body;
  EXPECT_EQ(reply.header("set-cookie"),
            "mmm_session=" + tokenOf(reply) + "; Path=/; Max-Age=604800; HttpOnly; SameSite=Strict; Secure");
}

TEST_P(UsersTest, SignUpValidationIs400And415) {
  const std::string name = unique("v");
  auto body = [&](const std::string& email, const std::string& pw, const std::string& conf, const std::string& user) {
    return R"({"email":")" + email + R"(","password":")" + pw + R"(","passwordConf":")" + conf +
           R"(","userName":")" + user + R"(","firstName":"A","lastName":"B"})";
  };
  expectProblem(call("POST", "/v1/users", body("not-an-email", "longenough", "longenough", name)), 400);
  expectProblem(call("POST", "/v1/users", body(name + "@example.org", "short", "short", name)), 400);
  expectProblem(call("POST", "/v1/users", body(name + "@example.org", "1234567", "1234567", name)), 400);
  expectProblem(call("POST", "/v1/users", body(name + "@example.org", "longenough", "longenougH", name)), 400);
  expectProblem(call("POST", "/v1/users", body(name + "@example.org", "longenough", "longenough", "bass bob")), 400);
  expectProblem(call("POST", "/v1/users", body(name + "@example.org", "longenough", "longenough", "bass\\tbob")), 400);
  expectProblem(call("POST", "/v1/users", body(name + "@example.org", "longenough", "longenough", "")), 400);
  expectProblem(call("POST", "/v1/users", R"({"email":")" + name + R"(@example.org","password":"longenough","passwordConf":"longenough","userName":")" + name +
                                              R"(","firstName":")" + std::string(129, 'x') + R"("})"),
                400);
  expectProblem(call("POST", "/v1/users", R"({"email":")" + name + R"(@example.org","password":"longenough","passwordConf":"longenough","userName":5})"), 400);
  expectProblem(call("POST", "/v1/users", R"({"email":")" + name + R"(@example.org"})"), 400);
  expectProblem(call("POST", "/v1/users", "{\"email\":"), 400);
  expectProblem(call("POST", "/v1/users", "[]"), 400);
  expectProblem(request(port_, "POST", "/v1/users", "Content-Type: text/plain\r\n", body(name + "@example.org", "longenough", "longenough", name)), 415);
  expectProblem(request(port_, "POST", "/v1/users", "", ""), 415);
  // None of those created anything: the name is still free.
  expectProfile(signUp(name + "@example.org", "longenough", name), 201);
}

TEST_P(UsersTest, ControlCharactersInTextAre400) {
  const std::string name = unique("ctl");
  for (const char* bad : {"a\\u0000b", "a\\u001bb", "a\\u0085b", "a\\nb", "a\\tb"}) {
    expectProblem(signUp(name + "@example.org", "longenough", name, bad, "Ng"), 400);
    expectProblem(signUp(name + "@example.org", "longenough", name, "Bob", bad), 400);
    expectProblem(signUp(name + "@example.org", "longenough", name + bad), 400);
    expectProblem(signUp(name + bad + "@example.org", "longenough", name), 400);
  }
  const auto a = newAccount();
  expectProblem(call("PATCH", "/v1/users/me", R"({"firstName":"a\u0000b"})", a.token), 400);
  expectProblem(call("PATCH", "/v1/users/me", R"({"lastName":"a\u009fb"})", a.token), 400);
  EXPECT_EQ(json(call("GET", "/v1/users/me", "", a.token))->getValue<std::string>("firstName"), "Bob");
  // A password is a secret, compared and never shown: a tab in it is its owner's business.
  expectProfile(signUp(name + "@example.org", "tab\\tin-password", name), 201);
}

TEST_P(UsersTest, DuplicateEmailInAnotherCaseOrUserNameIs409) {
  const auto a = newAccount();
  std::string upper = a.email;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  expectProblem(signUp(upper, "another-password", unique("other")), 409);
  expectProblem(signUp(unique("x") + "@example.org", "another-password", a.userName), 409);
  // Another letter is another email, on every back end (MariaDB's default collation would
  // call "á" and "a" equal).
  const std::string accented = "\xc3\xa1" + a.email.substr(1);
  expectProfile(signUp(accented, "another-password", unique("accent")), 201);
  std::string otherCase = a.userName;
  otherCase[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(otherCase[0])));
  expectProblem(signUp(unique("y") + "@example.org", "another-password", otherCase), 409);
}

TEST_P(UsersTest, UserNamesClashAfterNfkcAndCaseFoldingAndEmailsAfterFullCaseFolding) {
  const std::string run = unique("");
  // "Ａｌｉｃｅ" (fullwidth) then "alice": one name.
  const std::string fullwidth = "\xef\xbc\xa1\xef\xbd\x8c\xef\xbd\x89\xef\xbd\x83\xef\xbd\x85" + run;
  ASSERT_EQ(signUp("fw" + run + "@example.org", "pw-secret-fw", fullwidth).status, 201);
  auto clash = signUp("fw2" + run + "@example.org", "pw-secret-fw", "alice" + run);
  expectProblem(clash, 409);
  EXPECT_NE(clash.body.find("userName"), std::string::npos) << clash.body;
  expectProblem(signUp("fw3" + run + "@example.org", "pw-secret-fw", "al\xe2\x80\x8bice" + run), 409);  // zero-width
  // Ä and ä: one account; signing in in either case finds it.
  ASSERT_EQ(signUp("\xc3\x84nne" + run + "@example.org", "pw-secret-umlaut", "anne" + run).status, 201);
  auto twin = signUp("\xc3\xa4nne" + run + "@example.org", "pw-secret-umlaut", "anne2" + run);
  expectProblem(twin, 409);
  EXPECT_NE(twin.body.find("email"), std::string::npos) << twin.body;
  tokenOf(call("POST", "/v1/sessions", R"({"email":"\u00e4nne)" + run + R"(@Example.org","password":"pw-secret-umlaut"})"));
  // Names of invisible characters alone, or with a bidirectional override, are 400.
  for (const std::string& name : std::vector<std::string>{"\xe2\x80\x8b\xe2\x80\x8c", "\xe3\x85\xa4", "abc\xe2\x80\xae" "def" + run}) {
    auto reply = signUp("inv" + unique("") + "@example.org", "pw-secret-inv", name);
    expectProblem(reply, 400);
  }
}

TEST_P(UsersTest, AccountsMadeBeforeTheFoldedKeysGetThemAtStart) {
  const auto a = newAccount();
  const std::string run = unique("");
  ASSERT_EQ(signUp("\xc3\x96ld" + run + "@example.org", "pw-secret-old", "Old" + run).status, 201);  // Öld…
  ASSERT_EQ(server_->stop(), 0);
  {  // as a store before migrations 3 and 4: no keys, no unique index on them
    mmm::core::PocoStore store(mmm::core::parseStoreUrl(storeUrl_), {}, quietLogger());
    const bool mysql = store.dialect() == mmm::Dialect::MySQL;
    store.transaction([&](mmm::DbSession& s) {
      for (const char* index : {"users_email_key", "users_user_name_key"})
        s << std::string("DROP INDEX ") + index + (mysql ? " ON users" : ""), now;
      s << "UPDATE users SET email_key = NULL, user_name_key = NULL", now;
      s << "DELETE FROM mmm_migrations WHERE owner = 'users' AND version = 4", now;
    });
  }
  startServer(kUsersPlugin);
  tokenOf(call("POST", "/v1/sessions", R"({"email":")" + a.email + R"(","password":")" + a.password + R"("})"));
  expectProblem(signUp("\xc3\xb6ld" + run + "@example.org", "pw-secret-old", "other" + run), 409);  // öld…
  expectProblem(signUp("new" + run + "@example.org", "pw-secret-old", "\xef\xbc\xaf" "LD" + run), 409);
  // The server keeps a SQLite file to itself while it runs (store.sqlite_exclusive).
  auto store = stopAndOpenStore();
  auto missing = store->read([&](mmm::DbSession& s) {
    Poco::Int64 count = -1;
    s << "SELECT COUNT(*) FROM users WHERE email_key IS NULL OR user_name_key IS NULL", into(count), now;
    return count;
  });
  EXPECT_EQ(missing, 0);
  // The unique index is back: a row with another's key is refused by the store itself.
  EXPECT_THROW(store->transaction([&](mmm::DbSession& s) {
    s << "UPDATE users SET user_name_key = (SELECT k FROM (SELECT MIN(user_name_key) AS k FROM users) AS t)", now;
  }), std::exception);
}

TEST_P(UsersTest, ConcurrentSignUpsWithOneUserNameGiveOne201AndNo500) {
  expectOneWinnerAmongConcurrentSignUps(unique("race"));
}

// The losers' "Duplicate entry 'drummer2013…'" quotes the name: it must not read as MySQL
// error 2013 (connection lost), which gave 503s.
TEST_P(UsersTest, ConcurrentSignUpsWithANameLikeAnErrorNumberGiveOne201AndNo503) {
  expectOneWinnerAmongConcurrentSignUps(unique("drummer2013x"));
  expectOneWinnerAmongConcurrentSignUps(unique("gone2006away2013x"));
}

TEST_P(UsersTest, GetUserByIdOrMe) {
  const auto a = newAccount(), b = newAccount();
  auto me = call("GET", "/v1/users/me", "", a.token);
  expectProfile(me, 200, true);
  EXPECT_EQ(json(me)->getValue<Poco::Int64>("id"), a.id);
  auto other = call("GET", "/v1/users/" + std::to_string(b.id), "", a.token);
  expectProfile(other, 200);
  EXPECT_EQ(json(other)->getValue<std::string>("userName"), b.userName);
  expectProblem(call("GET", "/v1/users/99999999", "", a.token), 404);
  expectProblem(call("GET", "/v1/users/abc", "", a.token), 404);
  expectProblem(call("GET", "/v1/users/-1", "", a.token), 404);
  expectProblem(call("GET", "/v1/users/me"), 401);
  expectProblem(call("GET", "/v1/users/" + std::to_string(b.id)), 401);
}

TEST_P(UsersTest, PatchPersistsAndIsOnlyForOneself) {
  const auto a = newAccount(), b = newAccount();
  auto patched = call("PATCH", "/v1/users/me", R"({"firstName":"Roberta"})", a.token);
  expectProfile(patched, 200);
  EXPECT_EQ(json(patched)->getValue<std::string>("firstName"), "Roberta");
  EXPECT_EQ(json(patched)->getValue<std::string>("lastName"), "Ng");
  expectProfile(call("PATCH", "/v1/users/" + std::to_string(a.id), R"({"lastName":"Nguyen"})", a.token), 200);
  // A fresh GET, another user's view and a fresh sign-in all show the new names.
  auto fresh = json(call("GET", "/v1/users/me", "", a.token));
  EXPECT_EQ(fresh->getValue<std::string>("firstName"), "Roberta");
  EXPECT_EQ(fresh->getValue<std::string>("lastName"), "Nguyen");
  EXPECT_EQ(json(call("GET", "/v1/users/" + std::to_string(a.id), "", b.token))->getValue<std::string>("firstName"),
            "Roberta");
  auto signedIn = signIn(a.email, a.password);
  expectProfile(signedIn, 201);
  tokenOf(signedIn);
  EXPECT_EQ(json(signedIn)->getValue<std::string>("lastName"), "Nguyen");

  expectProblem(call("PATCH", "/v1/users/me", "{}", a.token), 400);
  expectProblem(call("PATCH", "/v1/users/me", R"({"firstName":5})", a.token), 400);
  expectProblem(call("PATCH", "/v1/users/me", R"({"firstName":")" + std::string(129, 'x') + "\"}", a.token), 400);
  expectProblem(call("PATCH", "/v1/users/" + std::to_string(b.id), R"({"firstName":"Mallory"})", a.token), 403);
  expectProblem(request(port_, "PATCH", "/v1/users/me", "Content-Type: text/plain\r\nAuthorization: Bearer " + a.token + "\r\n",
                        R"({"firstName":"X"})"),
                415);
  expectProblem(call("PATCH", "/v1/users/me", R"({"firstName":"X"})"), 401);
  EXPECT_EQ(json(call("GET", "/v1/users/" + std::to_string(b.id), "", b.token))->getValue<std::string>("firstName"), "Bob");
}

TEST_P(UsersTest, SignInWithRightAndWrongCredentials) {
  const auto a = newAccount();
  auto ok = signIn(a.email, a.password);
  expectProfile(ok, 201);
  EXPECT_NE(tokenOf(ok), a.token);
  std::string upper = a.email;
  upper[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(upper[0])));
  expectProfile(signIn(upper, a.password), 201);
  auto wrongPassword = signIn(a.email, "not-the-password");
  auto unknownEmail = signIn(unique("nobody") + "@example.org", "not-the-password");
  expectProblem(wrongPassword, 401);
  expectProblem(unknownEmail, 401);
  EXPECT_EQ(wrongPassword.body, unknownEmail.body);  // the same answer for both
  expectProblem(call("POST", "/v1/sessions", R"({"email":")" + a.email + R"("})"), 400);
  expectProblem(call("POST", "/v1/sessions", R"({"email":5,"password":"x"})"), 400);
  expectProblem(request(port_, "POST", "/v1/sessions", "Content-Type: text/plain\r\n", "{}"), 415);
}

TEST_P(UsersTest, SignOutEndsTheSessionAtOnce) {
  const auto a = newAccount();
  expectProfile(call("GET", "/v1/users/me", "", a.token), 200, true);
  expectProblem(call("DELETE", "/v1/sessions/someone-else", "", a.token), 403);
  auto out = call("DELETE", "/v1/sessions/mine", "", a.token);
  EXPECT_EQ(out.status, 200);
  EXPECT_EQ(out.header("content-type"), "text/plain; charset=utf-8");
  EXPECT_EQ(out.body, "signed out");
  EXPECT_EQ(out.header("set-cookie"), "mmm_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
  expectProblem(call("GET", "/v1/users/me", "", a.token), 401);
  expectProblem(call("DELETE", "/v1/sessions/mine", "", a.token), 401);
  expectProblem(call("DELETE", "/v1/sessions/mine"), 401);
}

TEST_P(UsersTest, SignOutEverywhereEndsEverySessionOfTheCallerOnly) {
  const auto a = newAccount(), b = newAccount();
  std::vector<std::string> tokens{a.token};
  for (int i = 0; i < 3; ++i) tokens.push_back(tokenOf(signIn(a.email, a.password)));
  auto out = call("DELETE", "/v1/sessions/all", "", tokens[2]);
  EXPECT_EQ(out.status, 200) << out.body;
  EXPECT_EQ(out.header("content-type"), "text/plain; charset=utf-8");
  EXPECT_EQ(out.header("set-cookie"), "mmm_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
  for (const auto& token : tokens) expectProblem(call("GET", "/v1/users/me", "", token), 401);
  expectProfile(call("GET", "/v1/users/me", "", b.token), 200, true);  // another user's session stays
  expectProblem(call("DELETE", "/v1/sessions/all"), 401);
  const auto again = tokenOf(signIn(a.email, a.password));  // signing in again works
  expectProfile(call("GET", "/v1/users/me", "", again), 200, true);
}

TEST_P(UsersTest, AUserHoldsAtMostTwentySessionsTheOldestEnds) {
  // Sign-ins in flight count as failures until they succeed: room for 30 at once. The 30
  // raced below all wait for a turn at the hasher (by default 4 per core may wait, and the
  // rest are 503: its own test covers that).
  startServer("  - name: users\n"
              "    config:\n"
              "      password_hash: {ops_limit: 1, mem_limit_kib: 8, max_waiting: 64, max_wait_ms: 60000}\n"
              "      throttle: {max_failures_per_pair: 100, max_failures_per_address: 1000}\n"
              "      rate_limits: {sign_ups: {count: 0}}\n");
  const auto a = newAccount();
  std::vector<std::string> tokens{a.token};
  for (int i = 0; i < 20; ++i) tokens.push_back(tokenOf(signIn(a.email, a.password)));
  expectProblem(call("GET", "/v1/users/me", "", tokens[0]), 401);  // the 21st ended the first
  for (std::size_t i = 1; i < tokens.size(); ++i) expectProfile(call("GET", "/v1/users/me", "", tokens[i]), 200, true);
  tokens.push_back(tokenOf(signIn(a.email, a.password)));
  expectProblem(call("GET", "/v1/users/me", "", tokens[1]), 401);
  expectProfile(call("GET", "/v1/users/me", "", tokens[2]), 200, true);
  // Concurrent sign-ins leave at most 20 alive, never fewer than 20.
  std::vector<std::string> raced(30), answers(30);
  std::vector<std::thread> threads;
  for (int i = 0; i < 30; ++i)
    threads.emplace_back([&, i] {
      auto reply = signIn(a.email, a.password);
      auto header = reply.header("authorization");
      if (reply.status == 201 && header.size() > 7) raced[i] = header.substr(7);
      else answers[i] = std::to_string(reply.status) + " " + reply.body;
    });
  for (auto& t : threads) t.join();
  int alive = 0;
  for (std::size_t i = 0; i < raced.size(); ++i) {
    const auto& token = raced[i];
    ASSERT_FALSE(token.empty()) << answers[i];
    keepSecret(token);
    if (call("GET", "/v1/users/me", "", token).status == 200) ++alive;
  }
  for (const auto& token : tokens) EXPECT_EQ(call("GET", "/v1/users/me", "", token).status, 401);
  EXPECT_EQ(alive, 20);
}

TEST_P(UsersTest, TokenInHeaderOrCookieButNotInTheQuery) {
  const auto a = newAccount();
  // API.md, hardening: ?auth= counts on the WebSocket upgrade only (websocket_test.cpp).
  EXPECT_EQ(request(port_, "GET", "/v1/users/me?auth=Bearer%20" + a.token).status, 401);
  EXPECT_EQ(request(port_, "GET", "/v1/users/me?auth=Bearer+" + a.token).status, 401);
  EXPECT_EQ(request(port_, "GET", "/v1/users/me", "Cookie: theme=dark; mmm_session=" + a.token + "\r\n").status, 200);
  EXPECT_EQ(request(port_, "GET", "/v1/users/me", "Authorization: bearer " + a.token + "\r\n").status, 200);
}

TEST_P(UsersTest, ForgedTruncatedEmptyAndGarbageTokensAre401) {
  const auto a = newAccount();
  std::string forged = a.token;
  forged[80] = forged[80] == 'A' ? 'B' : 'A';
  std::string otherRandom = a.token;
  otherRandom[3] = otherRandom[3] == 'A' ? 'B' : 'A';
  const std::vector<std::string> bad = {forged, otherRandom, a.token.substr(0, 40), a.token.substr(0, 85),
                                        a.token + "A", "", "x", std::string(5000, 'A'), "%%%%", "Zm9vYmFy",
                                        "..%2f..%2f", std::string(86, '=')};
  for (const auto& token : bad) {
    EXPECT_EQ(request(port_, "GET", "/v1/users/me", "Authorization: Bearer " + token + "\r\n").status, 401) << token;
    EXPECT_EQ(request(port_, "GET", "/v1/users/me?auth=Bearer%20" + token).status, 401) << token;
    EXPECT_EQ(request(port_, "GET", "/v1/users/me", "Cookie: mmm_session=" + token + "\r\n").status, 401) << token;
  }
  for (const char* header : {"Authorization: Bearer\r\n", "Authorization: Basic Zm9vOmJhcg==\r\n", "Authorization: \r\n",
                             "Cookie: mmm_session\r\n", "Cookie: =;;=\r\n"})
    EXPECT_EQ(request(port_, "GET", "/v1/users/me", header).status, 401) << header;
  EXPECT_EQ(request(port_, "GET", "/v1/users/me", "Authorization: Bearer " + a.token + "\r\n").status, 200);
}

TEST_P(UsersTest, CookieWithUnsafeMethodNeedsAnAllowedOrigin) {
  const auto a = newAccount();
  const std::string cookie = "Cookie: mmm_session=" + a.token + "\r\n" + kJsonType;
  const std::string body = R"({"firstName":"Cookie"})";
  expectProblem(request(port_, "PATCH", "/v1/users/me", cookie, body), 403);
  expectProblem(request(port_, "PATCH", "/v1/users/me", cookie + "Origin: https://evil.example\r\n", body), 403);
  auto same = request(port_, "PATCH", "/v1/users/me", cookie + "Origin: http://127.0.0.1\r\n", body);
  EXPECT_EQ(same.status, 200) << same.body;  // the Host header the client sent is 127.0.0.1
  // The bearer header needs no Origin: it cannot be sent by another site.
  EXPECT_EQ(call("PATCH", "/v1/users/me", body, a.token).status, 200);
}

TEST_P(UsersTest, RepeatedFailuresAreThrottledWith429) {
  const auto a = newAccount();
  for (int i = 0; i < 3; ++i) expectProblem(signIn(a.email, "wrong-password"), 401);
  auto throttled = signIn(a.email, "wrong-password");
  expectProblem(throttled, 429);
  EXPECT_EQ(throttled.header("retry-after"), "60");
  expectProblem(signIn(a.email, a.password), 429);  // even the right password, while blocked
  // A success resets the email's count.
  const auto b = newAccount();
  for (int i = 0; i < 2; ++i) expectProblem(signIn(b.email, "wrong-password"), 401);
  tokenOf(signIn(b.email, b.password));
  for (int i = 0; i < 2; ++i) expectProblem(signIn(b.email, "wrong-password"), 401);
  expectProfile(signIn(b.email, b.password), 201);
}

TEST_P(UsersTest, ConcurrentWrongPasswordsGetExactlyTheLimitOf401s) {
  // A hash of a few milliseconds, as in production only shorter: the time between the
  // throttle's check and its count is the window the racing requests used.
  startServer("  - name: users\n"
              "    config:\n"
              "      password_hash: {ops_limit: 1, mem_limit_kib: 16384}\n"
              "      throttle: {max_failures_per_email: 5, max_failures_per_address: 1000, window_s: 60}\n"
              "      rate_limits: {sign_ups: {count: 0}}\n");
  const auto a = newAccount();
  std::atomic<int> wrong{0}, throttled{0}, other{0}, ready{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 30; ++i)
    threads.emplace_back([&] {
      ++ready;
      while (ready < 30) std::this_thread::yield();  // all at once
      const int status = signIn(a.email, "wrong-password").status;
      if (status == 401) ++wrong;
      else if (status == 429) ++throttled;
      else ++other;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 5);
  EXPECT_EQ(throttled.load(), 25);
  EXPECT_EQ(other.load(), 0);
}

TEST_P(UsersTest, SuccessfulSignInsDoNotCountAgainstTheirAddress) {
  startServer("  - name: users\n"
              "    config:\n"
              "      password_hash: {ops_limit: 1, mem_limit_kib: 8}\n"
              "      throttle: {max_failures_per_email: 100, max_failures_per_address: 3, window_s: 60}\n"
              "      rate_limits: {sign_ups: {count: 0}}\n",
              ", trusted_proxies: ['127.0.0.1']");
  const auto a = newAccount();
  // Addresses of this test alone (Redis is shared by every test running).
  const std::string office = "203.0.113." + std::to_string(std::random_device{}() % 250 + 1);
  const std::string elsewhere = "2001:db8::" + std::to_string(std::random_device{}() % 9000 + 1000);
  auto signInFrom = [&](const std::string& address, const std::string& email, const std::string& password) {
    return call("POST", "/v1/sessions", R"({"email":")" + email + R"(","password":")" + password + R"("})", "",
                "X-Forwarded-For: " + address + "\r\n");
  };
  for (int i = 0; i < 6; ++i) tokenOf(signInFrom(office, a.email, a.password));  // people behind one address
  for (int i = 0; i < 3; ++i) expectProblem(signInFrom(office, unique("victim") + "@example.org", "guess"), 401);
  expectProblem(signInFrom(office, unique("victim") + "@example.org", "guess"), 429);
  expectProblem(signInFrom(office, a.email, a.password), 429);      // the address is blocked for everyone
  EXPECT_EQ(signInFrom(elsewhere, a.email, a.password).status, 201);  // but only that address
}

TEST_P(UsersTest, AStrangersFailuresBlockHisPairButNeverTheOwnerElsewhere) {
  // The fixture allows 3 failures per (email, address); the email's own limit here is 6.
  startServer("  - name: users\n"
              "    config:\n"
              "      password_hash: {ops_limit: 1, mem_limit_kib: 8}\n"
              "      throttle: {max_failures_per_pair: 3, max_failures_per_email: 6, max_failures_per_address: 1000,"
              " window_s: 60, email_window_s: 120}\n"
              "      rate_limits: {sign_ups: {count: 0}}\n",
              ", trusted_proxies: ['127.0.0.1']");
  const auto a = newAccount();
  auto address = [](int n) {  // addresses of this test alone (Redis is shared by every test running)
    static const auto base = std::random_device{}() % 9000 + 1000;  // four digits: one IPv6 group
    return "2001:db8:" + std::to_string(base) + "::" + std::to_string(n);
  };
  auto signInFrom = [&](const std::string& from, const std::string& password) {
    return call("POST", "/v1/sessions", R"({"email":")" + a.email + R"(","password":")" + password + R"("})", "",
                "X-Forwarded-For: " + from + "\r\n");
  };
  for (int i = 0; i < 3; ++i) expectProblem(signInFrom(address(1), "stranger-guess"), 401);
  for (int i = 0; i < 10; ++i) {  // hammering a blocked pair is no failure of the email
    auto blocked = signInFrom(address(1), "stranger-guess");
    expectProblem(blocked, 429);
    EXPECT_EQ(blocked.header("retry-after"), "60");
  }
  expectProblem(signInFrom(address(1), a.password), 429);  // that pair is blocked, even for the owner
  auto owner = signInFrom(address(2), a.password);          // but the owner signs in from elsewhere
  EXPECT_EQ(owner.status, 201) << owner.body;
  tokenOf(owner);
  // Guesses spread over addresses meet the email's limit: 6 failures in a row, then 429 everywhere.
  for (int n = 3; n < 6; ++n)
    for (int i = 0; i < 2; ++i) expectProblem(signInFrom(address(n), "spread-guess"), 401);
  auto spread = signInFrom(address(7), a.password);
  expectProblem(spread, 429);
  EXPECT_EQ(spread.header("retry-after"), "120");
}

TEST_P(UsersTest, SignInsAreRecordedWithTheClientAddress) {
  const auto a = newAccount();
  tokenOf(signIn(a.email, a.password));
  // 127.0.0.1 is a trusted proxy in this configuration: its X-Forwarded-For is believed.
  auto proxied = call("POST", "/v1/sessions", R"({"email":")" + a.email + R"(","password":")" + a.password + R"("})",
                      "", "X-Forwarded-For: 198.51.100.7, 127.0.0.1\r\n");
  tokenOf(proxied);
  auto store = stopAndOpenStore();  // the server keeps a SQLite file to itself while it runs
  auto ips = store->read([&](mmm::DbSession& s) {
    std::vector<std::string> found;
    Poco::Int64 id = a.id;
    s << "SELECT client_ip FROM user_signins WHERE user_id = ? ORDER BY id", use(id), into(found), now;
    return found;
  });
  EXPECT_EQ(ips, (std::vector<std::string>{"127.0.0.1", "198.51.100.7"}));
}

namespace {

// The peak resident memory of process `pid` in KiB (VmHWM in /proc/PID/status), 0 if unknown.
long peakRssKiB(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  return 0;
}

// Built with AddressSanitizer (the second stage of scripts/test)? Its shadow memory and its
// quarantine of freed blocks (256 MiB by default) then dominate the resident memory.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kAddressSanitizer = true;
#else
constexpr bool kAddressSanitizer = false;
#endif
#else
constexpr bool kAddressSanitizer = false;
#endif

}  // namespace

TEST_P(UsersTest, ConcurrentSignUpsHoldAtMostTheBoundedHashesInMemory) {
  if (kAddressSanitizer)
    GTEST_SKIP() << "resident memory under AddressSanitizer is its quarantine; the plain build checks the bound";
  // Real hash memory (64 MiB each), two hashes at once: 64 sign-ups in parallel must stay
  // within 2 × 64 MiB + 100 MiB, where unbounded hashing took ~4 GiB.
  startServer("  - name: users\n"
              "    config:\n"
              "      password_hash: {ops_limit: 1, mem_limit_kib: 65536, max_concurrent: 2, max_waiting: 64, max_wait_ms: 60000}\n"
              "      rate_limits: {sign_ups: {count: 0}}\n");
  std::atomic<int> created{0}, ready{0};
  std::vector<int> other;
  std::mutex otherMutex;
  std::vector<std::thread> threads;
  const std::string run = unique("rss");
  for (int i = 0; i < 64; ++i)
    threads.emplace_back([&, i] {
      ++ready;
      while (ready < 64) std::this_thread::yield();  // all at once
      // Waiting for a turn takes as long as the hashes before it, on a loaded machine more
      // than the usual 10 s: a patient client.
      const std::string name = run + "-" + std::to_string(i);
      const std::string body = R"({"email":")" + name + R"(@example.org","password":"rss-password","passwordConf":"rss-password","userName":")" + name + R"("})";
      int status = 0;
      try {
        status = sendRaw(port_, "POST /v1/users HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + kJsonType +
                                    "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body,
                         false, Poco::Timespan(300, 0)).status;
      } catch (const std::exception&) {
        status = -1;  // no answer
      }
      if (status == 201) ++created;
      else {
        std::lock_guard lock(otherMutex);
        other.push_back(status);
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 64);
  EXPECT_EQ(other, std::vector<int>{});
  const long peak = peakRssKiB(server_->pid());
  ASSERT_GT(peak, 0);
  EXPECT_LT(peak, 2 * 65536 + 100 * 1024) << "peak RSS " << peak / 1024 << " MiB";
  std::cout << "peak RSS of the server: " << peak / 1024 << " MiB\n";
}

TEST_P(UsersTest, HashesBeyondTheBoundWaitThenGet503WithRetryAfter) {
  // One hash at a time, no waiting: of several sign-ups at once some get 503, none fail otherwise.
  startServer("  - name: users\n"
              "    config:\n"
              "      password_hash: {ops_limit: 1, mem_limit_kib: 32768, max_concurrent: 1, max_wait_ms: 0}\n"
              "      rate_limits: {sign_ups: {count: 0}}\n");
  std::atomic<int> created{0}, busy{0}, other{0}, ready{0};
  std::vector<std::thread> threads;
  const std::string run = unique("busy");
  for (int i = 0; i < 16; ++i)
    threads.emplace_back([&, i] {
      ++ready;
      while (ready < 16) std::this_thread::yield();
      const auto reply = signUp(run + "-" + std::to_string(i) + "@example.org", "busy-password", run + "-" + std::to_string(i));
      if (reply.status == 201) ++created;
      else if (reply.status == 503 && reply.header("retry-after") == "1") ++busy;
      else ++other;
    });
  for (auto& t : threads) t.join();
  EXPECT_GE(created.load(), 1);
  EXPECT_GE(busy.load(), 1);
  EXPECT_EQ(other.load(), 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, UsersTest, ::testing::Values(Backends::SQLiteMemory, Backends::MariaDBRedis),
                         backendsName);
