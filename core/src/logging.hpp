// Loggers for one server: all share the server's sinks and format; none is registered in
// spdlog's global registry, so two servers in one process do not collide.
#pragma once

#include <spdlog/common.h>

#include <memory>
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

 private:
  std::vector<spdlog::sink_ptr> sinks_;
  spdlog::level::level_enum level_;
};

}  // namespace mmm::core
