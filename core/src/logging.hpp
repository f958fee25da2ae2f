// Loggers for one server: all share the server's sinks and format; none is registered in
// spdlog's global registry, so two servers in one process do not collide.
#pragma once

#include <spdlog/common.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace spdlog {
class logger;
}

namespace mmm::core {

class Logging {
 public:
  /// `level`: trace, debug, info, warn, error, critical, off. `format`: text or json.
  Logging(const std::string& level, const std::string& format);
  /// For tests: log into these sinks instead of stderr.
  Logging(const std::string& level, const std::string& format, std::vector<spdlog::sink_ptr> sinks);

  std::shared_ptr<spdlog::logger> make(const std::string& name) const;
  void flush() const;
  /// Sets the level of every logger made, and of those made from now on (a live reload).
  void setLevel(const std::string& level);

 private:
  std::vector<spdlog::sink_ptr> sinks_;
  mutable std::mutex mutex_;  // guards level_ and made_
  spdlog::level::level_enum level_;
  mutable std::vector<std::weak_ptr<spdlog::logger>> made_;
};

}  // namespace mmm::core
