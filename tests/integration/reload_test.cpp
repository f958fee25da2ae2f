// Live reload end to end: a real mmm-server whose config file is rewritten, then reloaded by
// SIGHUP or POST /v1/admin/reload: plugins enabled, disabled and restarted while requests
// and WebSockets carry on; a config that does not load changes nothing.
#include "meetups_fixture.hpp"
#include "ws_client.hpp"

#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

using namespace mmm::test;
using namespace std::chrono_literals;

namespace {

const std::string kBoss = "boss@example.org";
// The users plugin as the tests configure it, with an admin.
const std::string kUsersWithAdmin = kUsersPlugin + "      admins: ['" + kBoss + "']\n";
const std::string kChatOff = "  - name: chat\n    enabled: false\n";

// Client threads requesting `path` over and over until stopped (or destroyed: a test that
// fails half way must not leave joinable threads behind), counting 200s and the rest.
class Load {
 public:
  Load(int threads, std::function<int()> request) {
    for (int t = 0; t < threads; ++t)
      threads_.emplace_back([this, request] {
        while (!done_) {
          try {
            (request() == 200 ? ok : failed)++;
          } catch (const std::exception&) {  // no answer at all
            failed++;
          }
        }
      });
  }
  ~Load() { stop(); }
  void stop() {
    done_ = true;
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }
  std::atomic<int> ok{0}, failed{0};

 private:
  std::atomic<bool> done_{false};
  std::vector<std::thread> threads_;
};

class ReloadTest : public MeetupsTest {
 protected:
  void start(const std::string& plugins, const std::string& sections = "") {
    startServer(plugins, "", sections + kHub);
    boss_ = newAccount(kBoss);
  }
  /// Writes a new config over the server's file (the same store).
  void rewrite(const std::string& plugins, const std::string& sections = "", const std::string& hub = kHub) {
    std::string text = configText(plugins, "", sections + hub);
    // A `log:` or `web:` section of the test's own replaces the fixture's.
    for (const std::string line : {"log: {level: debug}\n", "web: {enabled: false}\n"})
      if (sections.find(line.substr(0, 4)) != std::string::npos) text.erase(text.find(line), line.size());
    const std::string temp = server_->configFile() + ".new";
    std::ofstream(temp) << text;
    std::filesystem::rename(temp, server_->configFile());  // never a half-written file
  }
  HttpReply reload() { return call("POST", "/v1/admin/reload", "", boss_.token); }
  /// The admin listing: name → "state version".
  std::map<std::string, std::string> plugins() {
    auto reply = call("GET", "/v1/admin/plugins", "", boss_.token);
    EXPECT_EQ(reply.status, 200) << reply.body;
    std::map<std::string, std::string> out;
    if (reply.status != 200) return out;
    Poco::JSON::Parser parser;
    auto list = parser.parse(reply.body).extract<Poco::JSON::Array::Ptr>();
    for (std::size_t i = 0; i < list->size(); ++i) {
      auto item = list->getObject(static_cast<unsigned>(i));
      out[item->getValue<std::string>("name")] =
          item->getValue<std::string>("state") +
          (item->isNull("version") ? std::string() : " " + item->getValue<std::string>("version"));
    }
    return out;
  }
  static std::vector<std::string> names(const Poco::JSON::Object::Ptr& body, const std::string& key) {
    std::vector<std::string> out;
    auto array = body->getArray(key);
    for (std::size_t i = 0; array && i < array->size(); ++i) out.push_back(array->getElement<std::string>(static_cast<unsigned>(i)));
    return out;
  }
  std::string metric(const std::string& line) {
    const auto body = call("GET", "/metrics").body;
    const auto at = body.find("\n" + line + " ");
    if (at == std::string::npos) return "absent";
    const auto value = at + line.size() + 2;
    return body.substr(value, body.find('\n', value) - value);
  }

  static inline const std::string kHub = "hub: {max_sockets_per_user: 0, max_client_frames_per_s: 0}\n";
  Account boss_;
};

TEST_P(ReloadTest, EnablingChatOnARunningServerGivesEventsTheirChannels) {
  start(kUsersWithAdmin + kMeetupsPlugin + kChatOff);
  const auto event = create(boss_, iso(daysAhead(3)));
  EXPECT_TRUE(event->isNull("channel")) << toJson(event);
  EXPECT_EQ(call("GET", "/v1/channels", "", boss_.token).status, 404);
  EXPECT_EQ(plugins()["chat"], "disabled");
  EXPECT_EQ(call("GET", "/v1/openapi.json").body.find("\"/v1/channels\""), std::string::npos);

  rewrite(kUsersWithAdmin + kMeetupsPlugin + kChatPlugin);
  auto reply = reload();
  ASSERT_EQ(reply.status, 200) << reply.body;
  auto body = json(reply);
  EXPECT_EQ(body->getValue<std::string>("result"), "applied");
  EXPECT_EQ(names(body, "started"), std::vector<std::string>{"chat"});
  EXPECT_EQ(names(body, "restarted"), std::vector<std::string>{"meetups"});  // it uses chat
  EXPECT_TRUE(names(body, "stopped").empty());

  EXPECT_EQ(plugins()["chat"].rfind("running ", 0), 0u) << plugins()["chat"];
  EXPECT_NE(call("GET", "/v1/openapi.json").body.find("\"/v1/channels\""), std::string::npos);
  auto again = json(call("GET", "/v1/events/" + str(idOf(event)), "", boss_.token));
  ASSERT_FALSE(again->isNull("channel")) << toJson(again);
  const auto channel = again->getValue<Poco::Int64>("channel");
  auto history = call("GET", "/v1/channels/" + str(channel), "", boss_.token);
  EXPECT_EQ(history.status, 200) << history.body;
  // A new event gets its channel at once.
  EXPECT_FALSE(create(boss_, iso(daysAhead(4)))->isNull("channel"));
  EXPECT_EQ(metric("mmm_config_reloads_total{result=\"applied\"}"), "1");
}

TEST_P(ReloadTest, DisablingChatOnARunningServerTakesItsPathsAndLeavesEventsWithoutChannels) {
  start(kUsersWithAdmin + kMeetupsPlugin + kChatPlugin);
  const auto event = create(boss_, iso(daysAhead(3)));
  ASSERT_FALSE(event->isNull("channel"));
  ASSERT_EQ(call("GET", "/v1/channels", "", boss_.token).status, 200);
  ASSERT_NE(call("GET", "/v1/openapi.json").body.find("\"/v1/channels\""), std::string::npos);

  rewrite(kUsersWithAdmin + kMeetupsPlugin + kChatOff);
  auto reply = reload();
  ASSERT_EQ(reply.status, 200) << reply.body;
  auto body = json(reply);
  EXPECT_EQ(names(body, "stopped"), std::vector<std::string>{"chat"});
  EXPECT_EQ(names(body, "restarted"), std::vector<std::string>{"meetups"});

  auto gone = call("GET", "/v1/channels", "", boss_.token);
  expectProblem(gone, 404);
  EXPECT_EQ(call("GET", "/v1/channels/1", "", boss_.token).status, 404);
  auto now = json(call("GET", "/v1/events/" + str(idOf(event)), "", boss_.token));
  EXPECT_TRUE(now->isNull("channel")) << toJson(now);
  const auto document = call("GET", "/v1/openapi.json").body;  // chat's paths and schemas left it
  EXPECT_EQ(document.find("\"/v1/channels\""), std::string::npos);
  EXPECT_EQ(document.find("\"Message\":"), std::string::npos);
  EXPECT_NE(document.find("\"/v1/events\""), std::string::npos);
  EXPECT_EQ(plugins()["chat"], "disabled");
  EXPECT_EQ(plugins()["meetups"].rfind("running ", 0), 0u);
  // The same reload again changes nothing.
  auto same = reload();
  ASSERT_EQ(same.status, 200) << same.body;
  EXPECT_EQ(json(same)->getValue<std::string>("result"), "unchanged");
}

TEST_P(ReloadTest, AConfigThatDoesNotLoadChangesNothingAndSaysWhy) {
  start(kUsersWithAdmin + kMeetupsPlugin + kChatPlugin);
  const auto before = plugins();
  // An unknown key.
  rewrite(kUsersWithAdmin + kMeetupsPlugin + kChatPlugin, "logging: {}\n");
  auto reply = reload();
  expectProblem(reply, 422);
  EXPECT_NE(reply.body.find("unknown key 'logging'"), std::string::npos) << reply.body;
  // Users off while meetups and chat require it.
  rewrite(kMeetupsPlugin + kChatPlugin + "  - name: users\n    enabled: false\n");
  reply = reload();
  expectProblem(reply, 422);
  EXPECT_NE(reply.body.find("requires plugin 'users', which is not enabled"), std::string::npos) << reply.body;
  // A plugin's config that its schema refuses.
  rewrite(kUsersWithAdmin + kMeetupsPlugin + "  - name: chat\n    config: {rate_limits: {messages: {count: -1}}}\n");
  reply = reload();
  expectProblem(reply, 422);
  EXPECT_EQ(plugins(), before);
  EXPECT_EQ(call("GET", "/v1/channels", "", boss_.token).status, 200);
  EXPECT_EQ(call("GET", "/v1/events", "", boss_.token).status, 200);
  EXPECT_EQ(metric("mmm_config_reloads_total{result=\"refused\"}"), "3");
  EXPECT_EQ(metric("mmm_config_reloads_total{result=\"applied\"}"), "0");
  const std::string log = readFile(server_->logFile());
  EXPECT_NE(log.find("does not load, so nothing changed"), std::string::npos);
}

TEST_P(ReloadTest, ChangingTheUsersConfigRestartsEveryPluginAndSessionsCarryOn) {
  start(kUsersWithAdmin + kMeetupsPlugin + kChatPlugin);
  const auto event = create(boss_, iso(daysAhead(3)));
  rewrite(kUsersWithAdmin + "      password_min_length: 11\n" + kMeetupsPlugin + kChatPlugin);
  auto reply = reload();
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(names(json(reply), "restarted"), (std::vector<std::string>{"users", "chat", "meetups"}));
  // The new rule holds, the old session still works, and so does every plugin.
  auto tooShort = signUp(unique("short") + "@example.org", "only-10-ch", unique("short"));
  expectProblem(tooShort, 400);
  EXPECT_EQ(call("GET", "/v1/users/me", "", boss_.token).status, 200);
  EXPECT_EQ(call("GET", "/v1/events/" + str(idOf(event)), "", boss_.token).status, 200);
  EXPECT_EQ(call("GET", "/v1/channels", "", boss_.token).status, 200);
  newAccount();  // a long enough password (11 characters at least) still signs up
}

TEST_P(ReloadTest, OnlyAdminsListPluginsAndReload) {
  start(kUsersWithAdmin + kMeetupsPlugin + kChatPlugin);
  const auto someone = newAccount();
  EXPECT_EQ(call("GET", "/v1/admin/plugins").status, 401);
  expectProblem(call("GET", "/v1/admin/plugins", "", someone.token), 403);
  expectProblem(call("POST", "/v1/admin/reload", "", someone.token), 403);
  EXPECT_EQ(call("POST", "/v1/admin/reload").status, 401);
  auto listing = plugins();
  EXPECT_EQ(listing.size(), 3u);  // musicians is not configured: not listed
  for (const char* name : {"users", "meetups", "chat"}) EXPECT_EQ(listing[name].rfind("running ", 0), 0u) << name;
}

TEST_P(ReloadTest, CoreSettingsChangeLiveAndThoseNeedingARestartAreNamed) {
  start(kUsersWithAdmin + kMeetupsPlugin + kChatPlugin);
  const std::string preflight =
      "Origin: https://band.example\r\nAccess-Control-Request-Method: POST\r\n";
  EXPECT_EQ(call("OPTIONS", "/v1/events", "", "", preflight).status, 403);
  EXPECT_EQ(call("GET", "/healthz", "", "", "X-Request-Id: before-the-reload\r\n").status, 200);
  rewrite(kUsersWithAdmin + kMeetupsPlugin + kChatPlugin,
          "log: {level: warn}\ncors: {allowed_origins: ['https://band.example']}\n",
          "hub: {max_sockets_per_user: 0, max_client_frames_per_s: 0, threads: 3}\n");
  auto reply = reload();
  ASSERT_EQ(reply.status, 200) << reply.body;
  auto body = json(reply);
  EXPECT_EQ(body->getValue<std::string>("result"), "applied");
  EXPECT_TRUE(names(body, "restarted").empty());  // no plugin changed
  EXPECT_EQ(names(body, "needRestart"), std::vector<std::string>{"hub.threads"});
  auto allowed = call("OPTIONS", "/v1/events", "", "", preflight);
  EXPECT_EQ(allowed.status, 204);
  EXPECT_EQ(allowed.header("access-control-allow-origin"), "https://band.example");
  EXPECT_NE(readFile(server_->logFile()).find("reload: hub.threads changed, which takes a restart"), std::string::npos);
  // The log level is warn now: the access log (info) is quiet.
  EXPECT_EQ(call("GET", "/healthz", "", "", "X-Request-Id: after-the-reload\r\n").status, 200);
  std::this_thread::sleep_for(100ms);
  const std::string log = readFile(server_->logFile());
  EXPECT_NE(log.find("before-the-reload"), std::string::npos);
  EXPECT_EQ(log.find("after-the-reload"), std::string::npos) << "an info line after the level became warn";

  // hub.threads still runs at its started value: a later reload must still name it.
  auto again = reload();
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(names(json(again), "needRestart"), std::vector<std::string>{"hub.threads"}) << again.body;

  // The web UI, off at start, served from a folder once a reload names it.
  EXPECT_EQ(call("GET", "/").status, 404);
  const std::string web = tempDir() + "/" + unique("web");
  std::filesystem::create_directories(web);
  std::ofstream(web + "/index.html") << "<title>Band night</title>";
  rewrite(kUsersWithAdmin + kMeetupsPlugin + kChatPlugin, "web: {enabled: true, root: '" + web + "'}\n");
  ASSERT_EQ(reload().status, 200);
  auto page = call("GET", "/");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("Band night"), std::string::npos) << page.body;
  // A web root that does not exist is refused, and the one serving stays.
  rewrite(kUsersWithAdmin + kMeetupsPlugin + kChatPlugin, "web: {enabled: true, root: '" + web + "-gone'}\n");
  expectProblem(reload(), 422);
  EXPECT_EQ(call("GET", "/").status, 200);
}

// The test plugins (tests/plugins/test_plugin.cpp): a request in a plugin finishes before it
// stops; a changed config restarts it alone; a library replaced on disk is loaded afresh.
class ReloadPluginsTest : public ReloadTest {
 protected:
  std::string alpha(const std::string& config = "{}", bool enabled = true) {
    return "  - name: alpha\n    enabled: " + std::string(enabled ? "true" : "false") + "\n    library: " + library_ +
           "\n    config: " + config + "\n";
  }
  std::string gamma() { return "  - name: gamma\n    config: {trace_file: " + trace_ + "}\n"; }
  void SetUp() override {
    dir_ = tempDir() + "/reload-" + unique("plugins");
    std::filesystem::create_directories(dir_);
    library_ = dir_ + "/libmmm_alpha.so";
    trace_ = dir_ + "/trace";
    std::filesystem::copy_file(binDir() + "/libmmm_alpha.so", library_);
  }
  std::string dir_, library_, trace_;
};

TEST_P(ReloadPluginsTest, ARequestInAPluginFinishesBeforeItStopsAndItsRoutesThen404) {
  start(kUsersWithAdmin + alpha("{trace_file: " + trace_ + "}"));
  std::atomic<int> slowStatus{0};
  // /alpha/alive answers 503 if alpha stops while the request is in it.
  std::thread slow([&] { slowStatus = call("GET", "/alpha/alive?ms=1000").status; });
  std::this_thread::sleep_for(300ms);  // it is in the handler
  rewrite(kUsersWithAdmin + alpha("{trace_file: " + trace_ + "}", false));
  HttpReply reply;
  std::thread reloading([&] { reply = reload(); });
  std::this_thread::sleep_for(200ms);  // the reload waits for the request in alpha…
  const auto before = std::chrono::steady_clock::now();
  EXPECT_EQ(call("GET", "/healthz").status, 200);  // …while the core's routes answer at once
  EXPECT_LT(std::chrono::steady_clock::now() - before, 400ms);
  reloading.join();
  slow.join();
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(slowStatus.load(), 200) << "the plugin stopped before the request in it finished";
  EXPECT_EQ(readFile(trace_), "start alpha\nstop alpha\n");
  expectProblem(call("GET", "/alpha/items/1"), 404);
  EXPECT_EQ(plugins()["alpha"], "disabled");
}

TEST_P(ReloadPluginsTest, APluginWhoseConfigChangedRestartsAloneWhenNobodyUsesIt) {
  start(kUsersWithAdmin + alpha("{trace_file: " + trace_ + "}") + gamma());
  rewrite(kUsersWithAdmin + alpha("{trace_file: " + trace_ + ", use_store: true}") + gamma());
  auto reply = reload();
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(names(json(reply), "restarted"), std::vector<std::string>{"alpha"});
  EXPECT_EQ(readFile(trace_), "start alpha\nstart gamma\nstop alpha\nstart alpha\n");
  // The new config is the one running: the store routes are there now.
  EXPECT_NE(call("POST", "/alpha/db/items", R"({"name":"x"})").status, 404);
}

TEST_P(ReloadPluginsTest, RestartsUnderLoadNeverStopAPluginUnderARequest) {
  start(kUsersWithAdmin + alpha());
  Load load(6, [&] { return call("GET", "/alpha/alive?ms=20").status; });
  for (int i = 0; i < 6; ++i) {
    std::this_thread::sleep_for(100ms);
    rewrite(kUsersWithAdmin + alpha(i % 2 ? "{}" : "{use_store: true}"));  // a config change: alpha restarts
    auto reply = reload();
    EXPECT_EQ(reply.status, 200) << reply.body;
    if (reply.status == 200) {
      EXPECT_EQ(names(json(reply), "restarted"), std::vector<std::string>{"alpha"});
    }
  }
  std::this_thread::sleep_for(100ms);
  load.stop();
  EXPECT_GT(load.ok.load(), 50);
  EXPECT_EQ(load.failed.load(), 0);
}

TEST_P(ReloadPluginsTest, AReplacedLibraryIsLoadedAfreshWhenItsPluginIsEnabledAgain) {
  start(kUsersWithAdmin + alpha());
  EXPECT_EQ(plugins()["alpha"], "running 0.0.1");
  rewrite(kUsersWithAdmin + alpha("{}", false));
  ASSERT_EQ(reload().status, 200);
  // A new build, put in place as installers do (a new file renamed over the old one).
  std::filesystem::copy_file(binDir() + "/libmmm_alpha_v2.so", library_ + ".new");
  std::filesystem::rename(library_ + ".new", library_);
  rewrite(kUsersWithAdmin + alpha());
  auto reply = reload();
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(plugins()["alpha"], "running 0.0.2");
  EXPECT_EQ(call("GET", "/alpha/items/7").status, 200);
}

// Review: a library refused on a reload (built with another SDK), then fixed and renamed
// over the same path, must load on the next reload.
TEST_P(ReloadPluginsTest, ARefusedLibraryFixedInPlaceLoadsOnTheNextReload) {
  std::filesystem::remove(library_);
  std::filesystem::copy_file(binDir() + "/libmmm_bad_key.so", library_);
  start(kUsersWithAdmin + alpha("{}", false));
  rewrite(kUsersWithAdmin + alpha());
  auto refused = reload();
  expectProblem(refused, 422);
  EXPECT_NE(refused.body.find("rebuild the plugin"), std::string::npos) << refused.body;
  std::filesystem::copy_file(binDir() + "/libmmm_alpha.so", library_ + ".new");
  std::filesystem::rename(library_ + ".new", library_);
  auto reply = reload();
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(plugins()["alpha"], "running 0.0.1");
}

INSTANTIATE_TEST_SUITE_P(Backends, ReloadPluginsTest, ::testing::Values(Backends::SQLiteMemory), backendsName);

// SIGHUP while a thousand WebSockets are open and clients keep requesting routes of the
// plugins being restarted: no socket drops, no request fails.
TEST_P(ReloadTest, SighupWhileAThousandWebSocketsAndALoadRunDropsNothing) {
  if (GetParam() != Backends::SQLiteMemory) GTEST_SKIP() << "once is enough";
  start(kUsersWithAdmin + kMeetupsPlugin + kChatPlugin);
  create(boss_, iso(daysAhead(2)));
  std::vector<std::unique_ptr<WsClient>> sockets;
  for (int i = 0; i < 1000; ++i) {
    sockets.push_back(std::make_unique<WsClient>(port_, "/v1/ws?auth=Bearer%20" + boss_.token));
    ASSERT_EQ(sockets.back()->status(), 101) << sockets.back()->head();
  }
  std::atomic<int> turn{0};
  Load load(4, [&] {
    const std::string path = turn++ % 2 ? "/v1/events?limit=5" : "/v1/users/me";
    return call("GET", path, "", boss_.token).status;
  });
  auto hangUp = [&](const std::string& plugins, int applied) {
    rewrite(plugins);
    ASSERT_EQ(::kill(server_->pid(), SIGHUP), 0);
    for (int i = 0; i < 200 && metric("mmm_config_reloads_total{result=\"applied\"}") != std::to_string(applied); ++i)
      std::this_thread::sleep_for(50ms);
    EXPECT_EQ(metric("mmm_config_reloads_total{result=\"applied\"}"), std::to_string(applied));
  };
  std::this_thread::sleep_for(300ms);
  hangUp(kUsersWithAdmin + kMeetupsPlugin + kChatOff, 1);  // meetups restarts without chat
  std::this_thread::sleep_for(300ms);
  hangUp(kUsersWithAdmin + kMeetupsPlugin + kChatPlugin, 2);  // and again with it
  std::this_thread::sleep_for(300ms);
  load.stop();
  EXPECT_GT(load.ok.load(), 100);
  EXPECT_EQ(load.failed.load(), 0);
  EXPECT_EQ(metric("mmm_ws_connections"), "1000");
  // Every socket is open and answered: a ping each, a pong each. A push may come first (the
  // event's channel-new reaches the sockets opened before the bus delivered it): it is read
  // past, and anything else before the pong (a close, the end of the stream, 5 s of silence)
  // is not one.
  for (auto& s : sockets) s->send(mmm::core::ws::Ping, "still");
  int pongs = 0;
  for (auto& s : sockets) {
    auto message = s->next(5s);
    while (message && message->opcode == mmm::core::ws::Text) message = s->next(5s);
    if (message && message->opcode == mmm::core::ws::Pong) ++pongs;
  }
  EXPECT_EQ(pongs, 1000);
}

INSTANTIATE_TEST_SUITE_P(Backends, ReloadTest, ::testing::Values(Backends::SQLiteMemory, Backends::MariaDBRedis),
                         backendsName);

}  // namespace
