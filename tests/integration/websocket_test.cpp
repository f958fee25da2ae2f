// The WebSocket hub end to end with real clients against a running mmm-server (chat on).
#include "api_fixture.hpp"
#include "ws_client.hpp"

#include <atomic>
#include <fstream>
#include <thread>

using namespace mmm::test;
using namespace std::chrono_literals;
using mmm::core::ws::Opcode;

namespace {

class WebSocketTest : public ApiTest {
 protected:
  void SetUp() override {
    startServer(kUsersPlugin + kChatPlugin, "",
                "cors: {allowed_origins: ['https://app.example']}\n"
                "hub: {threads: 2, max_queued_frames: 64, max_frame_bytes: 65536, send_buffer_bytes: 16384,"
                " max_sockets_per_user: 0, max_client_frames_per_s: 0}\n");  // limits: tested on their own
  }

  std::unique_ptr<WsClient> connect(const Account& who) {
    auto client = std::make_unique<WsClient>(port_, "/v1/ws?auth=Bearer%20" + who.token);
    EXPECT_EQ(client->status(), 101) << client->head();
    return client;
  }
  std::int64_t privateChannel(const Account& owner, const Account& other) {
    auto reply = call("POST", "/v1/channels",
                      R"({"name":"duo","private":true,"members":[{"id":)" + std::to_string(other.id) + "}]}",
                      owner.token);
    EXPECT_EQ(reply.status, 201) << reply.body;
    return json(reply)->getValue<Poco::Int64>("id");
  }
  HttpReply post(const Account& who, std::int64_t channel, const std::string& body) {
    return call("POST", "/v1/channels/" + std::to_string(channel), R"({"body":")" + body + R"("})", who.token);
  }
  static Poco::JSON::Object::Ptr parse(const std::string& text) {
    Poco::JSON::Parser parser;
    return parser.parse(text).extract<Poco::JSON::Object::Ptr>();
  }
  // Skips pushes of other types (e.g. channel-new) until one of `type` arrives.
  static Poco::JSON::Object::Ptr nextOfType(WsClient& client, const std::string& type) {
    for (int i = 0; i < 20; ++i) {
      auto text = client.nextText();
      if (text.empty()) return nullptr;
      auto frame = parse(text);
      if (frame->getValue<std::string>("type") == type) return frame;
    }
    return nullptr;
  }
  int serverThreads() {
    std::ifstream status("/proc/" + std::to_string(server_->pid()) + "/status");
    std::string line;
    while (std::getline(status, line))
      if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
    return -1;
  }
};

}  // namespace

TEST_P(WebSocketTest, IdleSocketsArePingedAndDroppedWhenSilentAndKeptWhenTheyAnswer) {
  startServer(kUsersPlugin + kChatPlugin, "", "hub: {ping_interval_s: 1, idle_timeout_s: 2}\n");
  const auto a = newAccount();
  auto silent = connect(a), lively = connect(a);
  silent->answerPings(false);
  // The lively one answers every ping (next() does) for longer than the idle timeout.
  const auto until = std::chrono::steady_clock::now() + 3500ms;
  while (std::chrono::steady_clock::now() < until) lively->next(200ms);
  // The silent one was pinged, never answered, and was closed as idle.
  bool pinged = false;
  std::optional<WsMessage> frame;
  while ((frame = silent->next(3s)) && frame->opcode != Opcode::Close) pinged = pinged || frame->opcode == Opcode::Ping;
  EXPECT_TRUE(pinged);
  ASSERT_TRUE(frame) << "the silent socket was not closed";
  EXPECT_EQ(frame->closeCode(), 1001);
  lively->send(Opcode::Text, "ping");
  EXPECT_EQ(lively->nextText(), "pong");
}

TEST_P(WebSocketTest, FragmentedMessagesAreReassembledAndLimitedAsAWhole) {
  const auto a = newAccount();
  auto client = connect(a);
  client->send(Opcode::Text, "pi", false);
  client->send(Opcode::Ping, "between");  // control frames may come between fragments
  client->send(Opcode::Continuation, "ng");
  auto pong = client->next();
  ASSERT_TRUE(pong);
  EXPECT_EQ(pong->opcode, Opcode::Pong);
  EXPECT_EQ(client->nextText(), "pong");  // "pi" + "ng" was read as one message
  // Each fragment fits the limit (64 KiB here); the message they make does not: 1009.
  auto big = connect(a);
  big->send(Opcode::Text, std::string(40000, 'x'), false);
  big->send(Opcode::Continuation, std::string(40000, 'x'));
  std::uint16_t code = 0;
  EXPECT_TRUE(big->closedWithin(3s, code));
  EXPECT_EQ(code, 1009);
}

TEST_P(WebSocketTest, AnotherProtocolVersionIs426NamingOurs) {
  const auto a = newAccount();
  WsClient client(port_, "/v1/ws?auth=Bearer%20" + a.token, "", 0);
  ASSERT_EQ(client.status(), 101);  // the fixture's client says version 13
  Poco::Net::StreamSocket raw(Poco::Net::SocketAddress("127.0.0.1", port_));
  raw.setReceiveTimeout(Poco::Timespan(5, 0));
  const std::string upgrade = "GET /v1/ws?auth=Bearer%20" + a.token + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                              "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                              "Sec-WebSocket-Version: 8\r\n\r\n";
  raw.sendBytes(upgrade.data(), static_cast<int>(upgrade.size()));
  char buffer[2048];
  const int n = raw.receiveBytes(buffer, sizeof buffer);
  const std::string answer(buffer, static_cast<std::size_t>(std::max(n, 0)));
  EXPECT_EQ(answer.rfind("HTTP/1.1 426 ", 0), 0u) << answer;
  EXPECT_NE(answer.find("Sec-WebSocket-Version: 13\r\n"), std::string::npos) << answer;
}

TEST_P(WebSocketTest, ASlowClientIsClosedByQueuedBytesToo) {
  startServer(kUsersPlugin + kChatPlugin, "",
              "hub: {max_queued_frames: 100000, max_queued_bytes: 65536, send_buffer_bytes: 16384}\n");
  const auto a = newAccount(), lazy = newAccount();
  WsClient sleeper(port_, "/v1/ws?auth=Bearer%20" + lazy.token, "", 4096);
  ASSERT_EQ(sleeper.status(), 101);
  const std::string filler(3000, 'x');
  std::string metrics;
  for (int i = 0; i < 300 && metrics.find("mmm_ws_slow_closed_total 1\n") == std::string::npos; ++i) {
    ASSERT_EQ(post(a, 1, "bytes-" + std::to_string(i) + "-" + filler).status, 201);
    if (i % 10 == 9) metrics = call("GET", "/metrics").body;
  }
  EXPECT_NE(metrics.find("mmm_ws_slow_closed_total 1\n"), std::string::npos)
      << "64 KiB queued (far fewer than 100000 frames) must close the socket";
}

TEST_P(WebSocketTest, FramesSentWithTheUpgradeRequestReachTheHub) {
  const auto a = newAccount();
  const std::string ping = mmm::core::ws::encodeClient(Opcode::Ping, "early", 0x1234abcd, true);
  WsClient client(port_, "/v1/ws?auth=Bearer%20" + a.token, "", 0, ping);
  ASSERT_EQ(client.status(), 101) << client.head();
  auto pong = client.next();
  ASSERT_TRUE(pong);
  EXPECT_EQ(pong->opcode, Opcode::Pong);
  EXPECT_EQ(pong->payload, "early");
}

TEST_P(WebSocketTest, MembersGetTheStoredMessageOnEverySocketAndOthersNothing) {
  const auto a = newAccount(), b = newAccount(), c = newAccount();
  const auto channel = privateChannel(a, b);
  auto a1 = connect(a), a2 = connect(a), bSocket = connect(b), cSocket = connect(c);
  auto reply = post(a, channel, "hello band");
  ASSERT_EQ(reply.status, 201);
  const auto stored = json(reply);
  for (auto* client : {a1.get(), a2.get(), bSocket.get()}) {
    auto frame = nextOfType(*client, "message-new");
    ASSERT_TRUE(frame);
    auto message = frame->getObject("message");
    EXPECT_EQ(message->getValue<Poco::Int64>("id"), stored->getValue<Poco::Int64>("id"));
    EXPECT_EQ(message->getValue<std::string>("body"), "hello band");
    EXPECT_EQ(message->getValue<Poco::Int64>("channelID"), channel);
    EXPECT_EQ(message->getObject("creator")->getValue<Poco::Int64>("id"), a.id);
    auto ids = frame->getArray("userIDs");
    ASSERT_TRUE(ids);
    EXPECT_EQ(ids->size(), 2u);
  }
  // What was pushed can be read back.
  auto history = jsonArray(call("GET", "/v1/channels/" + std::to_string(channel), "", b.token));
  EXPECT_EQ(history->getObject(0)->getValue<Poco::Int64>("id"), stored->getValue<Poco::Int64>("id"));

  // C hears nothing of the private channel: the first push C gets is a public one.
  ASSERT_EQ(post(a, 1, "hello everyone").status, 201);
  auto publicFrame = parse(cSocket->nextText());
  EXPECT_EQ(publicFrame->getValue<std::string>("type"), "message-new");
  EXPECT_EQ(publicFrame->getObject("message")->getValue<std::string>("body"), "hello everyone");
  EXPECT_TRUE(publicFrame->isNull("userIDs"));

  // Edit and delete arrive as message-update and message-delete.
  const std::string path = "/v1/messages/" + std::to_string(stored->getValue<Poco::Int64>("id"));
  ASSERT_EQ(call("PATCH", path, R"({"body":"hello, band"})", a.token).status, 200);
  auto update = nextOfType(*bSocket, "message-update");
  ASSERT_TRUE(update);
  EXPECT_EQ(update->getObject("message")->getValue<std::string>("body"), "hello, band");
  // So does a reaction, with the message's reactions.
  ASSERT_EQ(call("PUT", path + "/reactions/%F0%9F%8E%B8", "", b.token).status, 200);  // 🎸
  auto reacted = nextOfType(*bSocket, "message-update");
  ASSERT_TRUE(reacted);
  auto reactions = reacted->getObject("message")->getArray("reactions");
  ASSERT_TRUE(reactions);
  ASSERT_EQ(reactions->size(), 1u);
  EXPECT_EQ(reactions->getObject(0)->getValue<std::string>("emoji"), "🎸");
  EXPECT_EQ(reactions->getObject(0)->getArray("userIDs")->getElement<Poco::Int64>(0), b.id);
  ASSERT_EQ(call("DELETE", path, "", a.token).status, 200);
  auto removal = nextOfType(*a2, "message-delete");
  ASSERT_TRUE(removal);
  EXPECT_EQ(removal->getValue<Poco::Int64>("messageID"), stored->getValue<Poco::Int64>("id"));
  EXPECT_EQ(removal->getValue<Poco::Int64>("channelID"), channel);
  // Still nothing private reached C.
  EXPECT_EQ(cSocket->nextText(300ms), "");
}

TEST_P(WebSocketTest, PingGetsPongAndClientFramesAreNotEchoed) {
  const auto a = newAccount();
  auto client = connect(a);
  client->send(Opcode::Ping, "are you there");
  auto pong = client->next();
  ASSERT_TRUE(pong);
  EXPECT_EQ(pong->opcode, Opcode::Pong);
  EXPECT_EQ(pong->payload, "are you there");
  client->send(Opcode::Text, "ping");
  EXPECT_EQ(client->nextText(), "pong");
  client->send(Opcode::Text, "{\"type\":\"message-new\"}");
  EXPECT_EQ(client->nextText(300ms), "");  // not echoed, not published…
  client->send(Opcode::Text, "ping");
  EXPECT_EQ(client->nextText(), "pong");  // …and the socket is still open
}

TEST_P(WebSocketTest, ASlowClientIsClosedWhileOthersGetEverythingInOrder) {
  const auto a = newAccount(), lazy = newAccount();
  auto reader = connect(a);
  // The lazy client upgrades, then never reads: its queue fills and it is closed.
  WsClient sleeper(port_, "/v1/ws?auth=Bearer%20" + lazy.token, "", 4096);
  ASSERT_EQ(sleeper.status(), 101);
  const std::string filler(3000, 'x');
  std::thread poster([&] {
    for (int i = 0; i < 400; ++i) post(a, 1, "seq-" + std::to_string(i) + "-" + filler);
  });
  int inOrder = 0;  // the reader keeps up, in its own thread, while the sleeper is dealt with
  std::thread readerThread([&] {
    for (; inOrder < 400; ++inOrder) {
      auto text = reader->nextText(10s);
      if (text.empty()) return;
      auto body = parse(text)->getObject("message")->getValue<std::string>("body");
      if (body.substr(0, body.find('-', 4)) != "seq-" + std::to_string(inOrder)) return;
    }
  });
  // As soon as the hub gives up on the sleeper, the sleeper reads: it finds what was
  // already sent, then the close frame with 1008 (the hub waits 2 s for it to be taken).
  std::string metrics;
  for (int i = 0; i < 200 && metrics.find("mmm_ws_slow_closed_total 1\n") == std::string::npos; ++i) {
    std::this_thread::sleep_for(20ms);
    metrics = call("GET", "/metrics").body;
  }
  EXPECT_NE(metrics.find("mmm_ws_slow_closed_total 1\n"), std::string::npos);
  std::uint16_t code = 0;
  EXPECT_TRUE(sleeper.closedWithin(10s, code));
  EXPECT_EQ(code, 1008);
  poster.join();
  readerThread.join();
  EXPECT_EQ(inOrder, 400) << "the reader stalled or saw a message out of order";
  for (int i = 0; i < 50 && metrics.find("mmm_ws_connections 1\n") == std::string::npos; ++i) {
    std::this_thread::sleep_for(100ms);
    metrics = call("GET", "/metrics").body;
  }
  EXPECT_NE(metrics.find("mmm_ws_connections 1\n"), std::string::npos) << metrics;
}

TEST_P(WebSocketTest, BadUpgradesAndBadFramesAreRefusedWithoutDisturbingOthers) {
  const auto a = newAccount();
  auto good = connect(a);
  EXPECT_EQ(WsClient(port_, "/v1/ws").status(), 401);
  EXPECT_EQ(WsClient(port_, "/v1/ws?auth=Bearer%20forged").status(), 401);
  EXPECT_EQ(WsClient(port_, "/v1/ws?auth=Bearer%20" + a.token, "Origin: https://evil.example\r\n").status(), 403);
  EXPECT_EQ(WsClient(port_, "/v1/ws?auth=Bearer%20" + a.token, "Origin: https://app.example\r\n").status(), 101);
  EXPECT_EQ(WsClient(port_, "/v1/ws", "Cookie: mmm_session=" + a.token + "\r\n").status(), 101);

  std::uint16_t code = 0;
  auto big = connect(a);
  big->send(Opcode::Text, std::string(70000, 'x'));
  EXPECT_TRUE(big->closedWithin(3s, code));
  EXPECT_EQ(code, 1009);

  auto unmasked = connect(a);
  unmasked->sendBytes(mmm::core::ws::encode(Opcode::Text, "no mask"));
  EXPECT_TRUE(unmasked->closedWithin(3s, code));
  EXPECT_EQ(code, 1002);

  auto garbage = connect(a);
  garbage->sendBytes(std::string("\xff\xfe\x00 garbage \x13\x37", 14));
  code = 0;
  EXPECT_TRUE(garbage->closedWithin(3s, code));
  EXPECT_EQ(code, 1002);  // reserved bits set: a protocol error

  auto badUtf8 = connect(a);
  badUtf8->send(Opcode::Text, "\xc3\x28");
  EXPECT_TRUE(badUtf8->closedWithin(3s, code));
  EXPECT_EQ(code, 1007);

  ASSERT_EQ(post(a, 1, "still here").status, 201);
  auto frame = parse(good->nextText());
  EXPECT_EQ(frame->getObject("message")->getValue<std::string>("body"), "still here");
}

TEST_P(WebSocketTest, SigningOutEverywhereClosesTheSocketsOfEverySession) {
  const auto a = newAccount();
  auto second = a;  // a second session of the same user (another device)
  second.token = tokenOf(call("POST", "/v1/sessions", R"({"email":")" + a.email + R"(","password":")" + a.password + R"("})"));
  auto first = connect(a), other = connect(second);
  auto out = call("DELETE", "/v1/sessions/all", "", a.token);
  ASSERT_EQ(out.status, 200) << out.body;
  EXPECT_EQ(out.header("content-type"), "text/plain; charset=utf-8");
  for (auto* socket : {first.get(), other.get()}) {
    std::uint16_t code = 0;
    EXPECT_TRUE(socket->closedWithin(3s, code));
    EXPECT_EQ(code, 1008);
  }
  EXPECT_EQ(call("GET", "/v1/users/me", "", second.token).status, 401);
}

TEST_P(WebSocketTest, SigningOutClosesThatSessionsSocketsAtOnce) {
  const auto a = newAccount(), b = newAccount();
  const auto channel = privateChannel(a, b);
  auto bSocket = connect(b);
  ASSERT_EQ(call("DELETE", "/v1/sessions/mine", "", b.token).status, 200);
  std::uint16_t code = 0;
  EXPECT_TRUE(bSocket->closedWithin(3s, code));
  EXPECT_EQ(code, 1008);
  ASSERT_EQ(post(a, channel, "after you left").status, 201);
  // Nothing more comes: the server ends the stream after its close frame.
  EXPECT_FALSE(bSocket->next(3s));
  EXPECT_TRUE(bSocket->eof());
}

TEST_P(WebSocketTest, CloseFramesAreEchoedOrRefusedByTheRules) {
  const auto a = newAccount();
  const auto closeWith = [&](const std::string& payload) {
    auto client = connect(a);
    client->send(Opcode::Close, payload);
    std::uint16_t code = 0;
    EXPECT_TRUE(client->closedWithin(3s, code));
    return code;
  };
  EXPECT_EQ(closeWith(std::string("\x03\xe8", 2)), 1000);      // normal, echoed
  EXPECT_EQ(closeWith(std::string("\x0f\xa0", 2) + "bye"), 4000);  // application code, echoed
  EXPECT_EQ(closeWith("\x03"), 1002);                            // one byte
  EXPECT_EQ(closeWith(std::string("\x03\xed", 2)), 1002);       // 1005 may not be sent
  EXPECT_EQ(closeWith(std::string("\x03\xe8\xc3\x28", 4)), 1007);  // reason not UTF-8
}

TEST_P(WebSocketTest, AReconnectingClientGetsExactlyWhatItMissed) {
  const auto a = newAccount(), b = newAccount();
  // A message elsewhere (pushed to b alone): General's ids and seqs differ.
  ASSERT_EQ(post(b, privateChannel(b, b), "elsewhere").status, 201);
  auto client = connect(a);
  auto first = json(post(a, 1, "before"));
  auto pushed = parse(client->nextText())->getObject("message");
  EXPECT_EQ(pushed->getValue<Poco::Int64>("id"), first->getValue<Poco::Int64>("id"));
  // The client resumes after the last seq it saw (the channel's count, not the message id).
  const auto seen = pushed->getValue<Poco::Int64>("seq");
  EXPECT_EQ(seen, first->getValue<Poco::Int64>("seq"));
  client.reset();  // disconnected
  std::vector<std::string> missed = {"while away 1", "while away 2", "while away 3"};
  for (const auto& text : missed) ASSERT_EQ(post(a, 1, text).status, 201);
  client = connect(a);
  auto resumed = jsonArray(call("GET", "/v1/channels/1?afterSeq=" + std::to_string(seen), "", a.token));
  ASSERT_EQ(resumed->size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(resumed->getObject(i)->getValue<std::string>("body"), missed[i]);
    EXPECT_EQ(resumed->getObject(i)->getValue<Poco::Int64>("seq"), seen + 1 + static_cast<Poco::Int64>(i));
  }
  // The new socket is live: what comes next arrives on it. Pushes are asynchronous, so the
  // last messages posted before it connected may arrive too (the client dedupes by id).
  ASSERT_EQ(post(a, 1, "welcome back").status, 201);
  std::string body;
  for (int i = 0; i < 4 && body != "welcome back"; ++i) {
    auto text = client->nextText();
    ASSERT_FALSE(text.empty()) << "nothing arrived on the new socket";
    body = parse(text)->getObject("message")->getValue<std::string>("body");
    if (body != "welcome back") {
      EXPECT_NE(std::find(missed.begin(), missed.end(), body), missed.end()) << body;
    }
  }
  EXPECT_EQ(body, "welcome back");
}

TEST_P(WebSocketTest, AThousandSocketsDoNotGrowThreadsAndHttpStaysPrompt) {
  const auto a = newAccount();
  std::vector<std::unique_ptr<WsClient>> sockets;
  for (int i = 0; i < 100; ++i) sockets.push_back(connect(a));
  const int threadsAt100 = serverThreads();
  for (int i = 100; i < 1000; ++i) sockets.push_back(connect(a));
  const int threadsAt1000 = serverThreads();
  EXPECT_GT(threadsAt100, 0);
  EXPECT_LE(threadsAt1000, threadsAt100 + 2) << "threads grew with sockets";
  // The 101 reaches the client just before the hub counts the socket: wait for the count.
  std::string metrics;
  for (int i = 0; i < 100 && metrics.find("mmm_ws_connections 1000\n") == std::string::npos; ++i) {
    if (i) std::this_thread::sleep_for(50ms);
    metrics = call("GET", "/metrics").body;
  }
  EXPECT_NE(metrics.find("mmm_ws_connections 1000\n"), std::string::npos);
  for (int i = 0; i < 20; ++i) ASSERT_EQ(call("GET", "/v1/users/me", "", a.token).status, 200);
  // One push reaches all thousand.
  ASSERT_EQ(post(a, 1, "to all").status, 201);
  int received = 0;
  for (auto& s : sockets)
    if (!s->nextText(5s).empty()) ++received;
  EXPECT_EQ(received, 1000);
}

TEST_P(WebSocketTest, ShutdownClosesSocketsWithGoingAway) {
  const auto a = newAccount();
  auto client = connect(a);
  ASSERT_EQ(post(a, 1, "hi").status, 201);
  ASSERT_FALSE(client->nextText().empty());
  EXPECT_EQ(server_->stop(), 0);
  std::uint16_t code = 0;
  EXPECT_TRUE(client->closedWithin(3s, code));
  EXPECT_EQ(code, 1001);
}

TEST_P(WebSocketTest, ATokenInTheQueryCountsOnTheUpgradeOnly) {
  const auto a = newAccount();
  EXPECT_EQ(connect(a)->status(), 101);  // ?auth=Bearer%20… on /v1/ws
  EXPECT_EQ(WsClient(port_, "/v1/ws?auth=Bearer+" + a.token).status(), 101);
  expectProblem(call("GET", "/v1/users/me?auth=Bearer%20" + a.token), 401);
  EXPECT_EQ(call("POST", "/v1/channels/1?auth=Bearer%20" + a.token, R"({"body":"via the URL"})").status, 401);
  EXPECT_EQ(call("GET", "/v1/users/me", "", a.token).status, 200);  // the header, as ever
}

TEST_P(WebSocketTest, AClientSendingTooManyFramesPerSecondIsClosedWith1008) {
  startServer(kUsersPlugin + kChatPlugin, "", "hub: {max_client_frames_per_s: 5}\n");
  const auto a = newAccount();
  // Five a second is fine, second after second.
  auto calm = connect(a);
  for (int second = 0; second < 2; ++second) {
    for (int i = 0; i < 5; ++i) {
      calm->send(Opcode::Text, "ping");
      EXPECT_EQ(calm->nextText(2s), "pong") << "second " << second << ", frame " << i;
    }
    std::this_thread::sleep_for(1100ms);
  }
  // The sixth within a second closes the socket.
  auto chatty = connect(a);
  for (int i = 0; i < 6; ++i) chatty->send(Opcode::Text, "ping");
  std::uint16_t code = 0;
  EXPECT_TRUE(chatty->closedWithin(3s, code));
  EXPECT_EQ(code, 1008);
  calm->send(Opcode::Text, "ping");
  EXPECT_EQ(calm->nextText(2s), "pong") << "the calm socket suffered too";
  EXPECT_NE(call("GET", "/metrics").body.find("mmm_ws_chatty_closed_total 1\n"), std::string::npos);
}

TEST_P(WebSocketTest, TheSocketPastTheQuotaOfAUserGets429UntilOneCloses) {
  startServer(kUsersPlugin + kChatPlugin, "", "hub: {max_sockets_per_user: 3}\n");
  const auto a = newAccount(), b = newAccount();
  std::vector<std::unique_ptr<WsClient>> open;
  for (int i = 0; i < 3; ++i) open.push_back(connect(a));
  WsClient fourth(port_, "/v1/ws?auth=Bearer%20" + a.token);
  EXPECT_EQ(fourth.status(), 429) << fourth.head();
  EXPECT_NE(fourth.head().find("Retry-After:"), std::string::npos) << fourth.head();
  EXPECT_EQ(WsClient(port_, "/v1/ws?auth=Bearer%20" + b.token).status(), 101) << "another user was refused";
  // A socket that closes gives its slot back (within a second or two).
  open.pop_back();
  int status = 0;
  for (int i = 0; i < 40 && status != 101; ++i) {
    std::this_thread::sleep_for(100ms);
    status = WsClient(port_, "/v1/ws?auth=Bearer%20" + a.token).status();
  }
  EXPECT_EQ(status, 101) << "the closed socket's slot was never freed";
}

INSTANTIATE_TEST_SUITE_P(Backends, WebSocketTest, ::testing::Values(Backends::SQLiteMemory), backendsName);
