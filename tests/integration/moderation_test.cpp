// Roles, moderators, suspension and the audit log (API.md, "Safety: limits, roles,
// moderation") through real HTTP, on SQLite and on MariaDB with Redis.
#include "api_fixture.hpp"
#include "ws_client.hpp"

#include <mmm/time.hpp>

using namespace mmm::test;
using namespace std::chrono_literals;

namespace {

const std::string kAdminEmail = "Chief.Admin@Example.org";

class ModerationTest : public ApiTest {
 protected:
  void SetUp() override {
    // The configured admin, in another case than they sign up with: emails are normalised.
    startServer("  - name: users\n"
                "    config:\n"
                "      password_hash: {ops_limit: 1, mem_limit_kib: 8}\n"
                "      rate_limits: {sign_ups: {count: 0}}\n"
                "      admins: ['" + kAdminEmail + "']\n" +
                    kChatPlugin + kMeetupsPlugin,
                "",
                "hub: {max_sockets_per_user: 0, max_client_frames_per_s: 0}\n");
    admin_ = adminAccount();
  }

  Account adminAccount() {
    Account a{"chief.admin@example.org", unique("pw-secret-"), unique("chief"), "", 0};
    auto reply = signUp(a.email, a.password, a.userName);
    EXPECT_EQ(reply.status, 201) << reply.body;
    a.token = tokenOf(reply);
    a.id = json(reply)->getValue<Poco::Int64>("id");
    return a;
  }

  HttpReply signIn(const Account& a) {
    return call("POST", "/v1/sessions", R"({"email":")" + a.email + R"(","password":")" + a.password + R"("})");
  }

  std::int64_t postMessage(const Account& who, const std::string& channel, const std::string& body) {
    auto reply = call("POST", channel, R"({"body":")" + body + R"("})", who.token);
    EXPECT_EQ(reply.status, 201) << reply.body;
    return reply.status == 201 ? json(reply)->getValue<Poco::Int64>("id") : 0;
  }

  std::string publicChannel(const Account& owner) {
    auto reply = call("POST", "/v1/channels", R"({"name":")" + unique("jam") + R"(","private":false})", owner.token);
    EXPECT_EQ(reply.status, 201) << reply.body;
    return "/v1/channels/" + std::to_string(json(reply)->getValue<Poco::Int64>("id"));
  }

  std::int64_t createEvent(const Account& who) {
    const std::string when = mmm::formatRfc3339((mmm::nowMillis() / 1000 + 86400) * 1000);
    auto reply = call("POST", "/v1/events",
                      R"({"title":"Session","datetime":")" + when + R"(","location":"Hall","description":"Bring a fiddle"})",
                      who.token);
    EXPECT_EQ(reply.status, 201) << reply.body;
    return reply.status == 201 ? json(reply)->getValue<Poco::Int64>("id") : 0;
  }

  Poco::JSON::Array::Ptr audit(const std::string& query = "") {
    auto reply = call("GET", "/v1/audit" + query, "", admin_.token);
    EXPECT_EQ(reply.status, 200) << reply.body;
    return jsonArray(reply);
  }

  Account admin_;
};

TEST_P(ModerationTest, MeListsTheAdminRoleOnlyForAdmins) {
  const auto user = newAccount();
  auto mine = call("GET", "/v1/users/me", "", admin_.token);
  ASSERT_EQ(mine.status, 200) << mine.body;
  EXPECT_NE(mine.body.find(R"("roles":["admin"])"), std::string::npos) << mine.body;
  auto theirs = call("GET", "/v1/users/me", "", user.token);
  ASSERT_EQ(theirs.status, 200) << theirs.body;
  EXPECT_NE(theirs.body.find(R"("roles":[])"), std::string::npos) << theirs.body;
  // Another user's profile says nothing of roles.
  auto other = call("GET", "/v1/users/" + std::to_string(admin_.id), "", user.token);
  ASSERT_EQ(other.status, 200);
  EXPECT_EQ(other.body.find("roles"), std::string::npos) << other.body;
}

TEST_P(ModerationTest, ChannelCreatorsAndAdminsDeleteAnyMessageOthersGet403) {
  const auto owner = newAccount(), author = newAccount(), bystander = newAccount();
  const auto channel = publicChannel(owner);
  const auto first = postMessage(author, channel, "spam one");
  const auto second = postMessage(author, channel, "spam two");
  const auto third = postMessage(author, "/v1/channels/1", "spam in General");
  expectProblem(call("DELETE", "/v1/messages/" + std::to_string(first), "", bystander.token), 403);
  // General has no creator: only admins moderate it.
  expectProblem(call("DELETE", "/v1/messages/" + std::to_string(third), "", owner.token), 403);
  EXPECT_EQ(call("DELETE", "/v1/messages/" + std::to_string(first), "", owner.token).status, 200);
  EXPECT_EQ(call("DELETE", "/v1/messages/" + std::to_string(second), "", admin_.token).status, 200);
  EXPECT_EQ(call("DELETE", "/v1/messages/" + std::to_string(third), "", admin_.token).status, 200);
  auto history = call("GET", channel, "", owner.token);
  EXPECT_EQ(history.body.find("spam"), std::string::npos) << history.body;
  // Each moderator's deletion is in the audit log, newest first; an author's own is not.
  const auto own = postMessage(author, channel, "mine");
  EXPECT_EQ(call("DELETE", "/v1/messages/" + std::to_string(own), "", author.token).status, 200);
  auto log = audit();
  ASSERT_EQ(log->size(), 3u);
  EXPECT_EQ(log->getObject(0)->getValue<std::string>("action"), "message.delete");
  EXPECT_EQ(log->getObject(0)->getValue<Poco::Int64>("targetID"), third);
  EXPECT_EQ(log->getObject(0)->getValue<Poco::Int64>("actorID"), admin_.id);
  EXPECT_EQ(log->getObject(2)->getValue<Poco::Int64>("targetID"), first);
  EXPECT_EQ(log->getObject(2)->getValue<Poco::Int64>("actorID"), owner.id);
  EXPECT_EQ(log->getObject(2)->getValue<std::string>("targetKind"), "message");
}

TEST_P(ModerationTest, AnEventsCreatorModeratesItsChannel) {
  const auto creator = newAccount(), member = newAccount();
  const auto event = createEvent(creator);
  ASSERT_EQ(call("POST", "/v1/events/join", R"({"id":)" + std::to_string(event) + "}", member.token).status, 201);
  auto got = json(call("GET", "/v1/events/" + std::to_string(event), "", creator.token));
  const auto channel = "/v1/channels/" + std::to_string(got->getValue<Poco::Int64>("channel"));
  const auto message = postMessage(member, channel, "off topic");
  EXPECT_EQ(call("DELETE", "/v1/messages/" + std::to_string(message), "", creator.token).status, 200);
}

TEST_P(ModerationTest, AdminsEditAndDeleteAnyEventOthersGet403) {
  const auto creator = newAccount(), other = newAccount();
  const auto event = createEvent(creator);
  const auto path = "/v1/events/" + std::to_string(event);
  expectProblem(call("PATCH", path, R"({"title":"Mine now"})", other.token), 403);
  expectProblem(call("DELETE", path, "", other.token), 403);
  auto edited = call("PATCH", path, R"({"title":"Renamed by an admin"})", admin_.token);
  ASSERT_EQ(edited.status, 200) << edited.body;
  EXPECT_EQ(json(edited)->getValue<std::string>("title"), "Renamed by an admin");
  EXPECT_EQ(call("DELETE", path, "", admin_.token).status, 200);
  EXPECT_EQ(call("GET", path, "", creator.token).status, 404);
  auto log = audit();
  ASSERT_EQ(log->size(), 2u);
  EXPECT_EQ(log->getObject(0)->getValue<std::string>("action"), "event.delete");
  EXPECT_EQ(log->getObject(1)->getValue<std::string>("action"), "event.edit");
  EXPECT_EQ(log->getObject(1)->getValue<Poco::Int64>("targetID"), event);
}

TEST_P(ModerationTest, OnlyAdminsSuspendLiftAndReadTheAuditLog) {
  const auto user = newAccount(), other = newAccount();
  const auto target = "/v1/users/" + std::to_string(other.id) + "/suspend";
  expectProblem(call("POST", target, R"({"reason":"because"})", user.token), 403);
  expectProblem(call("DELETE", target, "", user.token), 403);
  expectProblem(call("GET", "/v1/audit", "", user.token), 403);
  expectProblem(call("GET", "/v1/audit", ""), 401);
  expectProblem(call("POST", target, R"({})", admin_.token), 400);
  expectProblem(call("POST", target, R"({"reason":"x","until":"2001-01-01T00:00:00Z"})", admin_.token), 400);
  expectProblem(call("POST", target, R"({"reason":"x","until":"soon"})", admin_.token), 400);
  expectProblem(call("POST", "/v1/users/999999999/suspend", R"({"reason":"x"})", admin_.token), 404);
  expectProblem(call("POST", "/v1/users/" + std::to_string(admin_.id) + "/suspend", R"({"reason":"x"})", admin_.token),
                409);
  expectProblem(call("GET", "/v1/audit?limit=0", "", admin_.token), 400);
  expectProblem(call("GET", "/v1/audit?limit=201", "", admin_.token), 400);
  expectProblem(call("GET", "/v1/audit?offset=-1", "", admin_.token), 400);
  EXPECT_EQ(audit()->size(), 0u);  // refused attempts are not recorded
}

TEST_P(ModerationTest, SuspensionEndsSessionsClosesSocketsAndRefusesSignIn) {
  const auto user = newAccount();
  // A second session of the same user, and a socket on each.
  auto again = signIn(user);
  ASSERT_EQ(again.status, 201);
  const auto secondToken = tokenOf(again);
  WsClient first(port_, "/v1/ws?auth=Bearer%20" + user.token);
  WsClient second(port_, "/v1/ws?auth=Bearer%20" + secondToken);
  ASSERT_EQ(first.status(), 101);
  ASSERT_EQ(second.status(), 101);
  const auto target = "/v1/users/" + std::to_string(user.id) + "/suspend";
  auto suspended = call("POST", target, R"({"reason":"flooding the chat"})", admin_.token);
  ASSERT_EQ(suspended.status, 200) << suspended.body;
  std::uint16_t code = 0;
  EXPECT_TRUE(first.closedWithin(5s, code));
  EXPECT_EQ(code, 1008);
  code = 0;
  EXPECT_TRUE(second.closedWithin(5s, code));
  EXPECT_EQ(code, 1008);
  expectProblem(call("GET", "/v1/users/me", "", user.token), 401);
  expectProblem(call("GET", "/v1/users/me", "", secondToken), 401);
  auto refused = signIn(user);
  expectProblem(refused, 403);
  EXPECT_NE(json(refused)->getValue<std::string>("detail").find("flooding the chat"), std::string::npos) << refused.body;
  // A wrong password still says only that.
  Account wrong = user;
  wrong.password = "not-the-password";
  expectProblem(signIn(wrong), 401);
  // Lifted: signing in works again.
  EXPECT_EQ(call("DELETE", target, "", admin_.token).status, 200);
  EXPECT_EQ(signIn(user).status, 201);
  auto log = audit();
  ASSERT_EQ(log->size(), 2u);
  EXPECT_EQ(log->getObject(0)->getValue<std::string>("action"), "user.unsuspend");
  EXPECT_EQ(log->getObject(1)->getValue<std::string>("action"), "user.suspend");
  EXPECT_EQ(log->getObject(1)->getValue<std::string>("reason"), "flooding the chat");
  EXPECT_EQ(log->getObject(1)->getValue<Poco::Int64>("targetID"), user.id);
  EXPECT_EQ(audit("?limit=1&offset=1")->getObject(0)->getValue<std::string>("action"), "user.suspend");
}

TEST_P(ModerationTest, ASuspensionWithAnEndExpires) {
  const auto user = newAccount();
  const auto until = mmm::formatRfc3339((mmm::nowMillis() / 1000 + 3600) * 1000);
  auto reply = call("POST", "/v1/users/" + std::to_string(user.id) + "/suspend",
                    R"({"reason":"cool off","until":")" + until + R"("})", admin_.token);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(json(reply)->getValue<std::string>("until"), until);
  auto refused = signIn(user);
  expectProblem(refused, 403);
  EXPECT_NE(json(refused)->getValue<std::string>("detail").find(until), std::string::npos) << refused.body;
}

TEST_P(ModerationTest, ModeratorsMuteAndUnmuteMembersOthersGet403) {
  const auto owner = newAccount(), member = newAccount(), bystander = newAccount();
  const auto channel = publicChannel(owner);
  const auto mutes = channel + "/mutes";
  const auto muteBody = [](const Account& who, const std::string& minutes) {
    return R"({"id":)" + std::to_string(who.id) + R"(,"minutes":)" + minutes + "}";
  };
  expectProblem(call("POST", mutes, muteBody(member, "10"), bystander.token), 403);
  expectProblem(call("POST", "/v1/channels/1/mutes", muteBody(member, "10"), owner.token), 403);  // General
  expectProblem(call("POST", mutes, muteBody(member, "0"), owner.token), 400);
  expectProblem(call("POST", mutes, muteBody(member, "10081"), owner.token), 400);
  expectProblem(call("POST", mutes, muteBody(member, "\"5\""), owner.token), 400);
  expectProblem(call("POST", mutes, muteBody(member, "true"), owner.token), 400);  // not 1 minute
  expectProblem(call("POST", mutes, R"({"id":true,"minutes":5})", owner.token), 400);  // not user 1
  expectProblem(call("POST", mutes, R"({"id":999999999,"minutes":5})", owner.token), 404);
  expectProblem(call("POST", "/v1/channels/999999999/mutes", muteBody(member, "5"), owner.token), 404);
  const auto earlier = "/v1/messages/" + std::to_string(postMessage(member, channel, "before the mute"));
  ASSERT_EQ(call("PUT", earlier + "/reactions/%F0%9F%94%A5", "", member.token).status, 200);  // 🔥
  auto muted = call("POST", mutes, muteBody(member, "10"), owner.token);
  ASSERT_EQ(muted.status, 201) << muted.body;
  const auto until = json(muted)->getValue<std::string>("until");
  auto refused = call("POST", channel, R"({"body":"let me speak"})", member.token);
  expectProblem(refused, 403);
  EXPECT_NE(json(refused)->getValue<std::string>("detail").find("until " + until), std::string::npos) << refused.body;
  // Nor by editing an earlier message, nor by reacting; taking a reaction back is fine.
  expectProblem(call("PATCH", earlier, R"({"body":"let me speak after all"})", member.token), 403);
  expectProblem(call("PUT", earlier + "/reactions/%F0%9F%91%8E", "", member.token), 403);
  EXPECT_EQ(call("DELETE", earlier + "/reactions/%F0%9F%94%A5", "", member.token).status, 200);
  // Muted in that channel only.
  postMessage(member, "/v1/channels/1", "still fine here");
  expectProblem(call("DELETE", mutes + "/" + std::to_string(member.id), "", bystander.token), 403);
  EXPECT_EQ(call("DELETE", mutes + "/" + std::to_string(member.id), "", owner.token).status, 200);
  postMessage(member, channel, "thanks");
  // An admin mutes in General.
  EXPECT_EQ(call("POST", "/v1/channels/1/mutes", muteBody(member, "1"), admin_.token).status, 201);
  expectProblem(call("POST", "/v1/channels/1", R"({"body":"hi"})", member.token), 403);
  auto log = audit();
  ASSERT_EQ(log->size(), 3u);
  EXPECT_EQ(log->getObject(0)->getValue<std::string>("action"), "channel.mute");
  EXPECT_EQ(log->getObject(1)->getValue<std::string>("action"), "channel.unmute");
  EXPECT_EQ(log->getObject(2)->getValue<Poco::Int64>("targetID"), member.id);
  // In a private channel only its members are muted: anyone else is no member of it (404).
  auto made = call("POST", "/v1/channels", R"({"name":")" + unique("band") + R"(","private":true,"members":[{"id":)" +
                                               std::to_string(member.id) + "}]}",
                   owner.token);
  ASSERT_EQ(made.status, 201) << made.body;
  const auto band = "/v1/channels/" + std::to_string(json(made)->getValue<Poco::Int64>("id")) + "/mutes";
  expectProblem(call("POST", band, muteBody(bystander, "5"), owner.token), 404);
  EXPECT_EQ(call("POST", band, muteBody(member, "5"), owner.token).status, 201);
  EXPECT_EQ(audit()->size(), 4u) << "the refused mute is not recorded";
}

TEST_P(ModerationTest, ReportsAreMadeOnceAndOnlyAdminsListAndResolveThem) {
  const auto reporter = newAccount(), author = newAccount();
  const auto message = postMessage(author, "/v1/channels/1", "buy cheap stuff");
  const auto reportBody = [](const std::string& kind, std::int64_t id) {
    return R"({"kind":")" + kind + R"(","id":)" + std::to_string(id) + R"(,"reason":"spam"})";
  };
  auto made = call("POST", "/v1/reports", reportBody("message", message), reporter.token);
  ASSERT_EQ(made.status, 201) << made.body;
  const auto report = json(made);
  EXPECT_EQ(report->getValue<std::string>("kind"), "message");
  EXPECT_EQ(report->getValue<Poco::Int64>("targetID"), message);
  EXPECT_EQ(report->getValue<std::string>("state"), "open");
  EXPECT_EQ(report->getValue<std::string>("reason"), "spam");
  EXPECT_TRUE(mmm::parseRfc3339(report->getValue<std::string>("createdAt")));
  auto again = call("POST", "/v1/reports", reportBody("message", message), reporter.token);
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(json(again)->getValue<Poco::Int64>("id"), report->getValue<Poco::Int64>("id"));
  expectProblem(call("POST", "/v1/reports", reportBody("message", 999999999), reporter.token), 404);
  expectProblem(call("POST", "/v1/reports", reportBody("channel", 1), reporter.token), 400);
  expectProblem(call("POST", "/v1/reports", R"({"kind":"user","id":1,"reason":""})", reporter.token), 400);
  expectProblem(call("POST", "/v1/reports", R"({"kind":"user","id":1,"reason":")" + std::string(1001, 'x') + "\"}",
                     reporter.token), 400);
  expectProblem(call("POST", "/v1/reports", reportBody("user", author.id)), 401);
  EXPECT_EQ(call("POST", "/v1/reports", reportBody("user", author.id), reporter.token).status, 201);
  const auto reportPath = "/v1/reports/" + std::to_string(report->getValue<Poco::Int64>("id"));
  // Only admins list and resolve.
  expectProblem(call("GET", "/v1/reports", "", reporter.token), 403);
  expectProblem(call("POST", reportPath + "/resolve", R"({"action":"dismiss"})", reporter.token), 403);
  auto open = call("GET", "/v1/reports?state=open", "", admin_.token);
  ASSERT_EQ(open.status, 200) << open.body;
  ASSERT_EQ(jsonArray(open)->size(), 2u);
  auto listed = jsonArray(open)->getObject(1);
  EXPECT_EQ(listed->getObject("target")->getValue<std::string>("excerpt"), "buy cheap stuff");
  EXPECT_EQ(listed->getObject("target")->getValue<Poco::Int64>("authorID"), author.id);
  expectProblem(call("GET", "/v1/reports?state=closed", "", admin_.token), 400);
  expectProblem(call("POST", reportPath + "/resolve", R"({"action":"ban"})", admin_.token), 400);
  expectProblem(call("POST", "/v1/reports/999999999/resolve", R"({"action":"dismiss"})", admin_.token), 404);
  // Delete: the message is gone for everyone.
  auto resolved = call("POST", reportPath + "/resolve", R"({"action":"delete"})", admin_.token);
  ASSERT_EQ(resolved.status, 200) << resolved.body;
  EXPECT_EQ(json(resolved)->getValue<std::string>("state"), "resolved");
  EXPECT_EQ(json(resolved)->getValue<std::string>("action"), "delete");
  EXPECT_EQ(call("GET", "/v1/channels/1", "", reporter.token).body.find("buy cheap stuff"), std::string::npos);
  expectProblem(call("POST", reportPath + "/resolve", R"({"action":"dismiss"})", admin_.token), 409);
  auto done = jsonArray(call("GET", "/v1/reports?state=resolved", "", admin_.token));
  ASSERT_EQ(done->size(), 1u);
  EXPECT_TRUE(done->getObject(0)->isNull("target"));
  auto log = audit();
  ASSERT_EQ(log->size(), 2u);
  EXPECT_EQ(log->getObject(0)->getValue<std::string>("action"), "report.delete");
  EXPECT_EQ(log->getObject(1)->getValue<std::string>("action"), "message.delete");
  EXPECT_EQ(log->getObject(1)->getValue<Poco::Int64>("targetID"), message);
}

TEST_P(ModerationTest, OnlyThoseWhoCanReadAPrivateChannelReportItsMessages) {
  const auto owner = newAccount(), member = newAccount(), outsider = newAccount();
  auto made = call("POST", "/v1/channels", R"({"name":")" + unique("band") + R"(","private":true,"members":[{"id":)" +
                                               std::to_string(member.id) + "}]}",
                   owner.token);
  ASSERT_EQ(made.status, 201) << made.body;
  const auto band = "/v1/channels/" + std::to_string(json(made)->getValue<Poco::Int64>("id"));
  const auto message = postMessage(owner, band, "the set list is secret");
  const auto reportBody = R"({"kind":"message","id":)" + std::to_string(message) + R"(,"reason":"rude"})";
  // To an outsider the message does not exist: no report, and no word that it is there.
  auto refused = call("POST", "/v1/reports", reportBody, outsider.token);
  expectProblem(refused, 404);
  EXPECT_EQ(refused.body.find("secret"), std::string::npos) << refused.body;
  EXPECT_EQ(jsonArray(call("GET", "/v1/reports", "", admin_.token))->size(), 0u) << "nothing was recorded";
  // A member reports it.
  EXPECT_EQ(call("POST", "/v1/reports", reportBody, member.token).status, 201);
  // A message in a public channel is anyone's to report.
  const auto open = postMessage(owner, publicChannel(owner), "hello all");
  EXPECT_EQ(call("POST", "/v1/reports", R"({"kind":"message","id":)" + std::to_string(open) + R"(,"reason":"rude"})",
                 outsider.token)
                .status,
            201);
  EXPECT_EQ(jsonArray(call("GET", "/v1/reports", "", admin_.token))->size(), 2u);
}

TEST_P(ModerationTest, ResolvingWithSuspendSuspendsTheAuthorAndDeleteRemovesAnEvent) {
  const auto reporter = newAccount(), author = newAccount();
  const auto event = createEvent(author);
  const auto report = [&](const std::string& kind, std::int64_t id) {
    auto reply = call("POST", "/v1/reports", R"({"kind":")" + kind + R"(","id":)" + std::to_string(id) + R"(,"reason":"scam"})",
                      reporter.token);
    EXPECT_EQ(reply.status, 201) << reply.body;
    return "/v1/reports/" + std::to_string(json(reply)->getValue<Poco::Int64>("id")) + "/resolve";
  };
  const auto byEvent = report("event", event);
  const auto byUser = report("user", author.id);
  expectProblem(call("POST", byUser, R"({"action":"delete"})", admin_.token), 400);
  EXPECT_EQ(call("POST", byEvent, R"({"action":"delete"})", admin_.token).status, 200);
  EXPECT_EQ(call("GET", "/v1/events/" + std::to_string(event), "", reporter.token).status, 404);
  EXPECT_EQ(call("POST", byUser, R"({"action":"suspend"})", admin_.token).status, 200);
  expectProblem(call("GET", "/v1/users/me", "", author.token), 401);
  auto refused = signIn(author);
  expectProblem(refused, 403);
  EXPECT_NE(json(refused)->getValue<std::string>("detail").find("scam"), std::string::npos) << refused.body;
  // They are told the reason alone; the audit log says which report it came from.
  EXPECT_EQ(json(refused)->getValue<std::string>("detail").find("report"), std::string::npos) << refused.body;
  bool audited = false;
  auto log = audit();
  for (std::size_t i = 0; i < log->size(); ++i)
    if (log->getObject(i)->getValue<std::string>("action") == "user.suspend")
      audited = log->getObject(i)->getValue<std::string>("reason").rfind("report ", 0) == 0;
  EXPECT_TRUE(audited) << "the user.suspend entry names the report";
}

INSTANTIATE_TEST_SUITE_P(Backends, ModerationTest, ::testing::Values(Backends::SQLiteMemory, Backends::MariaDBRedis),
                         backendsName);

}  // namespace
