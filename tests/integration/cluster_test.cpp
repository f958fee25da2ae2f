// Two mmm-server nodes on one MariaDB and one Redis, joined by a bus forwarder: what
// happens through one node reaches browsers and sessions on the other.
#include "api_fixture.hpp"
#include "session_store_impl.hpp"
#include "tokens.hpp"
#include "ws_client.hpp"

#include <set>
#include <thread>

using namespace mmm::test;
using namespace std::chrono_literals;

namespace {

class ClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    proxy_ = ServerProcess::busProxy();
    const std::string& frontend = proxy_->frontend();
    const std::string& backend = proxy_->backend();
    const std::string config =
        "server: {listen: '127.0.0.1:0'}\n"
        "log: {level: " + logLevel() + "}\n"
        "web: {enabled: false}\n"
        "store: {url: '" + db_.url() + "'}\n"
        "sessions: {url: '" + redisUrl(redisDatabase()) + "', signing_key: '" +
        kTestSigningKey + "'}\n"
        "bus: {mode: cluster, publish: '" + frontend + "', subscribe: '" + backend + "'}\n"
        "hub: {session_check_s: 1, max_sockets_per_user: " + std::to_string(socketsPerUser()) + "}\n"
        "plugins:\n" + kUsersPlugin + "      admins: ['cluster.admin@example.org']\n" + chatPlugin();
    node1_ = std::make_unique<ServerProcess>(config);
    node2_ = std::make_unique<ServerProcess>(config);
  }
  void TearDown() override {  // (a start that failed in SetUp leaves some of them null)
    for (auto* process : {node1_.get(), node2_.get(), proxy_.get()}) {
      if (process) {
        EXPECT_EQ(process->stop(), 0);
      }
    }
  }

  virtual std::string chatPlugin() const { return kChatPlugin; }
  virtual std::string logLevel() const { return "info"; }
  virtual int redisDatabase() const { return -1; }
  virtual int socketsPerUser() const { return 20; }

  HttpReply call(const ServerProcess& node, const std::string& method, const std::string& path,
                 const std::string& body = "", const std::string& token = "") {
    std::string headers = body.empty() ? "" : kJsonType;
    if (!token.empty()) headers += "Authorization: Bearer " + token + "\r\n";
    return request(node.port(), method, path, headers, body);
  }

  // Posts `body` to General on node 1; the socket (on node 2) must get it as the next frame,
  // but for pushes of the types in `before`, which may come first: those of what happened
  // before the socket opened, which the bus may deliver after that.
  void postAndExpectOn(WsClient& socket, const std::string& body, const std::string& token,
                       const std::set<std::string>& before = {}) {
    auto posted = call(*node1_, "POST", "/v1/channels/1", R"({"body":")" + body + R"("})", token);
    ASSERT_EQ(posted.status, 201) << posted.body;
    Poco::JSON::Object::Ptr frame;
    do {
      auto text = socket.nextText(5s);
      ASSERT_FALSE(text.empty()) << "'" << body << "' did not arrive on the other node";
      frame = Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
    } while (before.count(frame->getValue<std::string>("type")));
    EXPECT_EQ(frame->getValue<std::string>("type"), "message-new");
    EXPECT_EQ(frame->getObject("message")->getValue<std::string>("body"), body);
    EXPECT_EQ(frame->getObject("message")->getValue<Poco::Int64>("id"), json(posted)->getValue<Poco::Int64>("id"));
  }

  // Asks `node`'s /readyz until its bus check says `want` ("ok" or "unavailable"), for up to
  // 15 s (a node notices within three missed heartbeats, 3 s); the last reply.
  HttpReply readyWhenBusIs(const ServerProcess& node, const std::string& want) {
    const auto until = std::chrono::steady_clock::now() + 15s;
    HttpReply reply;
    do {
      reply = call(node, "GET", "/readyz");
      if (reply.status == 200 || reply.status == 503) {
        auto checks = json(reply)->getObject("checks");
        if (checks && checks->optValue<std::string>("bus", "") == want) return reply;
      }
      std::this_thread::sleep_for(100ms);
    } while (std::chrono::steady_clock::now() < until);
    return reply;
  }

  MysqlDatabase db_;
  std::unique_ptr<ServerProcess> proxy_, node1_, node2_;
};

// Both nodes with a message limit of 3 per 5 s and 2 WebSockets per user, counters in a Redis database of their own
// (they are keyed by user id, which starts at 1 in every test database).
class ClusterRateLimitTest : public ClusterTest {
 protected:
  std::string chatPlugin() const override {
    return "  - name: chat\n    config: {rate_limits: {messages: {count: 3, window_s: 5}}}\n";
  }
  int redisDatabase() const override { return 4; }
  int socketsPerUser() const override { return 2; }
};

// Both nodes log at debug level, where the hub logs each push it delivers.
class ClusterTraceTest : public ClusterTest {
 protected:
  std::string logLevel() const override { return "debug"; }
};

}  // namespace

TEST_F(ClusterTest, AMessagePostedOnOneNodeReachesASocketOnTheOther) {
  for (auto* node : {node1_.get(), node2_.get()}) {
    auto ready = call(*node, "GET", "/readyz");
    EXPECT_EQ(ready.status, 200) << ready.body;
  }
  auto signUp = call(*node1_, "POST", "/v1/users",
                     R"({"email":"node@example.org","password":"cluster-pass","passwordConf":"cluster-pass","userName":"noder"})");
  ASSERT_EQ(signUp.status, 201) << signUp.body;
  const std::string token = signUp.header("authorization").substr(7);

  WsClient onNode2(node2_->port(), "/v1/ws?auth=Bearer%20" + token);  // the session is shared through Redis
  ASSERT_EQ(onNode2.status(), 101);
  postAndExpectOn(onNode2, "across the cluster", token);
}

// Presence across nodes: ann's socket on node 1 makes her online for bob on node 2 (a push
// through the bus, and GET /v1/presence there); a second one on node 2 changes nothing;
// closing both, on either node, takes her offline everywhere.
TEST_F(ClusterTest, AUserIsOnlineWhileTheyHoldASocketOnAnyNode) {
  auto account = [&](const std::string& name) {
    auto reply = call(*node1_, "POST", "/v1/users",
                      R"({"email":")" + name + R"(@example.org","password":"cluster-pass","passwordConf":"cluster-pass","userName":")" +
                          name + R"("})");
    EXPECT_EQ(reply.status, 201) << reply.body;
    return std::make_pair(json(reply)->getValue<Poco::Int64>("id"), reply.header("authorization").substr(7));
  };
  const auto [ann, annToken] = account("ann");
  const auto [bob, bobToken] = account("bob");
  auto made = call(*node1_, "POST", "/v1/channels",
                   R"({"name":"duo","private":true,"members":[{"id":)" + std::to_string(bob) + "}]}", annToken);
  ASSERT_EQ(made.status, 201) << made.body;
  WsClient bobOnNode2(node2_->port(), "/v1/ws?auth=Bearer%20" + bobToken);
  ASSERT_EQ(bobOnNode2.status(), 101);
  // The channel's channel-new reaches node 2 through the bus, maybe after the socket opened.
  postAndExpectOn(bobOnNode2, "bob is listening", bobToken, {"channel-new"});  // and what came before is past
  auto onlineOn = [&](const ServerProcess& node) {
    auto reply = call(node, "GET", "/v1/presence?userIDs=" + std::to_string(ann), "", bobToken);
    EXPECT_EQ(reply.status, 200) << reply.body;
    return json(reply)->getArray("online")->size() == 1;
  };
  auto nextPresence = [&](bool online) {
    auto text = bobOnNode2.nextText(5s);
    ASSERT_FALSE(text.empty()) << "no presence push on the other node";
    auto frame = Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
    ASSERT_EQ(frame->getValue<std::string>("type"), "presence") << text;
    EXPECT_EQ(frame->getValue<Poco::Int64>("userID"), ann);
    EXPECT_EQ(frame->getValue<bool>("online"), online);
  };
  EXPECT_FALSE(onlineOn(*node2_));
  auto annOnNode1 = std::make_unique<WsClient>(node1_->port(), "/v1/ws?auth=Bearer%20" + annToken);
  ASSERT_EQ(annOnNode1->status(), 101);
  nextPresence(true);
  // Node 2 knows through the bus: asked until it does (the bus is asynchronous), 5 s at most.
  auto eventually = [&](const ServerProcess& node, bool want) {
    for (int i = 0; i < 100 && onlineOn(node) != want; ++i) std::this_thread::sleep_for(50ms);
    return onlineOn(node) == want;
  };
  EXPECT_TRUE(eventually(*node2_, true));
  EXPECT_TRUE(onlineOn(*node1_));
  auto annOnNode2 = std::make_unique<WsClient>(node2_->port(), "/v1/ws?auth=Bearer%20" + annToken);
  ASSERT_EQ(annOnNode2->status(), 101);
  annOnNode1.reset();  // still online on node 2
  EXPECT_TRUE(eventually(*node1_, true));
  postAndExpectOn(bobOnNode2, "no news of ann", bobToken);
  annOnNode2.reset();
  nextPresence(false);
  EXPECT_TRUE(eventually(*node1_, false));
  EXPECT_TRUE(eventually(*node2_, false));
}

TEST_F(ClusterTest, SigningOutOnOneNodeEndsTheSessionOnTheOther) {
  auto signUp = call(*node1_, "POST", "/v1/users",
                     R"({"email":"bye@example.org","password":"cluster-pass","passwordConf":"cluster-pass","userName":"byer"})");
  ASSERT_EQ(signUp.status, 201);
  const std::string token = signUp.header("authorization").substr(7);
  EXPECT_EQ(call(*node2_, "GET", "/v1/users/me", "", token).status, 200);
  WsClient onNode2(node2_->port(), "/v1/ws?auth=Bearer%20" + token);
  ASSERT_EQ(onNode2.status(), 101);
  EXPECT_EQ(call(*node1_, "DELETE", "/v1/sessions/mine", "", token).status, 200);
  EXPECT_EQ(call(*node2_, "GET", "/v1/users/me", "", token).status, 401);
  // The socket on the other node is closed for the sign-out, with 1008.
  auto frame = onNode2.next(5s);
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->opcode, mmm::core::ws::Opcode::Close);
  EXPECT_EQ(frame->closeCode(), 1008);
}

TEST_F(ClusterTest, SuspendingOnOneNodeClosesTheUsersSocketsOnTheOther) {
  auto admin = call(*node1_, "POST", "/v1/users",
                    R"({"email":"cluster.admin@example.org","password":"cluster-pass","passwordConf":"cluster-pass","userName":"boss"})");
  ASSERT_EQ(admin.status, 201) << admin.body;
  auto user = call(*node1_, "POST", "/v1/users",
                   R"({"email":"rogue@example.org","password":"cluster-pass","passwordConf":"cluster-pass","userName":"rogue"})");
  ASSERT_EQ(user.status, 201) << user.body;
  const std::string userToken = user.header("authorization").substr(7);
  const auto userId = json(user)->getValue<Poco::Int64>("id");
  WsClient onNode2(node2_->port(), "/v1/ws?auth=Bearer%20" + userToken);
  ASSERT_EQ(onNode2.status(), 101);
  auto suspended = call(*node1_, "POST", "/v1/users/" + std::to_string(userId) + "/suspend", R"({"reason":"spam"})",
                        admin.header("authorization").substr(7));
  ASSERT_EQ(suspended.status, 200) << suspended.body;
  auto frame = onNode2.next(5s);
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->opcode, mmm::core::ws::Opcode::Close);
  EXPECT_EQ(frame->closeCode(), 1008);
  auto signIn = call(*node2_, "POST", "/v1/sessions", R"({"email":"rogue@example.org","password":"cluster-pass"})");
  EXPECT_EQ(signIn.status, 403) << signIn.body;
}

TEST_F(ClusterTest, SigningOutEverywhereOnOneNodeClosesTheSocketsOfEverySessionOnTheOther) {
  auto signUp = call(*node1_, "POST", "/v1/users",
                     R"({"email":"all@example.org","password":"cluster-pass","passwordConf":"cluster-pass","userName":"aller"})");
  ASSERT_EQ(signUp.status, 201);
  const std::string first = signUp.header("authorization").substr(7);
  auto signIn = call(*node2_, "POST", "/v1/sessions", R"({"email":"all@example.org","password":"cluster-pass"})");
  ASSERT_EQ(signIn.status, 201);
  const std::string second = signIn.header("authorization").substr(7);  // begun on the other node
  WsClient firstOnNode2(node2_->port(), "/v1/ws?auth=Bearer%20" + first);
  WsClient secondOnNode2(node2_->port(), "/v1/ws?auth=Bearer%20" + second);
  ASSERT_EQ(firstOnNode2.status(), 101);
  ASSERT_EQ(secondOnNode2.status(), 101);
  EXPECT_EQ(call(*node1_, "DELETE", "/v1/sessions/all", "", first).status, 200);
  for (const auto& token : {first, second}) EXPECT_EQ(call(*node2_, "GET", "/v1/users/me", "", token).status, 401);
  for (auto* socket : {&firstOnNode2, &secondOnNode2}) {
    auto frame = socket->next(5s);
    ASSERT_TRUE(frame);
    EXPECT_EQ(frame->opcode, mmm::core::ws::Opcode::Close);
    EXPECT_EQ(frame->closeCode(), 1008);
  }
}

TEST_F(ClusterTest, SocketsCloseOnEveryNodeWhenTheirSessionExpires) {
  auto signUp = call(*node1_, "POST", "/v1/users",
                     R"({"email":"ttl@example.org","password":"cluster-pass","passwordConf":"cluster-pass","userName":"ttler"})");
  ASSERT_EQ(signUp.status, 201);
  const std::string token = signUp.header("authorization").substr(7);
  auto other = call(*node1_, "POST", "/v1/users",
                    R"({"email":"stay@example.org","password":"cluster-pass","passwordConf":"cluster-pass","userName":"stayer"})");
  ASSERT_EQ(other.status, 201);
  WsClient onNode1(node1_->port(), "/v1/ws?auth=Bearer%20" + token);
  WsClient onNode2(node2_->port(), "/v1/ws?auth=Bearer%20" + token);
  WsClient bystander(node2_->port(), "/v1/ws?auth=Bearer%20" + other.header("authorization").substr(7));
  ASSERT_EQ(onNode1.status(), 101);
  ASSERT_EQ(onNode2.status(), 101);
  ASSERT_EQ(bystander.status(), 101);
  // What Redis does when the TTL passes: the key goes, and nobody publishes a sign-out.
  mmm::core::RedisSessionStore redis(mmm::core::parseRedisUrl(requiredEnv("MMM_TEST_REDIS_URL")),
                                     mmm::core::RedisOptions{}, quietLogger());
  ASSERT_TRUE(redis.erase(mmm::core::TokenSigner::storageKey(token)));
  for (auto* socket : {&onNode1, &onNode2}) {
    auto frame = socket->next(5s);
    ASSERT_TRUE(frame);
    EXPECT_EQ(frame->opcode, mmm::core::ws::Opcode::Close);
    EXPECT_EQ(frame->closeCode(), 1008);
  }
  bystander.send(mmm::core::ws::Opcode::Text, "ping");
  auto pong = bystander.next(5s);
  ASSERT_TRUE(pong);
  EXPECT_EQ(pong->payload, "pong");
}

TEST_F(ClusterRateLimitTest, BothNodesCountAgainstOneLimit) {
  auto signUp = call(*node1_, "POST", "/v1/users",
                     R"({"email":"limited@example.org","password":"cluster-pass","passwordConf":"cluster-pass","userName":"limited"})");
  ASSERT_EQ(signUp.status, 201) << signUp.body;
  const std::string token = signUp.header("authorization").substr(7);
  EXPECT_EQ(call(*node1_, "POST", "/v1/channels/1", R"({"body":"one"})", token).status, 201);
  EXPECT_EQ(call(*node2_, "POST", "/v1/channels/1", R"({"body":"two"})", token).status, 201);
  EXPECT_EQ(call(*node1_, "POST", "/v1/channels/1", R"({"body":"three"})", token).status, 201);
  // Each node has seen one or two: only a shared count refuses the fourth.
  auto refused = call(*node2_, "POST", "/v1/channels/1", R"({"body":"four"})", token);
  EXPECT_EQ(refused.status, 429) << refused.body;
  EXPECT_FALSE(refused.header("retry-after").empty());
}

TEST_F(ClusterRateLimitTest, WebSocketsPerUserAreCountedOnBothNodes) {
  auto signUp = call(*node1_, "POST", "/v1/users",
                     R"({"email":"sockets@example.org","password":"cluster-pass","passwordConf":"cluster-pass","userName":"sockets"})");
  ASSERT_EQ(signUp.status, 201) << signUp.body;
  const std::string target = "/v1/ws?auth=Bearer%20" + signUp.header("authorization").substr(7);
  auto first = std::make_unique<WsClient>(node1_->port(), target);
  WsClient second(node2_->port(), target);
  ASSERT_EQ(first->status(), 101);
  ASSERT_EQ(second.status(), 101);
  EXPECT_EQ(WsClient(node1_->port(), target).status(), 429);
  EXPECT_EQ(WsClient(node2_->port(), target).status(), 429);
  first.reset();  // node 1 frees its slot; node 2 may then take it
  int status = 0;
  for (int i = 0; i < 40 && status != 101; ++i) {
    std::this_thread::sleep_for(100ms);
    status = WsClient(node2_->port(), target).status();
  }
  EXPECT_EQ(status, 101);
}

TEST_F(ClusterTest, ReadinessFollowsTheBusForwarderThroughARestartAndDeliveryResumes) {
  auto signUp = call(*node1_, "POST", "/v1/users",
                     R"({"email":"fwd@example.org","password":"cluster-pass","passwordConf":"cluster-pass","userName":"fwder"})");
  ASSERT_EQ(signUp.status, 201) << signUp.body;
  const std::string token = signUp.header("authorization").substr(7);
  WsClient onNode2(node2_->port(), "/v1/ws?auth=Bearer%20" + token);  // opened before the outage
  ASSERT_EQ(onNode2.status(), 101);
  for (auto* node : {node1_.get(), node2_.get()}) EXPECT_EQ(call(*node, "GET", "/readyz").status, 200);

  // The forwarder dies (no goodbye): both nodes report the bus down, and only the bus.
  const std::string frontend = proxy_->frontend(), backend = proxy_->backend();
  proxy_->kill9();
  for (auto* node : {node1_.get(), node2_.get()}) {
    auto down = readyWhenBusIs(*node, "unavailable");
    ASSERT_EQ(down.status, 503) << down.body;
    auto body = json(down);
    EXPECT_EQ(body->getValue<std::string>("status"), "not ready");
    EXPECT_EQ(body->getObject("checks")->getValue<std::string>("store"), "ok");
    EXPECT_EQ(body->getObject("checks")->getValue<std::string>("sessions"), "ok");
  }
  // Requests that need no bus still work meanwhile.
  EXPECT_EQ(call(*node2_, "GET", "/v1/users/me", "", token).status, 200);

  // Back on the same endpoints: the nodes reconnect by themselves and are ready again.
  proxy_ = ServerProcess::busProxy(frontend, backend);
  for (auto* node : {node1_.get(), node2_.get()}) {
    auto up = readyWhenBusIs(*node, "ok");
    ASSERT_EQ(up.status, 200) << up.body;
    EXPECT_EQ(json(up)->getValue<std::string>("status"), "ready");
  }

  // A message posted on node 1 after the restart reaches the socket on node 2.
  postAndExpectOn(onNode2, "after the forwarder came back", token);
}

// A message posted with a traceparent on node 1: its push reaches node 2 through the bus with
// the trace, so the line node 2 writes as it delivers it carries the caller's trace id.
TEST_F(ClusterTraceTest, AMessagesTraceIdReachesTheOtherNodesLog) {
  auto signUp = call(*node1_, "POST", "/v1/users",
                     R"({"email":"tracer@example.org","password":"cluster-pass","passwordConf":"cluster-pass","userName":"tracer"})");
  ASSERT_EQ(signUp.status, 201) << signUp.body;
  const std::string token = signUp.header("authorization").substr(7);
  WsClient onNode2(node2_->port(), "/v1/ws?auth=Bearer%20" + token);
  ASSERT_EQ(onNode2.status(), 101);

  const std::string trace = "5c0c83e2b9fb4c4cb1c3ae6a7b2b6a11";
  auto posted = request(node1_->port(), "POST", "/v1/channels/1",
                        kJsonType + "Authorization: Bearer " + token + "\r\n" +
                            "traceparent: 00-" + trace + "-1111111111111111-01\r\n",
                        R"({"body":"traced across the cluster"})");
  ASSERT_EQ(posted.status, 201) << posted.body;
  EXPECT_EQ(posted.header("traceresponse").substr(0, 35), "00-" + trace);
  auto text = onNode2.nextText(5s);
  ASSERT_NE(text.find("traced across the cluster"), std::string::npos) << text;

  // Node 2 never saw the request: the trace id in its log came over the bus.
  const std::string log2 = readFile(node2_->logFile());
  EXPECT_NE(log2.find("[hub] trace=" + trace + " push of "), std::string::npos) << log2;
  const std::string log1 = readFile(node1_->logFile());
  EXPECT_NE(log1.find("[http] trace=" + trace + " "), std::string::npos) << log1;
}
