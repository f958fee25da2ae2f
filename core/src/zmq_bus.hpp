// The Bus on ZeroMQ: one context per server, one thread owning the PUB and SUB sockets.
// Embedded: PUB binds inproc, SUB connects to it. Cluster: PUB connects to a forwarder's
// XSUB, SUB to its XPUB; ZeroMQ reconnects by itself.
//
// A message is two frames, topic and payload, and a third when it was published while a
// trace was current (tracing.hpp): that trace as a traceparent, made current again around
// each subscriber's call, on every node. Two-frame messages (untraced, or from a node
// before 4.6) read as before.
#pragma once

#include <mmm/bus.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace spdlog {
class logger;
}

namespace mmm::core {

struct TraceContext;

struct BusOptions {
  std::string publish;    // endpoint: "inproc://…" (bound) or "tcp://forwarder:port" (connected)
  std::string subscribe;  // endpoint the SUB socket connects to
  bool cluster = false;
  int highWaterMark = 10000;
  std::chrono::milliseconds heartbeat{1000};
};

class ZmqBus final : public Bus {
 public:
  ZmqBus(BusOptions options, std::shared_ptr<spdlog::logger> log);
  ~ZmqBus() override;

  void publish(const std::string& topic, const std::string& payload) override;
  std::unique_ptr<Subscription> subscribe(const std::string& prefix, Handler handler) override;

  /// Starts the bus thread and waits (up to `timeout`) until a message of our own has come
  /// back through the subscription, so nothing published afterwards is lost to a slow
  /// joiner. False on timeout (the bus keeps trying; readiness reports it).
  bool start(std::chrono::milliseconds timeout);
  void stop();
  /// True while our own heartbeats come back (the forwarder is reachable).
  bool healthy() const;

  /// Messages dropped because the outbox was full (publishers faster than the bus thread).
  std::uint64_t droppedOutbox() const { return droppedOutbox_.load(); }
  /// Messages ZeroMQ would not take (its high-water mark reached, or no route).
  std::uint64_t droppedSend() const { return droppedSend_.load(); }
  /// Errors caught in the bus loop and in subscribers.
  std::uint64_t errors() const { return errors_.load(); }

 private:
  class Sub;
  void run();
  void dispatch(const std::string& topic, const std::string& payload, const TraceContext* trace);
  void warnEvery(std::atomic<std::int64_t>& last, const std::string& message);

  BusOptions options_;
  std::shared_ptr<spdlog::logger> log_;
  const std::string nodeId_;
  int wakeFd_ = -1;
  struct Entry {
    std::string prefix;
    Handler handler;
    int running = 0;  // calls in progress, guarded by mutex_
  };
  std::mutex mutex_;  // guards outbox_ and handlers_
  std::condition_variable idle_;  // a handler call ended
  struct Outgoing {
    std::string topic, payload, traceParent;  // traceParent empty: untraced
  };
  std::deque<Outgoing> outbox_;
  std::map<std::uint64_t, std::shared_ptr<Entry>> handlers_;
  std::thread::id busThread_;
  std::uint64_t nextHandler_ = 1;
  std::atomic<bool> running_{false};
  std::atomic<std::int64_t> lastEcho_{0};  // steady-clock ms of our last heartbeat seen back
  std::atomic<std::uint64_t> droppedOutbox_{0}, droppedSend_{0}, errors_{0};
  std::atomic<std::int64_t> lastDropWarning_{0}, lastErrorLog_{0};
  std::thread thread_;
};

/// The Pusher over the bus: topic "mmm.push", payload "<audience>\n<text>", where the
/// audience is user ids separated by commas, "*" (everyone) or "*-<id>" (all but one user).
class BusPusher final : public Pusher {
 public:
  static constexpr const char* kTopic = "mmm.push";
  /// A push as the hub takes it.
  struct Decoded {
    bool toAll = false;
    std::int64_t except = 0;           // with toAll: the user left out (0: none)
    std::vector<std::int64_t> userIds;  // without toAll
    std::string text;
  };

  explicit BusPusher(Bus& bus) : bus_(bus) {}
  void push(const std::vector<std::int64_t>& userIds, const std::string& text) override;
  void pushToAll(const std::string& text) override;
  void pushToAllBut(std::int64_t userId, const std::string& text) override;

  /// Splits a push payload; nullopt when it is malformed.
  static std::optional<Decoded> decode(const std::string& payload);

 private:
  Bus& bus_;
};

/// Runs a forwarder (XSUB at `frontend` for publishers, XPUB at `backend` for subscribers)
/// until `stop` becomes true. Throws on a bad endpoint. `bound` is called once both are
/// bound, with the endpoints as bound ("tcp://127.0.0.1:*" becomes the port chosen).
void runBusProxy(const std::string& frontend, const std::string& backend, const std::atomic<bool>& stop,
                 spdlog::logger& log,
                 const std::function<void(const std::string&, const std::string&)>& bound = nullptr);

}  // namespace mmm::core
