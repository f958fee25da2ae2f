// W3C Trace Context (https://www.w3.org/TR/trace-context/): the `traceparent` a request
// brings, the trace it belongs to on this thread while it is handled (for the log and the
// bus), and the span the server reports for it to an embedder's exporter.
#pragma once

#include "pipeline.hpp"

#include <mmm/server.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace spdlog {
class logger;
}

namespace mmm::core {

/// A trace position: the trace, a span in it (a caller's, or ours), the trace flags.
struct TraceContext {
  std::string traceId;  // 32 lowercase hex digits, not all zero
  std::string spanId;   // 16 lowercase hex digits, not all zero
  std::uint8_t flags = 0;  // bit 0: sampled
};

/// Parses a `traceparent` value strictly: version 00 is exactly
/// "00-<trace-id>-<parent-id>-<flags>"; a later version (not ff) is read by those four
/// fields, and only its sampled flag is kept. Nullopt for anything else.
std::optional<TraceContext> parseTraceParent(std::string_view value);
/// "00-<trace-id>-<span-id>-<flags>": a traceparent, or a traceresponse (Level 2).
std::string formatTraceParent(const TraceContext& context);
/// Random ids, never all zero (a fast per-thread generator: unique, not secret).
std::string newTraceId();
std::string newSpanId();

/// The trace of what this thread is doing, or null: set by the core around a request's
/// handling and around each bus delivery; the log's formatters and the bus read it.
const TraceContext* currentTrace();

/// Makes `context` the thread's current trace until destroyed (then the previous one is).
class TraceScope {
 public:
  explicit TraceScope(const TraceContext* context);
  ~TraceScope();
  TraceScope(const TraceScope&) = delete;
  TraceScope& operator=(const TraceScope&) = delete;

 private:
  const TraceContext* previous_;
};

/// The server's tracing: the middleware that reads `traceparent`, answers `traceresponse`,
/// sets the current trace while the rest of the pipeline runs, and reports a Span.
class Tracing {
 public:
  explicit Tracing(std::shared_ptr<spdlog::logger> log) : log_(std::move(log)) {}

  /// Before the server starts (the middleware reads it without a lock).
  void onSpan(std::function<void(const Span&)> sink) { sink_ = std::move(sink); }
  /// To be placed among the outer middleware, inside the request id's.
  Middleware middleware();
  /// Prometheus text for the tracing counters.
  void appendMetrics(std::string& out) const;

 private:
  void report(const Span& span);

  std::shared_ptr<spdlog::logger> log_;
  std::function<void(const Span&)> sink_;
  std::atomic<std::uint64_t> invalid_{0}, sinkErrors_{0};
  std::once_flag sinkErrorLogged_;
};

}  // namespace mmm::core
