// The Users section of the API contract through real HTTP against a running mmm-server,
// on SQLite with in-memory sessions and on MariaDB with Redis.
#include "api_fixture.hpp"

#include <atomic>
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
    if (own) EXPECT_NE(reply.body.find(R"("roles":[])"), std::string::npos) << reply.body;
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

TEST_P(UsersTest, SignInsAreRecordedWithTheClientAddress) {
  const auto a = newAccount();
  tokenOf(signIn(a.email, a.password));
  // 127.0.0.1 is a trusted proxy in this configuration: its X-Forwarded-For is believed.
  auto proxied = call("POST", "/v1/sessions", R"({"email":")" + a.email + R"(","password":")" + a.password + R"("})",
                      "", "X-Forwarded-For: 198.51.100.7, 127.0.0.1\r\n");
  tokenOf(proxied);
  mmm::core::PocoStore store(mmm::core::parseStoreUrl(storeUrl_), {}, quietLogger());
  auto ips = store.read([&](mmm::DbSession& s) {
    std::vector<std::string> found;
    Poco::Int64 id = a.id;
    s << "SELECT client_ip FROM user_signins WHERE user_id = ? ORDER BY id", use(id), into(found), now;
    return found;
  });
  EXPECT_EQ(ips, (std::vector<std::string>{"127.0.0.1", "198.51.100.7"}));
}

INSTANTIATE_TEST_SUITE_P(Backends, UsersTest, ::testing::Values(Backends::SQLiteMemory, Backends::MariaDBRedis),
                         backendsName);
