// W3C Trace Context end to end: traceparent in, traceresponse out, one Span per request to
// the embedder's sink, and the trace id in the log lines a request causes (a plugin's too).
#include "server_process.hpp"
#include "test_http.hpp"

#include <mmm/server.hpp>

#include <gtest/gtest.h>

#include <mutex>
#include <regex>

using namespace mmm::test;

namespace {

const std::string kTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
const std::string kParent = "00f067aa0ba902b7";
const std::regex kTraceResponse("00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})");

struct Ids {
  std::string trace, span, flags;
};

// The traceresponse's fields; empty ones when it is missing or malformed.
Ids traceResponse(const HttpReply& reply) {
  std::smatch match;
  const std::string value = reply.header("traceresponse");
  if (!std::regex_match(value, match, kTraceResponse)) return {};
  if (match[1] == std::string(32, '0') || match[2] == std::string(16, '0')) return {};
  return {match[1], match[2], match[3]};
}

std::string traceparent(const std::string& value) { return "traceparent: " + value + "\r\n"; }

class TracingTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server = mmm::Server::fromYaml(
                 "server: {listen: '127.0.0.1:0', threads: 4}\n"
                 "log: {level: 'off'}\n"
                 "web: {enabled: false}\n"
                 "store: {url: '" + tempSqliteUrl() + "'}\n"
                 "plugins: [{name: alpha}]\n",
                 "tracing_test.yaml")
                 .release();
    server->onSpan([](const mmm::Span& span) {
      if (span.requestId == "sink-throws") throw std::runtime_error("exporter down");
      std::lock_guard<std::mutex> lock(mutex);
      spans.push_back(span);
    });
    server->start();
    port = server->port();
  }
  static void TearDownTestSuite() {
    delete server;
    server = nullptr;
  }
  // The spans of the request with this X-Request-Id.
  static std::vector<mmm::Span> spansOf(const std::string& requestId) {
    std::lock_guard<std::mutex> lock(mutex);
    std::vector<mmm::Span> found;
    for (const auto& span : spans)
      if (span.requestId == requestId) found.push_back(span);
    return found;
  }
  static inline mmm::Server* server = nullptr;
  static inline std::uint16_t port = 0;
  static inline std::mutex mutex;
  static inline std::vector<mmm::Span> spans;
};

}  // namespace

TEST_F(TracingTest, ACallersTraceIsContinuedInANewSpan) {
  auto reply = request(port, "GET", "/alpha/items/7", traceparent("00-" + kTrace + "-" + kParent + "-01"));
  ASSERT_EQ(reply.status, 200);
  const auto ids = traceResponse(reply);
  EXPECT_EQ(ids.trace, kTrace) << reply.header("traceresponse");
  EXPECT_FALSE(ids.span.empty());
  EXPECT_NE(ids.span, kParent) << "the server's span is its own, not the caller's";
  EXPECT_EQ(ids.flags, "01");
  EXPECT_FALSE(reply.has("traceparent")) << "a response carries traceresponse, not traceparent";
  // Another request in the same trace gets another span.
  auto again = request(port, "GET", "/alpha/items/7", traceparent("00-" + kTrace + "-" + kParent + "-00"));
  EXPECT_EQ(traceResponse(again).trace, kTrace);
  EXPECT_NE(traceResponse(again).span, ids.span);
  EXPECT_EQ(traceResponse(again).flags, "00");
}

TEST_F(TracingTest, WithoutAValidTraceparentATraceBegins) {
  auto none = request(port, "GET", "/alpha/items/7");
  const auto first = traceResponse(none);
  ASSERT_FALSE(first.trace.empty()) << none.header("traceresponse");
  EXPECT_EQ(first.flags, "00");
  auto second = traceResponse(request(port, "GET", "/alpha/items/7"));
  EXPECT_NE(second.trace, first.trace) << "each request without a trace starts its own";
  // Invalid ones are ignored, not echoed: uppercase, all-zero, version ff, two headers.
  for (const std::string& headers :
       {traceparent("00-" + std::string("4BF92F3577B34DA6A3CE929D0E0E4736") + "-" + kParent + "-01"),
        traceparent("00-" + std::string(32, '0') + "-" + kParent + "-01"),
        traceparent("ff-" + kTrace + "-" + kParent + "-01"),
        traceparent("00-" + kTrace + "-" + kParent + "-01") + traceparent("00-" + kTrace + "-" + kParent + "-01")}) {
    auto reply = request(port, "GET", "/alpha/items/7", headers);
    EXPECT_EQ(reply.status, 200);
    const auto ids = traceResponse(reply);
    EXPECT_FALSE(ids.trace.empty()) << headers;
    EXPECT_NE(ids.trace, kTrace) << headers;
    EXPECT_NE(ids.trace, "4bf92f3577b34da6a3ce929d0e0e4736") << headers;
  }
  auto metrics = request(port, "GET", "/metrics");
  EXPECT_NE(metrics.body.find("mmm_trace_invalid_traceparent_total "), std::string::npos);
  EXPECT_EQ(metrics.body.find("mmm_trace_invalid_traceparent_total 0\n"), std::string::npos);
}

TEST_F(TracingTest, TheSinkGetsOneSpanPerRequestNamedByItsRoute) {
  auto reply = request(port, "GET", "/alpha/items/secret-42",
                       "X-Request-Id: span-check\r\n" + traceparent("00-" + kTrace + "-" + kParent + "-01"));
  ASSERT_EQ(reply.status, 200);
  auto spans = spansOf("span-check");
  ASSERT_EQ(spans.size(), 1u);
  const auto& span = spans[0];
  EXPECT_EQ(span.name, "GET /alpha/items/{id}") << "the route pattern, never the raw path";
  EXPECT_EQ(span.traceId, kTrace);
  EXPECT_EQ(span.parentSpanId, kParent);
  EXPECT_EQ(span.spanId, traceResponse(reply).span);
  EXPECT_EQ(span.flags, 0x01);
  EXPECT_EQ(span.status, 200);
  EXPECT_GT(span.duration.count(), 0);
  const auto age = std::chrono::system_clock::now() - span.start;
  EXPECT_TRUE(age >= std::chrono::seconds(0) && age < std::chrono::seconds(30));

  // A failing one, a path no route has, and an early answer (the front's 400) have spans too.
  request(port, "GET", "/alpha/throw", "X-Request-Id: span-500\r\n");
  ASSERT_EQ(spansOf("span-500").size(), 1u);
  EXPECT_EQ(spansOf("span-500")[0].name, "GET /alpha/throw");
  EXPECT_EQ(spansOf("span-500")[0].status, 500);
  EXPECT_TRUE(spansOf("span-500")[0].parentSpanId.empty());
  request(port, "GET", "/no/such/thing", "X-Request-Id: span-404\r\n");
  ASSERT_EQ(spansOf("span-404").size(), 1u);
  EXPECT_EQ(spansOf("span-404")[0].name, "GET");
  auto early = request(port, "GET", "/alpha/items/%zz", "X-Request-Id: span-400\r\n" + traceparent("00-" + kTrace + "-" + kParent + "-01"));
  EXPECT_EQ(early.status, 400);
  EXPECT_EQ(traceResponse(early).trace, kTrace);
  ASSERT_EQ(spansOf("span-400").size(), 1u);
  EXPECT_EQ(spansOf("span-400")[0].status, 400);
  EXPECT_EQ(spansOf("span-400")[0].name.find("%zz"), std::string::npos);
}

TEST_F(TracingTest, ASinkThatThrowsIsCountedAndTheAnswerStands) {
  for (int i = 0; i < 3; ++i) {
    auto reply = request(port, "GET", "/alpha/items/1", "X-Request-Id: sink-throws\r\n");
    EXPECT_EQ(reply.status, 200);
    EXPECT_FALSE(traceResponse(reply).trace.empty());
  }
  auto metrics = request(port, "GET", "/metrics");
  EXPECT_NE(metrics.body.find("mmm_trace_span_sink_errors_total 3\n"), std::string::npos) << metrics.body;
}

TEST_F(TracingTest, TheSinkIsSetBeforeStart) {
  EXPECT_THROW(server->onSpan([](const mmm::Span&) {}), std::logic_error);
}

// The real binary, its log in a file: every line a traced request causes carries the trace
// id, the users plugin's own and the access log's, and no other request's lines do.
TEST(TracingLog, APluginsLogLinesCarryTheRequestsTraceId) {
  ServerProcess server("server: {listen: '127.0.0.1:0'}\n"
                       "log: {level: info}\n"
                       "web: {enabled: false}\n"
                       "store: {url: '" + tempSqliteUrl() + "'}\n"
                       "sessions: {url: memory, signing_key: '" + kTestSigningKey + "'}\n"
                       "plugins:\n"
                       "  - name: users\n"
                       "    config: {password_hash: {ops_limit: 1, mem_limit_kib: 8}}\n");
  const std::string trace = "0af7651916cd43dd8448eb211c80319c";
  auto reply = request(server.port(), "POST", "/v1/users",
                       "Content-Type: application/json\r\nX-Request-Id: traced-sign-up\r\n" +
                           traceparent("00-" + trace + "-b7ad6b7169203331-01"),
                       R"({"email":"traced@example.org","password":"traced-pass-1","passwordConf":"traced-pass-1","userName":"tracer"})");
  ASSERT_EQ(reply.status, 201) << reply.body;
  EXPECT_EQ(traceResponse(reply).trace, trace);
  auto other = request(server.port(), "GET", "/healthz", "X-Request-Id: untraced-health\r\n");
  const std::string otherTrace = traceResponse(other).trace;
  ASSERT_EQ(server.stop(), 0);

  const std::string log = readFile(server.logFile());
  bool pluginLine = false, accessLine = false;
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("traced-sign-up") != std::string::npos) {
      EXPECT_NE(line.find("trace=" + trace + " "), std::string::npos) << line;
      pluginLine |= line.find("[users] trace=" + trace + " traced-sign-up new user") != std::string::npos;
      accessLine |= line.find("[http] trace=" + trace + " traced-sign-up") != std::string::npos;
    }
    if (line.find("untraced-health") != std::string::npos) {
      EXPECT_EQ(line.find("trace=" + trace), std::string::npos) << line;
      EXPECT_NE(line.find("trace=" + otherTrace + " "), std::string::npos) << line;
    }
  }
  EXPECT_TRUE(pluginLine) << log;
  EXPECT_TRUE(accessLine) << log;
  // Lines outside any request (start, stop) carry none.
  EXPECT_NE(log.find("[server] listening on"), std::string::npos) << log;
}
