// Who is online on the whole cluster: a user is while they hold a WebSocket on any node.
// Each node tells the others over the bus when one of its users comes (their first socket
// there) or goes (their last), and every `heartbeat` lists all of its users, so a node that
// starts later learns them and one that died is forgotten after three heartbeats. The node
// where a change makes a user online or offline for the cluster (as far as it knows) calls
// the change handler; a dead node's users go silently. Going offline waits `grace`: a page
// reload, or a tab opened on another node whose news is still on the bus, is no change.
#pragma once

#include <mmm/bus.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace spdlog {
class logger;
}

namespace mmm::core {

class Ticker;

class Presence {
 public:
  using Clock = std::chrono::steady_clock;
  using Change = std::function<void(std::int64_t userId, bool online)>;
  static constexpr const char* kTopic = "mmm.presence";

  Presence(Bus& bus, std::chrono::milliseconds heartbeat, std::chrono::milliseconds grace,
           std::shared_ptr<spdlog::logger> log);
  ~Presence();
  Presence(const Presence&) = delete;
  Presence& operator=(const Presence&) = delete;

  /// Set before start(): called for each change, under this class's lock (so a user's
  /// changes come in order): it must only hand them on, and not call back into Presence.
  void onChange(Change change) { change_ = std::move(change); }
  /// Listens to the other nodes and sends the heartbeat.
  void start();
  /// Tells at once of those going offline within their grace (the hub closed their sockets
  /// before this), then stops listening.
  void stop();

  /// The hub's onPresence: `userId`'s sockets on this node went 0→1 (true) or 1→0 (false).
  void local(std::int64_t userId, bool online);
  /// Those of `userIds` online on some node, in the order given.
  std::vector<std::int64_t> online(const std::vector<std::int64_t>& userIds) const;

  const std::string& node() const { return node_; }

 private:
  void received(const std::string& payload);
  void tick();
  void beat();  // under the lock
  void publish(const std::string& payload);  // under the lock: the bus gets news in the order of the state

  Bus& bus_;
  std::chrono::milliseconds heartbeat_, grace_;
  Clock::time_point nextBeat_{};
  std::shared_ptr<spdlog::logger> log_;
  std::string node_;  // random, per process
  Change change_;
  mutable std::mutex mutex_;
  std::unordered_map<std::int64_t, std::unordered_map<std::string, Clock::time_point>> where_;  // user → node → heard
  std::unordered_map<std::int64_t, Clock::time_point> leaving_;  // offline here, announced at that time unless back
  // Users whose last socket here closed while another node still had one, until then: if
  // that node's "-" empties the view first, this node announces (both may: at worst twice).
  std::unordered_map<std::int64_t, Clock::time_point> leftHere_;
  std::unique_ptr<Bus::Subscription> feed_;
  std::unique_ptr<Ticker> ticker_;
};

}  // namespace mmm::core
