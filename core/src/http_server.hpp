// Poco's HTTPServer around the pipeline: reads each request (body capped), turns it into an
// mmm::Request, runs the pipeline, writes the mmm::Response. Owns its thread pool.
#pragma once

#include "client_ip.hpp"
#include "settings.hpp"

#include <mmm/http.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>

namespace spdlog {
class logger;
}
#include <Poco/Net/StreamSocket.h>

#include <functional>

namespace Poco {
class ThreadPool;
namespace Net {
class HTTPServer;
class ServerSocket;
}
}  // namespace Poco

namespace mmm::core {

/// A 101 answer carries this internal header, "<user id> <session key>"; the adapter strips
/// it, sends the handshake, detaches the socket and hands it to the upgrade sink.
inline constexpr const char* kUpgradeUserHeader = "X-Mmm-Upgrade-User";
using UpgradeSink = std::function<void(Poco::Net::StreamSocket, std::int64_t userId, std::string sessionKey)>;

class HttpServer {
 public:
  HttpServer(const Settings::Http& settings, Handler pipeline, std::shared_ptr<spdlog::logger> log,
             UpgradeSink upgrades = nullptr);
  ~HttpServer();

  /// Binds and starts serving. Throws std::runtime_error if the address cannot be bound.
  void start();
  /// Stops accepting (new connections are refused), waits up to the shutdown timeout for
  /// requests in flight, then closes every connection and joins the threads (a handler
  /// that outlives the timeout loses its connection but is still waited for). Idempotent.
  void stop();

  std::uint16_t port() const { return port_; }
  int openConnections() const;
  int inFlight() const { return inFlight_.load(); }

  /// Called by each request handler around the pipeline (the in-flight gate).
  bool enter();
  void leave();

  const Settings::Http& settings() const { return settings_; }
  const TrustedProxies& trustedProxies() const { return proxies_; }
  const Handler& pipeline() const { return pipeline_; }
  const UpgradeSink& upgrades() const { return upgrades_; }
  spdlog::logger& log() const { return *log_; }

 private:
  Settings::Http settings_;
  TrustedProxies proxies_;
  Handler pipeline_;
  std::shared_ptr<spdlog::logger> log_;
  UpgradeSink upgrades_;
  std::unique_ptr<Poco::ThreadPool> pool_;
  std::unique_ptr<Poco::Net::ServerSocket> socket_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  std::uint16_t port_ = 0;
  std::atomic<int> inFlight_{0};
  mutable std::mutex mutex_;
  bool stopping_ = false;
  std::condition_variable idle_;
};

}  // namespace mmm::core
