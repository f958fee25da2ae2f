#include "tracing.hpp"

#include "metrics.hpp"

#include <spdlog/logger.h>

#include <chrono>
#include <random>

namespace mmm::core {
namespace {

constexpr char kHex[] = "0123456789abcdef";

// Lowercase only: the spec forbids uppercase, and two spellings of one id would make two
// tools disagree about whether two spans share a trace.
bool lowerHex(std::string_view text) {
  for (char c : text)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

bool allZero(std::string_view text) { return text.find_first_not_of('0') == std::string_view::npos; }

int hexDigit(char c) { return c <= '9' ? c - '0' : c - 'a' + 10; }

// Ids are for correlation, not secrets: a per-thread Mersenne Twister seeded once is enough,
// and costs no lock and no system call per request.
std::string randomHex(std::size_t digits) {
  thread_local std::mt19937_64 random(std::random_device{}());
  std::string id(digits, '0');
  do {
    for (std::size_t i = 0; i < digits; i += 16) {
      auto bits = random();
      for (std::size_t j = i; j < i + 16 && j < digits; ++j, bits >>= 4) id[j] = kHex[bits & 0xf];
    }
  } while (allZero(id));
  return id;
}

thread_local const TraceContext* current = nullptr;

// The span's name: OpenTelemetry's HTTP convention, "{method} {route}", with "HTTP" for a
// method outside the standard set (a client's invention would make the names unbounded).
std::string spanName(const Request& request) {
  std::string name = "HTTP";
  for (const char* known : {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE"})
    if (request.method == known) name = known;
  if (!request.route.empty()) name += " " + request.route;
  return name;
}

}  // namespace

std::optional<TraceContext> parseTraceParent(std::string_view value) {
  // version "-" trace-id "-" parent-id "-" flags: 2 + 1 + 32 + 1 + 16 + 1 + 2 = 55.
  constexpr std::size_t kLength = 55;
  if (value.size() < kLength) return std::nullopt;
  const auto version = value.substr(0, 2);
  if (!lowerHex(version) || version == "ff") return std::nullopt;
  if (value[2] != '-' || value[35] != '-' || value[52] != '-') return std::nullopt;
  // Version 00 has nothing after the flags; a later one may, after a dash.
  if (version == "00" ? value.size() != kLength : value.size() > kLength && value[kLength] != '-')
    return std::nullopt;
  const auto traceId = value.substr(3, 32), parentId = value.substr(36, 16), flags = value.substr(53, 2);
  if (!lowerHex(traceId) || !lowerHex(parentId) || !lowerHex(flags)) return std::nullopt;
  if (allZero(traceId) || allZero(parentId)) return std::nullopt;
  TraceContext context{std::string(traceId), std::string(parentId),
                       static_cast<std::uint8_t>(hexDigit(flags[0]) * 16 + hexDigit(flags[1]))};
  // What the other bits mean in a later version is unknown: only "sampled" is kept.
  if (version != "00") context.flags &= 0x01;
  return context;
}

std::string formatTraceParent(const TraceContext& context) {
  std::string out;  // one allocation (this runs for every request)
  out.reserve(3 + context.traceId.size() + 1 + context.spanId.size() + 3);
  out.append("00-").append(context.traceId).append(1, '-').append(context.spanId).append(1, '-');
  out += kHex[context.flags >> 4];
  out += kHex[context.flags & 0xf];
  return out;
}

std::string newTraceId() { return randomHex(32); }
std::string newSpanId() { return randomHex(16); }

const TraceContext* currentTrace() { return current; }

TraceScope::TraceScope(const TraceContext* context) : previous_(current) { current = context; }
TraceScope::~TraceScope() { current = previous_; }

Middleware Tracing::middleware() {
  return [this](Request& request, const Next& next) {
    // Several traceparent headers are invalid together (the spec's test suite starts a new
    // trace then), like one that does not parse.
    std::optional<std::string_view> header;
    int headers = 0;
    for (const auto& [name, value] : request.headers)
      if (iequals(name, "traceparent")) {
        header = value;
        ++headers;
      }
    std::optional<TraceContext> caller;
    if (headers == 1) caller = parseTraceParent(*header);
    if (headers > 0 && !caller) invalid_++;

    TraceContext context;
    std::string parentSpanId;
    if (caller) {
      context.traceId = std::move(caller->traceId);
      parentSpanId = std::move(caller->spanId);
      context.flags = caller->flags;
    } else {
      context.traceId = newTraceId();
    }
    context.spanId = newSpanId();

    const auto start = std::chrono::system_clock::now();
    const auto begin = std::chrono::steady_clock::now();
    // Everything below runs with the trace current: the access log, plugins' log lines,
    // the bus messages they publish; and the sink, so that its own lines carry it too.
    TraceScope scope(&context);
    Response response = next(request);
    response.set("traceresponse", formatTraceParent(context));
    if (sink_) {
      Span span;
      span.traceId = context.traceId;
      span.spanId = context.spanId;
      span.parentSpanId = std::move(parentSpanId);
      span.flags = context.flags;
      span.name = spanName(request);
      span.start = start;
      span.duration = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - begin);
      span.status = response.status;
      span.requestId = request.id;
      report(span);
    }
    return response;
  };
}

void Tracing::report(const Span& span) {
  // An exporter that fails fails for every request: one line says so, the counter says how often.
  std::string failure;
  try {
    sink_(span);
    return;
  } catch (const std::exception& e) {
    failure = e.what();
  } catch (...) {
    failure = "a non-standard exception";
  }
  sinkErrors_++;
  std::call_once(sinkErrorLogged_, [&] {
    log_->error("the span sink (Server::onSpan) failed: {}; further failures are only counted "
                "(mmm_trace_span_sink_errors_total)",
                failure);
  });
}

void Tracing::appendMetrics(std::string& out) const {
  appendMetric(out, "mmm_trace_invalid_traceparent_total", "counter",
               "Requests whose traceparent was invalid (each started a new trace).", invalid_.load());
  appendMetric(out, "mmm_trace_span_sink_errors_total", "counter",
               "Spans the embedder's sink (Server::onSpan) threw on.", sinkErrors_.load());
}

}  // namespace mmm::core
