#include "metrics.hpp"

#include <atomic>
#include <sstream>
#include <string_view>

namespace mmm::core {
namespace {

// Label values are route patterns and methods we control, but escape anyway.
std::string label(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

void Metrics::observe(const std::string& method, const std::string& route, int status,
                      double seconds) {
  static std::atomic<std::size_t> threads{0};
  thread_local const std::size_t index = threads++ % kShards;
  Shard& shard = shards_[index];
  std::lock_guard<std::mutex> lock(shard.mutex);
  const auto key = std::make_tuple(std::string_view(route), std::string_view(method), status);
  auto request = shard.requests.find(key);
  if (request == shard.requests.end()) request = shard.requests.emplace(std::make_tuple(route, method, status), 0).first;
  ++request->second;
  auto latency = shard.latency.find(std::make_tuple(std::string_view(route), std::string_view(method)));
  if (latency == shard.latency.end()) latency = shard.latency.emplace(std::make_tuple(route, method), Histogram{}).first;
  auto& histogram = latency->second;
  for (std::size_t i = 0; i < kBuckets.size(); ++i)
    if (seconds <= kBuckets[i]) ++histogram.buckets[i];
  ++histogram.count;
  histogram.sum += seconds;
}

std::string Metrics::render(int openConnections, int inFlight) const {
  std::map<std::tuple<std::string, std::string, int>, std::uint64_t> requests;
  std::map<std::tuple<std::string, std::string>, Histogram> latencies;
  for (auto& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard.mutex);
    for (const auto& [key, count] : shard.requests) requests[key] += count;
    for (const auto& [key, histogram] : shard.latency) {
      auto& merged = latencies[key];
      for (std::size_t i = 0; i < kBuckets.size(); ++i) merged.buckets[i] += histogram.buckets[i];
      merged.count += histogram.count;
      merged.sum += histogram.sum;
    }
  }
  std::ostringstream out;
  out << "# HELP mmm_http_requests_total HTTP requests by route, method and status.\n"
         "# TYPE mmm_http_requests_total counter\n";
  for (const auto& [key, count] : requests) {
    const auto& [route, method, status] = key;
    out << "mmm_http_requests_total{route=\"" << label(route) << "\",method=\"" << label(method)
        << "\",status=\"" << status << "\"} " << count << "\n";
  }
  out << "# HELP mmm_http_request_duration_seconds HTTP request latency.\n"
         "# TYPE mmm_http_request_duration_seconds histogram\n";
  for (const auto& [key, histogram] : latencies) {
    const std::string labels =
        "route=\"" + label(std::get<0>(key)) + "\",method=\"" + label(std::get<1>(key)) + "\"";
    for (std::size_t i = 0; i < kBuckets.size(); ++i)
      out << "mmm_http_request_duration_seconds_bucket{" << labels << ",le=\"" << kBuckets[i]
          << "\"} " << histogram.buckets[i] << "\n";
    out << "mmm_http_request_duration_seconds_bucket{" << labels << ",le=\"+Inf\"} "
        << histogram.count << "\n";
    out << "mmm_http_request_duration_seconds_sum{" << labels << "} " << histogram.sum << "\n";
    out << "mmm_http_request_duration_seconds_count{" << labels << "} " << histogram.count
        << "\n";
  }
  out << "# HELP mmm_http_open_connections Open HTTP connections.\n"
         "# TYPE mmm_http_open_connections gauge\n"
         "mmm_http_open_connections "
      << openConnections << "\n";
  out << "# HELP mmm_http_requests_in_flight Requests being handled.\n"
         "# TYPE mmm_http_requests_in_flight gauge\n"
         "mmm_http_requests_in_flight "
      << inFlight << "\n";
  return out.str();
}

}  // namespace mmm::core
