// The WebSocket hub: sockets handed over after the upgrade are served by a few threads of
// its own (epoll), never by HTTP threads. Each socket has a bounded send queue; a client
// that does not drain it is closed (1008) without slowing the others. A push is framed
// once and the same bytes are queued for every recipient. Generic: it delivers text to
// user ids (or everyone), hands what clients send to onText, and knows nothing of chat.
#pragma once

#include <atomic>
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

struct HubOptions {
  int threads = 2;
  std::size_t maxFrameBytes = 64 * 1024;        // larger client messages: close 1009
  std::size_t maxQueuedFrames = 1024;           // per socket; past it: close 1008
  std::size_t maxQueuedBytes = 4 * 1024 * 1024;  // per socket
  std::chrono::seconds pingInterval{30};
  std::chrono::seconds idleTimeout{75};         // nothing heard for this long: dropped
  int sendBufferBytes = 0;                      // SO_SNDBUF per socket; 0: the kernel's default
  int maxClientFramesPerSecond = 0;             // frames a client may send per second; past it: close 1008; 0: any
  /// Each complete text message a client sends (but "ping"), with its sender: called on a
  /// hub thread, so it must only hand the text on (ClientFrames::dispatch). Empty: ignored.
  std::function<void(std::int64_t userId, std::string text)> onText;
  /// A user's sockets on this node went from 0 to 1 (true) or from 1 to 0 (false): called
  /// on a hub thread, in the order the changes happened for that user; must only hand it on.
  std::function<void(std::int64_t userId, bool online)> onPresence;
};

class Hub {
 public:
  Hub(HubOptions options, std::shared_ptr<spdlog::logger> log);
  ~Hub();
  Hub(const Hub&) = delete;
  Hub& operator=(const Hub&) = delete;

  void start();
  /// Closes every socket with 1001 (going away) and joins the threads.
  void stop();

  /// Takes over an upgraded connection of `userId`, opened with the session `sessionKey`:
  /// the descriptor (now the hub's to close), the handshake response still to be sent (it
  /// goes first, so that every push delivered after this call follows it), and the bytes
  /// the client sent after the upgrade request, which are frames already. `slot`, if not
  /// empty, is the socket's lease in the per-user quota: listed by slots() while the socket
  /// is open, then once by takeReleasedSlots().
  void adopt(int fd, std::int64_t userId, std::string sessionKey, std::string handshake = {},
             std::string pending = {}, std::string slot = {});
  /// Closes (1008) every socket opened with the session `sessionKey`: it was signed out.
  void endSession(const std::string& sessionKey);
  /// Queues `text` as one text frame for every socket of `userIds` (or of everyone) that
  /// was adopted before this call: never to one adopted after it. None goes to user
  /// `except` (0: nobody is left out).
  void deliver(const std::vector<std::int64_t>& userIds, bool toAll, const std::string& text, std::int64_t except = 0);

  std::int64_t connections() const { return connections_.load(); }
  std::int64_t droppedSlow() const { return droppedSlow_.load(); }
  /// Connections dropped after an unexpected error in the hub, and loop errors caught.
  std::int64_t errors() const { return errors_.load(); }
  /// The session keys that open sockets were opened with (each once), so that a watcher
  /// can close those whose session expired or vanished: see endSession().
  std::vector<std::string> sessionKeys() const;
  /// The quota slots of open sockets, and those of sockets closed since the last call.
  std::vector<std::string> slots() const;
  std::vector<std::string> takeReleasedSlots();
  /// Sockets closed (1008) for sending more frames per second than allowed.
  std::int64_t droppedChatty() const { return droppedChatty_.load(); }

  class Worker;

 private:
  void addKey(std::int64_t userId, const std::string& key, const std::string& slot);
  void removeKey(std::int64_t userId, const std::string& key, const std::string& slot, bool counted = true);

  HubOptions options_;
  std::shared_ptr<spdlog::logger> log_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::atomic<std::size_t> next_{0};
  std::atomic<std::int64_t> connections_{0};
  std::atomic<std::int64_t> droppedSlow_{0};
  std::atomic<std::int64_t> errors_{0};
  std::atomic<std::int64_t> droppedChatty_{0};
  std::mutex orderMutex_;  // adopt() and deliver() post in one order to every worker
  mutable std::mutex keysMutex_;
  std::unordered_map<std::string, int> sessionKeys_;  // key → open sockets
  std::unordered_map<std::string, int> slots_;        // quota slot → open sockets (1)
  std::unordered_map<std::int64_t, int> userSockets_;  // user → open sockets on this node
  std::vector<std::string> releasedSlots_;
  bool started_ = false;
};

}  // namespace mmm::core
