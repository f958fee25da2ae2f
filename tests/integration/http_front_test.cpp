// The event-loop HTTP front against a real server on port 0: smuggling attempts never run a
// hidden request, early answers pass the outer middleware, idle and slow clients cost no
// thread, a full worker queue answers 503 at once, pipelining and 100-continue work.
#include "test_http.hpp"

#include <gtest/gtest.h>

#include <sched.h>

#include <Poco/Net/NetException.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

using namespace mmm::test;
using namespace std::chrono_literals;

namespace {

int countOf(const std::string& haystack, const std::string& needle) {
  int n = 0;
  for (auto at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++n;
  return n;
}

class HttpFrontTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server = mmm::Server::fromYaml(
                 "server: {listen: '127.0.0.1:0', threads: 2, queue: 2, header_timeout_s: 1, "
                 "keep_alive_timeout_s: 30, max_body_bytes: 1000, shutdown_timeout_s: 5}\n"
                 "log: {level: warn}\nweb: {enabled: false}\n"
                 "store: {url: '" + tempSqliteUrl() + "'}\n"
                 "cors: {allowed_origins: ['https://app.example']}\n"
                 "plugins: [{name: alpha}]\n",
                 "http_front_test.yaml")
                 .release();
    server->start();
    port = server->port();
  }
  static void TearDownTestSuite() {
    delete server;
    server = nullptr;
  }
  static inline mmm::Server* server = nullptr;
  static inline std::uint16_t port = 0;
};

// A second request hidden in a body must never run: /alpha/throw would log a 500.
const std::string kHidden = "GET /alpha/items/666 HTTP/1.1\r\nHost: a\r\n\r\n";

}  // namespace

TEST_F(HttpFrontTest, DifferingContentLengthsNeverRunAHiddenRequest) {
  const std::string body = "{}" + kHidden;
  auto reply = sendRawBytes(port, "POST /alpha/echo HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
                              "Content-Length: 2\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  EXPECT_EQ(reply.rfind("HTTP/1.1 400 ", 0), 0u) << reply;
  EXPECT_EQ(countOf(reply, "HTTP/1.1 "), 1) << reply;
  EXPECT_EQ(reply.find("666"), std::string::npos) << reply;
}

TEST_F(HttpFrontTest, ObfuscatedOrStackedCodingsNeverRunAHiddenRequest) {
  for (const std::string coding : {"Transfer-Encoding\t: chunked\r\n",
                                   "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n",
                                   "Transfer-Encoding: chunked, identity\r\n"}) {
    auto reply = sendRawBytes(port, "POST /alpha/echo HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n" +
                                    coding + "Content-Length: 7\r\n\r\n0\r\n\r\n" + kHidden);
    EXPECT_EQ(reply.rfind("HTTP/1.1 400 ", 0), 0u) << coding << reply;
    EXPECT_EQ(countOf(reply, "HTTP/1.1 "), 1) << coding << reply;
  }
}

TEST_F(HttpFrontTest, StrictFramingRulesOnTheWire) {
  EXPECT_EQ(sendRawBytes(port, "GET /healthz HTTP/9.9\r\nHost: a\r\n\r\n").rfind("HTTP/1.1 505 ", 0), 0u);
  EXPECT_EQ(sendRawBytes(port, "GET /healthz HTTP/1.1\r\n\r\n").rfind("HTTP/1.1 400 ", 0), 0u);
  EXPECT_EQ(sendRawBytes(port, "GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n").rfind("HTTP/1.1 400 ", 0), 0u);
  EXPECT_EQ(sendRawBytes(port, "POST /alpha/echo HTTP/1.1\r\nHost: a\r\nContent-Length: +2\r\n\r\n{}").rfind("HTTP/1.1 400 ", 0),
            0u);
  EXPECT_EQ(sendRawBytes(port, "POST /alpha/echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                           "10000000000000002\r\n{}\r\n0\r\n\r\n")
                .rfind("HTTP/1.1 400 ", 0),
            0u);
  auto big = sendRawBytes(port, "GET /healthz HTTP/1.1\r\nHost: a\r\nX-Big: " + std::string(20000, 'x') + "\r\n\r\n");
  EXPECT_EQ(big.rfind("HTTP/1.1 431 ", 0), 0u) << big.substr(0, 200);
  // HTTP/1.0 is still served, and closed after the answer.
  auto old = sendRawBytes(port, "GET /healthz HTTP/1.0\r\n\r\n");
  EXPECT_EQ(old.rfind("HTTP/1.0 200 ", 0), 0u) << old;
}

TEST_F(HttpFrontTest, EarlyAnswersCarryTheRequestIdCorsAndAMetric) {
  auto reply = sendRaw(port, "GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\nOrigin: https://app.example\r\n\r\n");
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.header("x-request-id").size(), 16u);
  EXPECT_EQ(reply.header("content-type"), "application/problem+json");
  EXPECT_EQ(reply.header("access-control-allow-origin"), "https://app.example");
  auto metrics = request(port, "GET", "/metrics").body;
  EXPECT_NE(metrics.find("route=\"unmatched\",method=\"GET\",status=\"400\"} "), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("mmm_http_parse_errors_total "), std::string::npos);
  EXPECT_NE(metrics.find("\nmmm_http_workers 2\n"), std::string::npos) << metrics;  // server.threads
  EXPECT_NE(metrics.find("\nmmm_http_worker_wakes_total "), std::string::npos) << metrics;
  // A request that finds both workers asleep wakes one. Right after the start a worker may
  // not have gone to sleep yet and take the request unwoken (a loaded machine did so), so
  // ask again, with pauses for the workers to fall asleep, for 2 s at most.
  for (int i = 0; i < 100 && metrics.find("\nmmm_http_worker_wakes_total 0\n") != std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    metrics = request(port, "GET", "/metrics").body;
  }
  EXPECT_EQ(metrics.find("\nmmm_http_worker_wakes_total 0\n"), std::string::npos) << metrics;
  // server.active_workers defaults to the CPUs and one, but never more than the workers.
  EXPECT_NE(metrics.find("\nmmm_http_active_workers 2\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("\nmmm_http_worker_stalls_total "), std::string::npos) << metrics;
}

TEST_F(HttpFrontTest, TheCoresThreadsAreNamedAndCountedAsConfigured) {
  std::map<std::string, int> names;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    std::getline(comm, name);
    names[name]++;
    // The loops are batch threads (a request or an answer does not preempt a handler).
    if (name == "mmm-http") {
      EXPECT_EQ(sched_getscheduler(std::stoi(task.path().filename().string())), SCHED_BATCH) << task.path();
    }
  }
  EXPECT_EQ(names["mmm-http"], 2) << "server.io_threads' default";
  EXPECT_EQ(names["mmm-worker"], 2) << "server.threads";
  EXPECT_EQ(names["mmm-hub"], 2) << "hub.threads' default";
}

TEST_F(HttpFrontTest, PipelinedRequestsAreAnsweredInOrder) {
  std::string raw;
  for (int i = 1; i <= 3; ++i) raw += "GET /alpha/items/" + std::to_string(i) + " HTTP/1.1\r\nHost: a\r\n\r\n";
  raw += "GET /alpha/items/4 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
  auto reply = sendRawBytes(port, raw);
  EXPECT_EQ(countOf(reply, "HTTP/1.1 200 "), 4) << reply;
  std::size_t at = 0;
  for (int i = 1; i <= 4; ++i) {
    auto next = reply.find("\"id\":\"" + std::to_string(i) + "\"", at);
    ASSERT_NE(next, std::string::npos) << i << reply;
    at = next;
  }
}

TEST_F(HttpFrontTest, WhatArrivesWhileAWorkerHasTheRequestIsKeptAndAnsweredInOrder) {
  // The front reads on while a worker has a request, up to 256 KB; these 80 requests of
  // 4 KB each go past that, so it must also stop reading and take up again.
  Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", port));
  socket.setReceiveTimeout(Poco::Timespan(10, 0));
  const std::string slow = "GET /alpha/slow?ms=400 HTTP/1.1\r\nHost: a\r\n\r\n";
  socket.sendBytes(slow.data(), static_cast<int>(slow.size()));
  std::this_thread::sleep_for(100ms);  // the worker has it now
  std::string more;
  for (int i = 1; i <= 80; ++i)
    more += "GET /alpha/items/" + std::to_string(i) + " HTTP/1.1\r\nHost: a\r\nX-Pad: " + std::string(4000, 'p') +
            (i == 80 ? "\r\nConnection: close" : "") + "\r\n\r\n";
  for (std::size_t sent = 0; sent < more.size();)
    sent += static_cast<std::size_t>(socket.sendBytes(more.data() + sent, static_cast<int>(more.size() - sent)));
  std::string reply;
  char buffer[8192];
  for (int n; (n = socket.receiveBytes(buffer, sizeof buffer)) > 0;) reply.append(buffer, static_cast<std::size_t>(n));
  EXPECT_EQ(countOf(reply, "HTTP/1.1 200 "), 81) << reply.substr(0, 500);
  std::size_t at = reply.find("\r\n\r\ndone");
  ASSERT_NE(at, std::string::npos) << reply.substr(0, 500);  // the slow one first
  for (int i = 1; i <= 80; ++i) {
    auto next = reply.find("\"id\":\"" + std::to_string(i) + "\"", at);
    ASSERT_NE(next, std::string::npos) << i;
    at = next;
  }
}

// Once the loop has closed a client's socket (here reset while its request ran), the number
// may be another client's, which must never receive the first one's answer (the loop checks
// each answer's connection serial; a worker writing answers itself would need the same
// fence). The new clients take the freed numbers (the lowest), and keep their connections
// open past the moment the slow handler answers.
TEST_F(HttpFrontTest, AnAnswerNeverReachesTheClientThatGotTheLeaversSocketNumber) {
  Poco::Net::StreamSocket leaver(Poco::Net::SocketAddress("127.0.0.1", port));
  const std::string slow = "GET /alpha/slow?ms=600 HTTP/1.1\r\nHost: a\r\n\r\n";
  leaver.sendBytes(slow.data(), static_cast<int>(slow.size()));
  std::this_thread::sleep_for(150ms);  // a worker has it now
  leaver.setLinger(true, 0);
  leaver.close();  // a reset: the loop closes the socket at once
  std::this_thread::sleep_for(100ms);
  std::vector<Poco::Net::StreamSocket> others;
  for (int i = 1; i <= 4; ++i) {
    auto& socket = others.emplace_back(Poco::Net::SocketAddress("127.0.0.1", port));
    socket.setReceiveTimeout(Poco::Timespan(5, 0));
    const std::string get = "GET /alpha/items/" + std::to_string(i) + " HTTP/1.1\r\nHost: a\r\n\r\n";
    socket.sendBytes(get.data(), static_cast<int>(get.size()));
    std::string reply;
    char buffer[4096];
    while (reply.find("\"id\":\"" + std::to_string(i) + "\"") == std::string::npos) {
      const int n = socket.receiveBytes(buffer, sizeof buffer);
      ASSERT_GT(n, 0) << "client " << i << " got: " << reply;
      reply.append(buffer, static_cast<std::size_t>(n));
    }
    EXPECT_EQ(countOf(reply, "HTTP/1.1 "), 1) << reply;
  }
  std::this_thread::sleep_for(800ms);  // the slow handler has answered by now
  for (std::size_t i = 0; i < others.size(); ++i) {
    others[i].setReceiveTimeout(Poco::Timespan(0, 200000));
    char buffer[4096];
    int n = 0;
    try {
      n = others[i].receiveBytes(buffer, sizeof buffer);
    } catch (const Poco::TimeoutException&) {
      continue;  // nothing more: right
    }
    ADD_FAILURE() << "client " << i + 1 << " received more: " << std::string(buffer, static_cast<std::size_t>(std::max(n, 0)));
  }
}

TEST_F(HttpFrontTest, ARefusedUpgradeClosesTheConnectionAndWhatFollowsIsNeverRun) {
  // A proxy that took this for a successful upgrade would tunnel what follows unchecked.
  auto reply = sendRawBytes(port,
                            "GET /v1/ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 12\r\n\r\n" +
                                kHidden);
  EXPECT_EQ(reply.rfind("HTTP/1.1 426 ", 0), 0u) << reply;
  EXPECT_NE(reply.find("Connection: close\r\n"), std::string::npos) << reply;
  EXPECT_EQ(countOf(reply, "HTTP/1.1 "), 1) << reply;
  // Any Upgrade header counts (h2c too), whatever the route answers.
  auto h2c = sendRawBytes(port, "GET /alpha/items/1 HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings\r\n"
                                "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n" + kHidden);
  EXPECT_EQ(h2c.rfind("HTTP/1.1 200 ", 0), 0u) << h2c;
  EXPECT_EQ(countOf(h2c, "HTTP/1.1 "), 1) << h2c;
  // Without an Upgrade header the connection stays open for the next request.
  EXPECT_EQ(countOf(sendRawBytes(port, "GET /alpha/items/1 HTTP/1.1\r\nHost: a\r\n\r\n" +
                                           std::string("GET /alpha/items/2 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")),
                    "HTTP/1.1 200 "),
            2);
}

TEST_F(HttpFrontTest, ExpectContinueGetsA100ThenTheAnswer) {
  Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", port));
  socket.setReceiveTimeout(Poco::Timespan(5, 0));
  const std::string head = "POST /alpha/echo HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
                           "Expect: 100-continue\r\nContent-Length: 7\r\nConnection: close\r\n\r\n";
  socket.sendBytes(head.data(), static_cast<int>(head.size()));
  char buffer[256];
  const int n = socket.receiveBytes(buffer, sizeof buffer);
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(buffer, static_cast<std::size_t>(n)), "HTTP/1.1 100 Continue\r\n\r\n");
  socket.sendBytes("{\"a\":1}", 7);
  std::string rest;
  for (int got; (got = socket.receiveBytes(buffer, sizeof buffer)) > 0;) rest.append(buffer, static_cast<std::size_t>(got));
  EXPECT_EQ(rest.rfind("HTTP/1.1 200 ", 0), 0u) << rest;
  EXPECT_NE(rest.find("{\"a\":1}"), std::string::npos);
}

TEST_F(HttpFrontTest, IdleConnectionsHoldNoThreadSoOthersAreServed) {
  // Far more idle connections than worker threads (2): the Poco front stalled on these.
  std::vector<std::unique_ptr<Poco::Net::StreamSocket>> idle;
  for (int i = 0; i < 300; ++i)
    idle.push_back(std::make_unique<Poco::Net::StreamSocket>(Poco::Net::SocketAddress("127.0.0.1", port)));
  // Half of them also began a request and stopped.
  for (std::size_t i = 0; i < idle.size(); i += 2) idle[i]->sendBytes("GET /healthz HTTP/1.1\r\nHo", 26);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(request(port, "GET", "/healthz").status, 200);
}

TEST_F(HttpFrontTest, AHeaderNotCompleteWithinTheTimeoutIs408AndClosed) {
  // One byte every 300 ms: each read is prompt, the header as a whole is not (limit 1 s).
  Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", port));
  socket.setReceiveTimeout(Poco::Timespan(0, 100000));
  const std::string slow = "GET /healthz HTTP/1.1\r\nHost: a\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
  std::string answer;
  const auto begin = std::chrono::steady_clock::now();
  char buffer[1024];
  for (std::size_t i = 0; i < slow.size() && std::chrono::steady_clock::now() - begin < 8s; ++i) {
    try {
      socket.sendBytes(&slow[i], 1);
    } catch (const Poco::Exception&) {
      break;  // closed by the server
    }
    std::this_thread::sleep_for(200ms);
    try {
      const int n = socket.receiveBytes(buffer, sizeof buffer);
      if (n <= 0) break;
      answer.append(buffer, static_cast<std::size_t>(n));
    } catch (const Poco::TimeoutException&) {
    } catch (const Poco::Exception&) {
      break;
    }
  }
  EXPECT_EQ(answer.rfind("HTTP/1.1 408 ", 0), 0u) << answer;
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 8s);  // cut off, not served to the end
}

TEST_F(HttpFrontTest, AFullWorkerQueueIsAnswered503AtOnce) {
  // 2 workers and 2 queued: of 8 slow requests at once, some must be turned away.
  std::atomic<int> ok{0}, busy{0}, retryAfter{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < 8; ++i)
    clients.emplace_back([&] {
      auto reply = request(port, "GET", "/alpha/slow?ms=1500");
      if (reply.status == 200) ok++;
      if (reply.status == 503) {
        busy++;
        if (reply.header("retry-after") == "1") retryAfter++;
      }
    });
  for (auto& client : clients) client.join();
  EXPECT_GE(ok.load(), 2);
  EXPECT_GE(busy.load(), 1);
  EXPECT_EQ(retryAfter.load(), busy.load());
  EXPECT_EQ(ok.load() + busy.load(), 8);
  EXPECT_EQ(request(port, "GET", "/healthz").status, 200);
}

TEST(HttpShutdown, RequestsStillQueuedAtTheTimeoutAreDroppedNotRunAfterIt) {
  // One worker, one request running and five queued, each 2 s: at the 1 s timeout the queued
  // ones are dropped (answered 503, their connections closed), so stopping waits for the
  // running one only, not for 5 × 2 s more of handlers whose answers would go nowhere.
  auto server = mmm::Server::fromYaml("server: {listen: '127.0.0.1:0', threads: 1, queue: 16, shutdown_timeout_s: 1}\n"
                                      "log: {level: error}\nweb: {enabled: false}\n"
                                      "store: {url: '" + tempSqliteUrl() + "'}\nplugins: [{name: alpha}]\n",
                                      "shutdown.yaml");
  server->start();
  const auto port = server->port();
  std::vector<std::thread> clients;
  std::atomic<int> refused{0};
  for (int i = 0; i < 6; ++i)
    clients.emplace_back([port, &refused] {
      try {
        const auto reply = request(port, "GET", "/alpha/slow?ms=2000");
        if (reply.status == 503 && reply.header("connection") == "close" &&
            reply.body.find("the request was not run") != std::string::npos)
          ++refused;
      } catch (const std::exception&) {
        // the running one: its answer comes after the loops have closed every connection
      }
    });
  std::this_thread::sleep_for(500ms);  // one runs, five wait
  const auto begin = std::chrono::steady_clock::now();
  server->stop();
  const auto took = std::chrono::steady_clock::now() - begin;
  for (auto& client : clients) client.join();
  EXPECT_LT(took, 6s) << "ran the queued handlers after the timeout (that takes 11 s or more)";
  EXPECT_EQ(refused.load(), 5) << "each request dropped unrun is answered 503 before its connection closes";
}

TEST(HttpCors, AWildcardNeverSendsCredentials) {
  auto server = startServer("cors: {allowed_origins: ['*', 'https://trusted.example']}\nplugins: [{name: alpha}]\n");
  auto any = request(server->port(), "GET", "/alpha/items/1", "Origin: https://evil.example\r\n");
  EXPECT_EQ(any.header("access-control-allow-origin"), "*");
  EXPECT_FALSE(any.has("access-control-allow-credentials"));
  auto listed = request(server->port(), "GET", "/alpha/items/1", "Origin: https://trusted.example\r\n");
  EXPECT_EQ(listed.header("access-control-allow-origin"), "https://trusted.example");
  EXPECT_EQ(listed.header("access-control-allow-credentials"), "true");
}
