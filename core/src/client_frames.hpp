// Frames browsers send on their WebSockets, handed to the plugins that claimed their
// "type" (Host::onClientFrame), and users coming online and going (Host::onPresence). The hub's threads only queue the text here; parsing and the
// handlers run on a small pool of this class's own, so a flood of frames or a slow handler
// never stalls a socket or the HTTP workers. What cannot be queued, parsed or claimed is
// dropped and counted.
#pragma once

#include <mmm/host.hpp>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace spdlog {
class logger;
}

namespace mmm::core {

class WorkerPool;
class PluginGate;

class ClientFrames {
 public:
  /// Handlers run inside `gate` (see plugin_gate.hpp), so a live reload never stops a
  /// plugin while one of its handlers runs.
  ClientFrames(int threads, std::size_t maxQueued, std::shared_ptr<spdlog::logger> log, PluginGate& gate);
  ~ClientFrames();
  ClientFrames(const ClientFrames&) = delete;
  ClientFrames& operator=(const ClientFrames&) = delete;

  /// Host::onClientFrame for `plugin`: std::invalid_argument for a bad or taken type.
  void claim(const std::string& plugin, const std::string& type, ClientFrameHandler handler);
  /// Queues `text` from a socket of `userId` (any thread; never blocks).
  void dispatch(std::int64_t userId, std::string text);
  /// Host::onPresence for `plugin`: `handler` hears of every change presenceChanged() is told of.
  void watchPresence(const std::string& plugin, PresenceHandler handler);
  /// Forgets what `plugin` claimed and watched (it stopped). With the gate closed.
  void release(const std::string& plugin);
  /// Hands a change of presence (Presence's) to the watchers, on a thread of its own (so
  /// changes keep their order) behind a queue of its own (typing floods do not drop them).
  void presenceChanged(std::int64_t userId, bool online);
  /// Runs what is queued and joins the pool's threads. Idempotent.
  void stop();

  std::uint64_t handled() const { return handled_.load(); }
  /// Not queued (the pool's queue was full or it stopped).
  std::uint64_t dropped() const { return dropped_.load(); }
  /// Not a JSON object with a string "type", or a type no plugin claimed.
  std::uint64_t unclaimed() const { return unclaimed_.load(); }
  /// The handler threw.
  std::uint64_t failed() const { return failed_.load(); }

 private:
  void handle(std::int64_t userId, const std::string& text);

  PluginGate& gate_;
  std::shared_ptr<spdlog::logger> log_;
  std::unique_ptr<WorkerPool> pool_;
  std::unique_ptr<WorkerPool> presencePool_;  // one thread: a user's changes stay in order
  std::mutex mutex_;  // claims happen at start, before any frame; kept for safety
  std::map<std::string, std::pair<std::string, ClientFrameHandler>> handlers_;  // type → plugin, handler
  std::vector<std::pair<std::string, PresenceHandler>> presenceWatchers_;  // plugin, handler
  std::atomic<std::uint64_t> handled_{0}, dropped_{0}, unclaimed_{0}, failed_{0};
};

}  // namespace mmm::core
