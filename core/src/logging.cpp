#include "logging.hpp"

#include "tracing.hpp"

#include <spdlog/details/log_msg.h>
#include <spdlog/formatter.h>
#include <spdlog/logger.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <algorithm>
#include <chrono>
#include <ctime>

namespace mmm::core {
namespace {

void appendEscaped(spdlog::memory_buf_t& out, spdlog::string_view_t text) {
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out.append(std::string_view("\\\"")); break;
      case '\\': out.append(std::string_view("\\\\")); break;
      case '\n': out.append(std::string_view("\\n")); break;
      case '\r': out.append(std::string_view("\\r")); break;
      case '\t': out.append(std::string_view("\\t")); break;
      default:
        if (c < 0x20) {
          fmt::format_to(std::back_inserter(out), "\\u{:04x}", c);
        } else {
          out.push_back(ch);
        }
    }
  }
}

// The trace id of what the logging thread is doing (see tracing.hpp), as " trace=<id>";
// nothing when there is none. Read at format time, which is on the logging thread: the
// server's loggers are synchronous (an asynchronous sink would need it in the message).
class TraceFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg&, const std::tm&, spdlog::memory_buf_t& out) override {
    const auto* trace = currentTrace();
    if (!trace) return;
    out.append(std::string_view(" trace="));
    out.append(trace->traceId.data(), trace->traceId.data() + trace->traceId.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<TraceFlag>(); }
};

// One JSON object per line: {"time","level","logger","thread","msg"}, and "trace_id" while
// a trace is current.
class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& out) override {
    auto time = std::chrono::system_clock::to_time_t(msg.time);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(msg.time.time_since_epoch()).count() % 1000;
    std::tm tm;
    gmtime_r(&time, &tm);
    fmt::format_to(std::back_inserter(out),
                   "{{\"time\":\"{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z\",\"level\":\"",
                   tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                   ms);
    auto level = spdlog::level::to_string_view(msg.level);
    out.append(level.data(), level.data() + level.size());
    out.append(std::string_view("\",\"logger\":\""));
    appendEscaped(out, msg.logger_name);
    fmt::format_to(std::back_inserter(out), "\",\"thread\":{},\"msg\":\"", msg.thread_id);
    appendEscaped(out, msg.payload);
    out.append(std::string_view("\""));
    if (const auto* trace = currentTrace()) {  // hex digits only: nothing to escape
      out.append(std::string_view(",\"trace_id\":\""));
      out.append(trace->traceId.data(), trace->traceId.data() + trace->traceId.size());
      out.push_back('"');
    }
    out.append(std::string_view("}\n"));
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

std::vector<spdlog::sink_ptr> stderrSinks() {
  return {std::make_shared<spdlog::sinks::stderr_sink_mt>()};
}

}  // namespace

Logging::Logging(const std::string& level, const std::string& format)
    : Logging(level, format, stderrSinks()) {}

Logging::Logging(const std::string& level, const std::string& format,
                 std::vector<spdlog::sink_ptr> sinks)
    : sinks_(std::move(sinks)), level_(spdlog::level::from_str(level)) {
  for (auto& sink : sinks_) {
    if (format == "json") {
      sink->set_formatter(std::make_unique<JsonFormatter>());
    } else {
      auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
      formatter->add_flag<TraceFlag>('*').set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%-5l%$ [%n]%* %v");
      sink->set_formatter(std::move(formatter));
    }
  }
}

std::shared_ptr<spdlog::logger> Logging::make(const std::string& name) const {
  auto logger = std::make_shared<spdlog::logger>(name, sinks_.begin(), sinks_.end());
  logger->flush_on(spdlog::level::warn);
  std::lock_guard lock(mutex_);
  logger->set_level(level_);
  // Forget loggers gone since (a plugin restarted by reloads makes new ones each time).
  made_.erase(std::remove_if(made_.begin(), made_.end(), [](const auto& weak) { return weak.expired(); }),
              made_.end());
  made_.push_back(logger);
  return logger;
}

void Logging::setLevel(const std::string& level) {
  std::lock_guard lock(mutex_);
  level_ = spdlog::level::from_str(level);
  for (const auto& weak : made_)
    if (auto logger = weak.lock()) logger->set_level(level_);
}

void Logging::flush() const {
  for (const auto& sink : sinks_) sink->flush();
}

}  // namespace mmm::core
