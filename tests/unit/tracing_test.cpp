// W3C Trace Context: traceparent parsed strictly, ids made fresh, and the current trace in
// every log line (text and JSON) while it is set.
#include "logging.hpp"
#include "tracing.hpp"

#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>

#include <gtest/gtest.h>

#include <set>
#include <sstream>

using mmm::core::currentTrace;
using mmm::core::formatTraceParent;
using mmm::core::parseTraceParent;
using mmm::core::TraceContext;
using mmm::core::TraceScope;

namespace {

const std::string kTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
const std::string kParent = "00f067aa0ba902b7";
const std::string kValid = "00-" + kTrace + "-" + kParent + "-01";

bool lowerHex(const std::string& text) { return text.find_first_not_of("0123456789abcdef") == std::string::npos; }

}  // namespace

TEST(TraceParent, ParsesTheSpecExample) {
  auto parsed = parseTraceParent(kValid);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->traceId, kTrace);
  EXPECT_EQ(parsed->spanId, kParent);
  EXPECT_EQ(parsed->flags, 0x01);
  auto unsampled = parseTraceParent("00-" + kTrace + "-" + kParent + "-00");
  ASSERT_TRUE(unsampled);
  EXPECT_EQ(unsampled->flags, 0x00);
  // Version 00 keeps every flag bit (unknown ones are the caller's to define).
  EXPECT_EQ(parseTraceParent("00-" + kTrace + "-" + kParent + "-ff")->flags, 0xff);
}

TEST(TraceParent, RefusesWrongLengths) {
  EXPECT_FALSE(parseTraceParent(""));
  EXPECT_FALSE(parseTraceParent("00"));
  EXPECT_FALSE(parseTraceParent("00-" + kTrace.substr(1) + "-" + kParent + "-01"));        // trace id 31
  EXPECT_FALSE(parseTraceParent("00-" + kTrace + "0-" + kParent + "-01"));                  // trace id 33
  EXPECT_FALSE(parseTraceParent("00-" + kTrace + "-" + kParent.substr(1) + "-01"));         // parent id 15
  EXPECT_FALSE(parseTraceParent("00-" + kTrace + "-" + kParent + "0-01"));                  // parent id 17
  EXPECT_FALSE(parseTraceParent("00-" + kTrace + "-" + kParent + "-1"));                    // flags 1
  EXPECT_FALSE(parseTraceParent("00-" + kTrace + "-" + kParent + "-011"));                  // flags 3
  EXPECT_FALSE(parseTraceParent("0-" + kTrace + "-" + kParent + "-01"));                    // version 1
  EXPECT_FALSE(parseTraceParent(kValid + "-"));                                             // 00: nothing after
  EXPECT_FALSE(parseTraceParent(kValid + "-extra"));
  EXPECT_FALSE(parseTraceParent(kValid + " "));
  EXPECT_FALSE(parseTraceParent(" " + kValid));
}

TEST(TraceParent, RefusesOtherSeparatorsAndDigits) {
  EXPECT_FALSE(parseTraceParent("00_" + kTrace + "-" + kParent + "-01"));
  EXPECT_FALSE(parseTraceParent("00-" + kTrace + "_" + kParent + "-01"));
  EXPECT_FALSE(parseTraceParent("00-" + kTrace + "-" + kParent + "_01"));
  EXPECT_FALSE(parseTraceParent("00-" + std::string(31, 'a') + "g-" + kParent + "-01"));
  EXPECT_FALSE(parseTraceParent("00-" + kTrace + "-" + kParent + "-0g"));
  EXPECT_FALSE(parseTraceParent("0g-" + kTrace + "-" + kParent + "-01"));
}

TEST(TraceParent, RefusesUppercaseHex) {
  EXPECT_FALSE(parseTraceParent("00-4BF92F3577B34DA6A3CE929D0E0E4736-" + kParent + "-01"));
  EXPECT_FALSE(parseTraceParent("00-" + kTrace + "-00F067AA0BA902B7-01"));
  EXPECT_FALSE(parseTraceParent("00-" + kTrace + "-" + kParent + "-0A"));
  EXPECT_FALSE(parseTraceParent("0A-" + kTrace + "-" + kParent + "-01"));
}

TEST(TraceParent, RefusesAllZeroIds) {
  EXPECT_FALSE(parseTraceParent("00-" + std::string(32, '0') + "-" + kParent + "-01"));
  EXPECT_FALSE(parseTraceParent("00-" + kTrace + "-" + std::string(16, '0') + "-01"));
}

TEST(TraceParent, RefusesVersionFf) {
  EXPECT_FALSE(parseTraceParent("ff-" + kTrace + "-" + kParent + "-01"));
  EXPECT_FALSE(parseTraceParent("ff-" + kTrace + "-" + kParent + "-01-more"));
}

TEST(TraceParent, ReadsAFutureVersionByItsFirstFourFields) {
  auto plain = parseTraceParent("01-" + kTrace + "-" + kParent + "-01");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->traceId, kTrace);
  auto extended = parseTraceParent("cc-" + kTrace + "-" + kParent + "-03-what-the-future-adds");
  ASSERT_TRUE(extended);
  EXPECT_EQ(extended->traceId, kTrace);
  EXPECT_EQ(extended->spanId, kParent);
  EXPECT_EQ(extended->flags, 0x01) << "only the sampled bit of a later version is understood";
  // …but the fields it shares with 00 are still checked, and what follows needs a dash.
  EXPECT_FALSE(parseTraceParent("cc-" + kTrace + "-" + kParent + "-01x"));
  EXPECT_FALSE(parseTraceParent("cc-" + kTrace + "-" + kParent + "-0"));
  EXPECT_FALSE(parseTraceParent("cc-" + std::string(32, '0') + "-" + kParent + "-01-x"));
  EXPECT_FALSE(parseTraceParent("cc-" + kTrace + "-" + kParent + "-0A-x"));
}

TEST(TraceParent, FormatsWhatItParses) {
  EXPECT_EQ(formatTraceParent(*parseTraceParent(kValid)), kValid);
  EXPECT_EQ(formatTraceParent(TraceContext{kTrace, kParent, 0x00}), "00-" + kTrace + "-" + kParent + "-00");
  EXPECT_EQ(formatTraceParent(TraceContext{kTrace, kParent, 0xab}), "00-" + kTrace + "-" + kParent + "-ab");
}

TEST(TraceParent, NewIdsAreValidAndDistinct) {
  std::set<std::string> traces, spans;
  for (int i = 0; i < 1000; ++i) {
    auto trace = mmm::core::newTraceId(), span = mmm::core::newSpanId();
    ASSERT_EQ(trace.size(), 32u);
    ASSERT_EQ(span.size(), 16u);
    ASSERT_TRUE(lowerHex(trace) && lowerHex(span)) << trace << " " << span;
    ASSERT_TRUE(parseTraceParent(formatTraceParent(TraceContext{trace, span, 0})));
    traces.insert(trace);
    spans.insert(span);
  }
  EXPECT_EQ(traces.size(), 1000u);
  EXPECT_EQ(spans.size(), 1000u);
}

TEST(TraceParent, ScopesNestAndRestore) {
  EXPECT_EQ(currentTrace(), nullptr);
  TraceContext outer{kTrace, kParent, 1}, inner{mmm::core::newTraceId(), mmm::core::newSpanId(), 0};
  {
    TraceScope a(&outer);
    EXPECT_EQ(currentTrace(), &outer);
    {
      TraceScope b(&inner);
      EXPECT_EQ(currentTrace(), &inner);
    }
    EXPECT_EQ(currentTrace(), &outer);
    {
      TraceScope none(nullptr);  // a bus delivery without a trace hides the outer one
      EXPECT_EQ(currentTrace(), nullptr);
    }
  }
  EXPECT_EQ(currentTrace(), nullptr);
}

namespace {

std::string logLines(const std::string& format, bool traced) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  mmm::core::Logging logging("info", format, {sink});
  auto log = logging.make("chat");  // as a plugin's logger is made
  TraceContext context{kTrace, kParent, 1};
  std::optional<TraceScope> scope;
  if (traced) scope.emplace(&context);
  log->info("posted message {}", 7);
  return out.str();
}

}  // namespace

TEST(TraceLogging, TextLinesCarryTheCurrentTraceId) {
  const auto traced = logLines("text", true);
  EXPECT_NE(traced.find("[chat] trace=" + kTrace + " posted message 7\n"), std::string::npos) << traced;
  const auto untraced = logLines("text", false);
  EXPECT_NE(untraced.find("[chat] posted message 7\n"), std::string::npos) << untraced;
  EXPECT_EQ(untraced.find("trace"), std::string::npos) << untraced;
}

TEST(TraceLogging, JsonLinesCarryATraceIdField) {
  const auto traced = logLines("json", true);
  EXPECT_NE(traced.find(R"("msg":"posted message 7","trace_id":")" + kTrace + "\"}\n"), std::string::npos) << traced;
  const auto untraced = logLines("json", false);
  EXPECT_NE(untraced.find(R"("msg":"posted message 7"})"), std::string::npos) << untraced;
  EXPECT_EQ(untraced.find("trace_id"), std::string::npos) << untraced;
}
