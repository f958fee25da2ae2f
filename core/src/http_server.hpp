// The HTTP/1.1 front: a few epoll threads own every connection (an idle keep-alive one
// costs a few hundred bytes and no thread), parse requests with RequestParser, and hand
// complete requests to a bounded WorkerPool, where the pipeline runs (handlers may block on
// the store). Responses go back through the connection's loop. A full pool is answered 503
// at once; slow or silent clients are cut off by deadlines, never by holding a thread.
#pragma once

#include "client_ip.hpp"
#include "settings.hpp"

#include <mmm/http.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace spdlog {
class logger;
}

namespace mmm::core {

/// A 101 answer carries this internal header, "<user id> <quota slot or -> <session key>";
/// the server strips it, sends the handshake, and hands the socket to the upgrade sink. (A
/// slot whose socket never reaches the sink, its client gone meanwhile, expires unrenewed.)
inline constexpr const char* kUpgradeUserHeader = "X-Mmm-Upgrade-User";
/// Takes over an upgraded connection: its descriptor (non-blocking, now the sink's to
/// close), the 101 response still to be written (the sink writes it first, so that no push
/// can reach the client before the sink holds the socket), and the bytes the client sent
/// after the upgrade request, already read.
using UpgradeSink = std::function<void(int fd, std::int64_t userId, std::string sessionKey, std::string response,
                                       std::string pending, std::string slot)>;
/// Runs the outer middleware (request id, access log, metrics, CORS) around an answer the
/// server gave itself: a malformed request, a full pool, a timeout.
using EarlyAnswer = std::function<Response(Request&, Response)>;

class HttpServer {
 public:
  HttpServer(const Settings::Http& settings, Handler pipeline, EarlyAnswer early,
             std::shared_ptr<spdlog::logger> log, UpgradeSink upgrades = nullptr);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Binds and starts serving. Throws std::runtime_error if the address cannot be bound.
  void start();
  /// Stops accepting, closes idle connections, waits up to the shutdown timeout for
  /// requests in flight (their responses are sent, with "Connection: close"), then closes
  /// every connection and joins the threads. Idempotent.
  void stop();

  std::uint16_t port() const { return port_; }
  int openConnections() const { return open_.load(); }
  int inFlight() const { return inFlight_.load(); }
  /// Prometheus text for the front's own counters (connections dropped, timeouts, 503s…).
  std::string metricsText() const;

  class Loop;
  struct Counters {
    std::atomic<std::uint64_t> accepted{0}, refused{0}, acceptErrors{0}, parseErrors{0},
        headerTimeouts{0}, bodyTimeouts{0}, sendTimeouts{0}, idleClosed{0}, overloaded{0}, upgraded{0};
  };

 private:
  friend class Loop;
  void finished();  // a request in flight is done (answered, or its connection gone)

  Settings::Http settings_;
  TrustedProxies proxies_;
  Handler pipeline_;
  EarlyAnswer early_;
  std::shared_ptr<spdlog::logger> log_;
  UpgradeSink upgrades_;

  struct Listener;
  std::unique_ptr<Listener> listener_;
  std::unique_ptr<class WorkerPool> pool_;
  std::vector<std::unique_ptr<Loop>> loops_;
  std::uint16_t port_ = 0;
  bool started_ = false;
  std::atomic<bool> draining_{false};
  std::atomic<int> open_{0};
  std::atomic<int> inFlight_{0};
  Counters counters_;
  std::mutex mutex_;
  std::condition_variable idle_;
};

}  // namespace mmm::core
