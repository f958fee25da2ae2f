// Metrics: what many threads record is merged exactly in the rendered text.
#include "metrics.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

using mmm::core::Metrics;

TEST(Metrics, ObservationsFromManyThreadsAreMergedExactly) {
  Metrics metrics;
  std::vector<std::thread> threads;
  for (int t = 0; t < 12; ++t)
    threads.emplace_back([&metrics, t] {
      for (int i = 0; i < 1000; ++i) metrics.observe("GET", "/v1/events", t % 2 ? 200 : 404, 0.003);
    });
  for (auto& thread : threads) thread.join();
  metrics.observe("POST", "/v1/\"odd\"", 201, 2.0);
  const std::string text = metrics.render(3, 1);
  EXPECT_NE(text.find("mmm_http_requests_total{route=\"/v1/events\",method=\"GET\",status=\"200\"} 6000\n"),
            std::string::npos) << text;
  EXPECT_NE(text.find("mmm_http_requests_total{route=\"/v1/events\",method=\"GET\",status=\"404\"} 6000\n"),
            std::string::npos);
  EXPECT_NE(text.find("mmm_http_request_duration_seconds_bucket{route=\"/v1/events\",method=\"GET\",le=\"0.0025\"} 0\n"),
            std::string::npos);
  EXPECT_NE(text.find("mmm_http_request_duration_seconds_bucket{route=\"/v1/events\",method=\"GET\",le=\"0.005\"} 12000\n"),
            std::string::npos);
  EXPECT_NE(text.find("mmm_http_request_duration_seconds_count{route=\"/v1/events\",method=\"GET\"} 12000\n"),
            std::string::npos);
  EXPECT_NE(text.find("route=\"/v1/\\\"odd\\\"\",method=\"POST\",status=\"201\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("mmm_http_open_connections 3\n"), std::string::npos);
}
