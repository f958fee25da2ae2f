// Request counters and latency histograms, rendered in the Prometheus text format.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

namespace mmm::core {

/// Appends one unlabelled metric in the Prometheus text format: its HELP and TYPE lines
/// ("counter" or "gauge") and its value.
inline void appendMetric(std::string& out, const char* name, const char* type, const char* help,
                         std::uint64_t value) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n# TYPE ").append(name).append(" ");
  out.append(type).append("\n").append(name).append(" ").append(std::to_string(value)).append("\n");
}

class Metrics {
 public:
  /// `route` is the matched pattern (or a fixed label such as "static" or "unmatched"),
  /// never the raw path, so the label set stays bounded.
  void observe(const std::string& method, const std::string& route, int status, double seconds);
  std::string render(int openConnections, int inFlight) const;

  static constexpr std::array<double, 12> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                      0.1,   0.25,   0.5,   1.0,  2.5,   5.0};

 private:
  struct Histogram {
    std::array<std::uint64_t, kBuckets.size()> buckets{};
    std::uint64_t count = 0;
    double sum = 0;
  };
  // Each thread records into one of a few shards (its own lock, keys found without
  // allocating), so that workers do not queue on one mutex per request; render() merges.
  struct Shard {
    std::mutex mutex;
    std::map<std::tuple<std::string, std::string, int>, std::uint64_t, std::less<>> requests;
    std::map<std::tuple<std::string, std::string>, Histogram, std::less<>> latency;
  };
  static constexpr std::size_t kShards = 8;
  mutable std::array<Shard, kShards> shards_;
};

}  // namespace mmm::core
