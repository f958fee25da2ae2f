// Static files through a real server: traversal attempts as raw bytes on the wire.
#include "test_http.hpp"

#include <mmm/error.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using namespace mmm::test;

namespace {

class StaticHttpTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char pattern[] = "/tmp/mmm-web-XXXXXX";
    base = ::mkdtemp(pattern);
    fs::create_directories(base / "web/css");
    std::ofstream(base / "web/index.html") << "<h1>hi</h1>";
    std::ofstream(base / "web/css/site.css") << "body{}";
    std::ofstream(base / "secret.txt") << "top secret";
    server = startServerWith("web: {root: '" + (base / "web").string() + "'}\n").release();
    port = server->port();
  }
  static std::unique_ptr<mmm::Server> startServerWith(const std::string& yaml) {
    auto s = mmm::Server::fromYaml("server: {listen: '127.0.0.1:0'}\nlog: {level: 'off'}\nstore: {url: '" + tempSqliteUrl() + "'}\n" + yaml, "t.yaml");
    s->start();
    return s;
  }
  static void TearDownTestSuite() {
    delete server;
    fs::remove_all(base);
  }
  static inline fs::path base;
  static inline mmm::Server* server = nullptr;
  static inline std::uint16_t port = 0;
};

}  // namespace

TEST_F(StaticHttpTest, ServesIndexAndAssets) {
  auto index = request(port, "GET", "/");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.body, "<h1>hi</h1>");
  EXPECT_EQ(index.header("content-type"), "text/html; charset=utf-8");
  // The UI's protective headers: no inline script, no framing, no sniffing, no referrer
  // beyond this site.
  const auto csp = index.header("content-security-policy");
  EXPECT_NE(csp.find("script-src 'self';"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << csp;
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << csp;
  EXPECT_EQ(index.header("x-content-type-options"), "nosniff");
  EXPECT_EQ(index.header("referrer-policy"), "same-origin");
  EXPECT_EQ(index.header("x-frame-options"), "DENY");
  auto css = request(port, "GET", "/css/site.css");
  EXPECT_EQ(css.status, 200);
  EXPECT_EQ(css.header("content-type"), "text/css; charset=utf-8");
  EXPECT_EQ(css.header("cache-control"), "no-cache");  // revalidated: a 304 below
  EXPECT_FALSE(css.header("etag").empty());
  EXPECT_EQ(request(port, "GET", "/css/site.css", "If-None-Match: " + css.header("etag") + "\r\n").status, 304);
  EXPECT_EQ(request(port, "GET", "/missing.js").status, 404);
}

TEST_F(StaticHttpTest, TraversalNeverLeavesTheRoot) {
  const std::string root = (base / "web").string();
  for (const std::string& target : std::vector<std::string>{"/../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E/secret.txt", "/%2e%2e%2fsecret.txt",
        "/css/..%2f..%2fsecret.txt", "/..%5csecret.txt", "//../secret.txt", "/css/../../secret.txt",
        "http://127.0.0.1/../secret.txt", std::string("/") + (base / "secret.txt").string(),
        "/%252e%252e/secret.txt", "/..;/secret.txt", "/.%2e/secret.txt"}) {
    auto reply = request(port, "GET", target);
    EXPECT_TRUE(reply.status == 404 || reply.status == 400) << target << " -> " << reply.status;
    EXPECT_EQ(reply.body.find("top secret"), std::string::npos) << target;
  }
}

TEST_F(StaticHttpTest, ADirectoryRedirectStaysOnThisHost) {
  for (const std::string target : {"//css", "///css", "/%2Fcss"}) {
    auto reply = request(port, "GET", target);
    if (reply.status != 301) continue;  // refusing is fine too
    EXPECT_NE(reply.header("location").rfind("//", 0), 0u) << target << " -> " << reply.header("location");
  }
  EXPECT_EQ(request(port, "GET", "/css").header("location"), "/css/");
}

TEST_F(StaticHttpTest, AWebRootHoldingTheStoreIsRefusedAtStart) {
  // web.root "." with the store in ./data served the database (emails, password hashes).
  const std::string root = base.string();
  try {
    auto s = mmm::Server::fromYaml("server: {listen: '127.0.0.1:0'}\nlog: {level: 'off'}\n"
                                   "store: {url: 'sqlite:" + root + "/data/mmm.db'}\n"
                                   "web: {root: '" + root + "'}\n", "t.yaml");
    s->start();
    ADD_FAILURE() << "started with the store under the web root";
  } catch (const mmm::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("contains the SQLite store's folder"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(base / "data")) << "the refused start created the store";
  // The store beside the web root, not in it, is fine.
  auto beside = startServerWith("web: {root: '" + (base / "web").string() + "'}\n");
  EXPECT_EQ(request(beside->port(), "GET", "/").status, 200);
}

TEST_F(StaticHttpTest, DotFilesAndFoldersAreNeverServed) {
  fs::create_directories(base / "web/.git");
  std::ofstream(base / "web/.git/config") << "[remote]";
  std::ofstream(base / "web/.env") << "KEY=secret";
  for (const std::string target : {"/.git/config", "/.env", "/%2egit/config", "/css/../.env"}) {
    auto reply = request(port, "GET", target);
    EXPECT_TRUE(reply.status == 404 || reply.status == 400) << target << " -> " << reply.status;
  }
}
