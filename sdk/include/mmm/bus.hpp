// The message bus: ZeroMQ publish/subscribe, within one process (inproc) or across the
// nodes of a cluster (through a forwarder). At most once: a subscriber that was away or
// too slow misses messages, so nothing durable may depend on one; the store is the truth.
#pragma once

#include <mmm/abi.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace mmm {

class MMM_EXPORT Bus {
 public:
  using Handler = std::function<void(const std::string& topic, const std::string& payload)>;
  class Subscription {
   public:
    virtual ~Subscription() = default;  // unsubscribes
  };

  virtual ~Bus() = default;
  /// Safe from any thread; never blocks on the network.
  virtual void publish(const std::string& topic, const std::string& payload) = 0;
  /// Calls `handler` (on the bus thread: keep it short) for each message whose topic starts
  /// with `prefix`, from any node, this one included, until the subscription is destroyed.
  virtual std::unique_ptr<Subscription> subscribe(const std::string& prefix, Handler handler) = 0;
};

/// Pushes to browsers: the core's WebSocket hub on every node delivers `text` as one text
/// frame to every open socket of the given users (or of everyone) on that node.
class MMM_EXPORT Pusher {
 public:
  virtual ~Pusher() = default;
  virtual void push(const std::vector<std::int64_t>& userIds, const std::string& text) = 0;
  virtual void pushToAll(const std::string& text) = 0;
  /// To everyone but user `userId` (none of their sockets): what they did, told to the
  /// others (ABI 5.1).
  virtual void pushToAllBut(std::int64_t userId, const std::string& text) = 0;
};

}  // namespace mmm
