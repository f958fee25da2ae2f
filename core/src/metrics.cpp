#include "metrics.hpp"

#include <sstream>

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
  std::lock_guard<std::mutex> lock(mutex_);
  ++requests_[{route, method, status}];
  auto& histogram = latency_[{route, method}];
  for (std::size_t i = 0; i < kBuckets.size(); ++i)
    if (seconds <= kBuckets[i]) ++histogram.buckets[i];
  ++histogram.count;
  histogram.sum += seconds;
}

std::string Metrics::render(int openConnections, int inFlight) const {
  std::ostringstream out;
  std::lock_guard<std::mutex> lock(mutex_);
  out << "# HELP mmm_http_requests_total HTTP requests by route, method and status.\n"
         "# TYPE mmm_http_requests_total counter\n";
  for (const auto& [key, count] : requests_) {
    const auto& [route, method, status] = key;
    out << "mmm_http_requests_total{route=\"" << label(route) << "\",method=\"" << label(method)
        << "\",status=\"" << status << "\"} " << count << "\n";
  }
  out << "# HELP mmm_http_request_duration_seconds HTTP request latency.\n"
         "# TYPE mmm_http_request_duration_seconds histogram\n";
  for (const auto& [key, histogram] : latency_) {
    const std::string labels =
        "route=\"" + label(key.first) + "\",method=\"" + label(key.second) + "\"";
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
