#include "hub.hpp"

#include "thread_name.hpp"
#include "ws_frame.hpp"

#include <mmm/text.hpp>

#include <spdlog/logger.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <variant>

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

namespace mmm::core {
namespace {

using Clock = std::chrono::steady_clock;
using FramePtr = std::shared_ptr<const std::string>;

struct Adopt {
  int fd;
  std::int64_t userId;
  std::string sessionKey;
  std::string handshake;
  std::string pending;
  std::string slot;
};
struct EndSession {
  std::string sessionKey;
};
struct Deliver {
  FramePtr frame;
  std::shared_ptr<const std::unordered_set<std::int64_t>> users;  // null: everyone
  std::int64_t except = 0;                                         // but this user (0: none)
};
using Command = std::variant<Adopt, Deliver, EndSession>;

struct Connection {
  Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() {
    if (fd >= 0) ::close(fd);
  }
  int fd = -1;  // owned
  std::int64_t userId = 0;
  std::string sessionKey;  // the session it was opened with
  std::string slot;        // its lease in the per-user socket quota (empty: none)
  std::string in;          // bytes read, not yet parsed
  std::string message;     // a fragmented message being reassembled
  std::uint8_t messageOpcode = 0;
  std::deque<FramePtr> out;
  std::size_t offset = 0;  // bytes of out.front() already sent
  std::size_t queuedBytes = 0;
  bool writing = false;    // EPOLLOUT armed
  bool closing = false;    // close frame queued: flush, then wait for the peer's EOF
  bool dead = false;       // to be removed at the end of the loop iteration
  bool dirty = false;      // frames queued since the last flush
  Clock::time_point lastHeard = Clock::now();
  Clock::time_point lastPing = Clock::now();
  Clock::time_point closeDeadline{};
  Clock::time_point framesSince{};  // the start of the second whose frames are counted
  int frames = 0;
};

}  // namespace

class Hub::Worker {
 public:
  Worker(Hub& hub) : hub_(hub) {
    epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
    wake_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (epoll_ < 0 || wake_ < 0) throw std::runtime_error("hub: epoll/eventfd failed");
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.fd = wake_;
    ::epoll_ctl(epoll_, EPOLL_CTL_ADD, wake_, &event);
  }
  ~Worker() {
    // Sockets handed over after the loop stopped were never adopted: close them.
    for (auto& command : inbox_)
      if (auto* adopt = std::get_if<Adopt>(&command)) {
        ::close(adopt->fd);
        hub_.connections_--;
        hub_.removeKey(0, {}, adopt->slot, false);
      }
    ::close(epoll_);
    ::close(wake_);
  }

  void start() {
    thread_ = std::thread([this] { run(); });
    nameThread(thread_, "mmm-hub");
  }
  void stop() {
    running_ = false;
    wake();
    if (thread_.joinable()) thread_.join();
  }
  void post(Command command) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      inbox_.push_back(std::move(command));
    }
    wake();
  }

 private:
  void wake() {
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_, &one, sizeof one);
  }

  void run() {
    std::vector<epoll_event> events(256);
    auto nextTick = Clock::now();
    while (running_) {
      const int n = ::epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), 250);
      if (n < 0 && errno != EINTR) failed("epoll_wait", std::strerror(errno));
      for (int i = 0; i < n; ++i) {
        const int fd = events[i].data.fd;
        // A failure stays with the connection (or command batch) it happened in.
        try {
          if (fd == wake_) {
            std::uint64_t count;
            [[maybe_unused]] auto r = ::read(wake_, &count, sizeof count);
            drainInbox();
            continue;
          }
          auto it = connections_.find(fd);
          if (it == connections_.end() || it->second->dead) continue;
          Connection& c = *it->second;
          if (events[i].events & (EPOLLERR | EPOLLHUP)) {
            kill(c);
            continue;
          }
          if (events[i].events & EPOLLIN) readFrom(c);
          if (events[i].events & EPOLLOUT) flush(c);
        } catch (const std::exception& e) {
          failed("a connection", e.what());
          if (auto it = connections_.find(fd); it != connections_.end()) kill(*it->second);
        }
      }
      try {
        if (Clock::now() >= nextTick) {
          tick();
          nextTick = Clock::now() + std::chrono::milliseconds(500);
        }
      } catch (const std::exception& e) {
        failed("the timer", e.what());
        nextTick = Clock::now() + std::chrono::milliseconds(500);
      }
      reap();
    }
    // Shutdown: tell everyone we are going away, as far as their buffers take it.
    for (auto& [fd, c] : connections_) {
      const std::string bye = ws::encodeClose(ws::GoingAway, "server shutting down");
      if (c->offset == 0) [[maybe_unused]] auto sent = ::send(fd, bye.data(), bye.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      ::shutdown(fd, SHUT_RDWR);
      hub_.connections_--;
      hub_.removeKey(c->userId, c->sessionKey, c->slot);
    }
    connections_.clear();
    byUser_.clear();
  }

  // Counts and logs an error the loop survived.
  void failed(const char* where, const char* what) {
    hub_.errors_++;
    hub_.log_->error("hub: error in {}: {}", where, what);
  }

  void drainInbox() {
    std::vector<Command> commands;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      commands.swap(inbox_);
    }
    // Pushes are queued first and flushed once per socket afterwards: when the hub falls
    // behind, several frames leave in one system call instead of one each.
    for (auto& command : commands) {  // (reaped by the caller's loop)
      if (auto* adopt = std::get_if<Adopt>(&command)) {
        add(adopt->fd, adopt->userId, std::move(adopt->sessionKey), std::move(adopt->handshake),
            std::move(adopt->pending), std::move(adopt->slot));
      } else if (auto* end = std::get_if<EndSession>(&command)) {
        for (auto& [fd, c] : connections_)
          if (c->sessionKey == end->sessionKey) close(*c, ws::PolicyViolation, "signed out");
      } else {
        const auto& deliver = std::get<Deliver>(command);
        if (!deliver.users) {
          std::vector<Connection*> all;
          for (auto& [fd, c] : connections_)
            if (c->userId != deliver.except || deliver.except == 0) all.push_back(c.get());
          for (auto* c : all) enqueue(*c, deliver.frame, false);
        } else {
          for (auto user : *deliver.users) {
            if (user == deliver.except && user != 0) continue;
            auto it = byUser_.find(user);
            if (it == byUser_.end()) continue;
            const auto fds = it->second;
            for (int fd : fds)
              if (auto c = connections_.find(fd); c != connections_.end()) enqueue(*c->second, deliver.frame, false);
          }
        }
      }
    }
    for (int fd : dirty_)
      if (auto c = connections_.find(fd); c != connections_.end()) {
        c->second->dirty = false;
        flush(*c->second);
      }
    dirty_.clear();
  }

  void add(int fd, std::int64_t userId, std::string sessionKey, std::string handshake, std::string pending,
           std::string slot) {
    auto c = std::make_unique<Connection>();
    c->fd = fd;  // closed with `c` from here on
    c->userId = userId;
    c->sessionKey = std::move(sessionKey);
    c->slot = std::move(slot);
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags >= 0) ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    // A small kernel buffer bounds memory per idle socket and lets the hub's own queue
    // notice a client that does not read.
    if (const int size = hub_.options_.sendBufferBytes; size > 0) ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    epoll_event event{};
    event.events = EPOLLIN | EPOLLRDHUP;
    event.data.fd = fd;
    if (::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &event) != 0) {
      hub_.log_->warn("hub: cannot watch the socket of user {}: {}", userId, std::strerror(errno));
      hub_.connections_--;  // counted by adopt(); the socket closes with `c`
      hub_.removeKey(0, {}, c->slot, false);
      return;
    }
    byUser_[userId].push_back(fd);
    hub_.addKey(userId, c->sessionKey, c->slot);
    Connection& added = *c;
    connections_[fd] = std::move(c);
    if (!handshake.empty()) enqueue(added, std::make_shared<const std::string>(std::move(handshake)));
    if (!pending.empty() && !added.dead) {  // frames that came with the upgrade request
      added.in = std::move(pending);
      handleFrames(added);
    }
  }

  // Connections are only marked here and removed by reap(), at the end of the loop
  // iteration, so no caller is left holding a destroyed one.
  void kill(Connection& c) {
    if (c.dead) return;
    c.dead = true;
    dead_.push_back(c.fd);
  }

  void reap() {
    for (int fd : dead_) {
      auto it = connections_.find(fd);
      if (it == connections_.end()) continue;
      ::epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
      auto& fds = byUser_[it->second->userId];
      fds.erase(std::remove(fds.begin(), fds.end(), fd), fds.end());
      if (fds.empty()) byUser_.erase(it->second->userId);
      hub_.removeKey(it->second->userId, it->second->sessionKey, it->second->slot);
      connections_.erase(it);  // closes the socket
      hub_.connections_--;
    }
    dead_.clear();
  }

  void arm(Connection& c, bool writing) {
    if (c.dead || c.writing == writing) return;
    c.writing = writing;
    epoll_event event{};
    event.events = EPOLLIN | EPOLLRDHUP | (writing ? static_cast<std::uint32_t>(EPOLLOUT) : 0u);
    event.data.fd = c.fd;
    if (::epoll_ctl(epoll_, EPOLL_CTL_MOD, c.fd, &event) != 0) {
      // Unwatched, it would never be written to or heard from again: drop it, counted.
      failed("epoll_ctl", std::strerror(errno));
      kill(c);
    }
  }

  // Queues a frame; sends at once unless `later` (then drainInbox flushes it).
  void enqueue(Connection& c, FramePtr frame, bool now = true) {
    if (c.closing || c.dead) return;
    if (c.out.size() >= hub_.options_.maxQueuedFrames || c.queuedBytes + frame->size() > hub_.options_.maxQueuedBytes) {
      // A client that does not read: close it rather than let it hold memory or stall us.
      hub_.droppedSlow_++;
      hub_.log_->info("closing the WebSocket of user {}: {} frames queued, not draining", c.userId, c.out.size());
      close(c, ws::PolicyViolation, "too slow: send queue full");
      return;
    }
    c.queuedBytes += frame->size();
    c.out.push_back(std::move(frame));
    if (now) {
      flush(c);
    } else if (!c.dirty) {
      c.dirty = true;
      dirty_.push_back(c.fd);
    }
  }

  // Writes what the socket takes, several frames per system call.
  void flush(Connection& c) {
    if (c.dead) return;
    while (!c.out.empty()) {
      iovec parts[64];
      std::size_t count = 0;
      for (auto it = c.out.begin(); it != c.out.end() && count < 64; ++it, ++count) {
        const std::size_t skip = count == 0 ? c.offset : 0;
        parts[count].iov_base = const_cast<char*>((*it)->data() + skip);
        parts[count].iov_len = (*it)->size() - skip;
      }
      msghdr message{};
      message.msg_iov = parts;
      message.msg_iovlen = count;
      ssize_t n = ::sendmsg(c.fd, &message, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
          arm(c, true);
          return;
        }
        if (errno == EINTR) continue;
        kill(c);
        return;
      }
      while (n > 0) {
        const std::size_t left = c.out.front()->size() - c.offset;
        if (static_cast<std::size_t>(n) < left) {
          c.offset += static_cast<std::size_t>(n);
          break;
        }
        n -= static_cast<ssize_t>(left);
        c.queuedBytes -= c.out.front()->size();
        c.offset = 0;
        c.out.pop_front();
      }
    }
    arm(c, false);
    if (c.closing) ::shutdown(c.fd, SHUT_WR);  // close frame sent; wait for the peer's EOF
  }

  // Queues a close frame after whatever frame is half sent (dropping the rest) and stops
  // accepting frames; the connection ends when the peer closes or the deadline passes.
  void close(Connection& c, std::uint16_t code, const char* reason) {
    if (c.closing || c.dead) return;
    while (c.out.size() > (c.offset ? 1 : 0)) {
      c.queuedBytes -= c.out.back()->size();
      c.out.pop_back();
    }
    c.closing = true;
    c.closeDeadline = Clock::now() + std::chrono::seconds(2);
    auto frame = std::make_shared<const std::string>(ws::encodeClose(code, reason));
    c.queuedBytes += frame->size();
    c.out.push_back(std::move(frame));
    flush(c);
  }

  // Reads and handles what arrived.
  void readFrom(Connection& c) {
    char buffer[16384];
    for (int rounds = 0; rounds < 16 && !c.dead; ++rounds) {  // fairness: others get a turn
      const ssize_t n = ::recv(c.fd, buffer, sizeof buffer, MSG_DONTWAIT);
      if (n == 0) {
        kill(c);  // the peer closed
        return;
      }
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) return;
        if (errno == EINTR) continue;
        kill(c);
        return;
      }
      c.lastHeard = Clock::now();
      if (c.closing) continue;  // discard until EOF
      c.in.append(buffer, static_cast<std::size_t>(n));
      handleFrames(c);
    }
  }

  // Parses complete frames; false when the connection is closing.
  bool handleFrames(Connection& c) {
    const auto& options = hub_.options_;
    std::size_t at = 0;
    while (!c.closing && !c.dead) {
      ws::Frame frame;
      const auto result = ws::parseClientFrame(std::string_view(c.in).substr(at), options.maxFrameBytes, frame);
      if (result.error) {
        close(c, result.error, result.error == ws::TooBig ? "frame too big" : "protocol error");
        return false;
      }
      if (!result.consumed) break;
      at += result.consumed;
      if (const int limit = options.maxClientFramesPerSecond; limit > 0) {
        const auto now = Clock::now();
        if (now - c.framesSince >= std::chrono::seconds(1)) {
          c.framesSince = now;
          c.frames = 0;
        }
        if (++c.frames > limit) {
          hub_.droppedChatty_++;
          close(c, ws::PolicyViolation, "too many frames per second");
          return false;
        }
      }
      switch (frame.opcode) {
        case ws::Ping:
          enqueue(c, std::make_shared<const std::string>(ws::encode(ws::Pong, frame.payload)));
          break;
        case ws::Pong:
          break;
        case ws::Close: {
          // Echo a valid close; answer a malformed one (RFC 6455 §5.5.1, §7.4) with 1002/1007.
          std::uint16_t code = ws::Normal;
          if (frame.payload.size() == 1) {
            code = ws::ProtocolError;
          } else if (frame.payload.size() >= 2) {
            const auto received =
                static_cast<std::uint16_t>((std::uint8_t(frame.payload[0]) << 8) | std::uint8_t(frame.payload[1]));
            const bool valid = (received >= 1000 && received <= 1003) || (received >= 1007 && received <= 1014) ||
                               (received >= 3000 && received <= 4999);
            if (!valid) code = ws::ProtocolError;
            else if (!isValidUtf8(std::string_view(frame.payload).substr(2))) code = ws::InvalidData;
            else code = received;
          }
          close(c, code, "");
          return false;
        }
        default:
          if (!message(c, frame)) return false;
      }
    }
    c.in.erase(0, at);
    if (c.in.size() > options.maxFrameBytes + 14) {  // a header promising more than we allow
      close(c, ws::TooBig, "frame too big");
      return false;
    }
    return true;
  }

  // A data frame: reassembled and checked; "ping" gets "pong", other text goes to onText
  // (the plugins that claimed its type), binary is ignored.
  bool message(Connection& c, ws::Frame& frame) {
    const auto& options = hub_.options_;
    const bool continuation = frame.opcode == ws::Continuation;
    const bool inMessage = c.messageOpcode != 0;  // fragments of a message so far
    if (continuation != inMessage) {
      close(c, ws::ProtocolError, "unexpected continuation");
      return false;
    }
    if (!continuation) c.messageOpcode = frame.opcode;
    if (c.message.size() + frame.payload.size() > options.maxFrameBytes) {
      close(c, ws::TooBig, "message too big");
      return false;
    }
    c.message += frame.payload;
    if (!frame.fin) return true;
    const std::uint8_t opcode = c.messageOpcode;
    std::string text = std::move(c.message);
    c.message.clear();
    c.messageOpcode = 0;
    if (opcode == ws::Text && !isValidUtf8(text)) {
      close(c, ws::InvalidData, "invalid UTF-8");
      return false;
    }
    if (opcode == ws::Text && text == "ping")
      enqueue(c, std::make_shared<const std::string>(ws::encode(ws::Text, "pong")));
    else if (opcode == ws::Text && options.onText)
      options.onText(c.userId, std::move(text));
    return !c.closing;
  }

  void tick() {
    const auto now = Clock::now();
    const auto& options = hub_.options_;
    std::vector<Connection*> all;
    for (auto& [fd, c] : connections_) all.push_back(c.get());
    for (auto* c : all) {
      if (c->dead) continue;
      if (c->closing) {
        if (now >= c->closeDeadline) kill(*c);
      } else if (now - c->lastHeard > options.idleTimeout) {
        close(*c, ws::GoingAway, "idle timeout");
      } else if (now - c->lastHeard > options.pingInterval && now - c->lastPing > options.pingInterval) {
        c->lastPing = now;
        enqueue(*c, std::make_shared<const std::string>(ws::encode(ws::Ping, "")));
      }
    }
  }

  Hub& hub_;
  int epoll_ = -1, wake_ = -1;
  std::atomic<bool> running_{true};
  std::thread thread_;
  std::mutex mutex_;
  std::vector<Command> inbox_;
  // Owned by the worker's thread.
  std::unordered_map<int, std::unique_ptr<Connection>> connections_;
  std::unordered_map<std::int64_t, std::vector<int>> byUser_;
  std::vector<int> dead_;
  std::vector<int> dirty_;
};

Hub::Hub(HubOptions options, std::shared_ptr<spdlog::logger> log) : options_(options), log_(std::move(log)) {
  for (int i = 0; i < std::max(1, options_.threads); ++i) workers_.push_back(std::make_unique<Worker>(*this));
}

Hub::~Hub() { stop(); }

void Hub::start() {
  if (started_) return;
  started_ = true;
  for (auto& worker : workers_) worker->start();
}

void Hub::stop() {
  if (!started_) return;
  started_ = false;
  for (auto& worker : workers_) worker->stop();
}

void Hub::adopt(int fd, std::int64_t userId, std::string sessionKey, std::string handshake, std::string pending,
                std::string slot) {
  connections_++;
  std::lock_guard<std::mutex> order(orderMutex_);  // see deliver()
  workers_[next_++ % workers_.size()]->post(
      Adopt{fd, userId, std::move(sessionKey), std::move(handshake), std::move(pending), std::move(slot)});
}

// onPresence runs under the lock, so a user's changes reach it in the order they happened
// even from two hub threads (it only hands them on).
void Hub::addKey(std::int64_t userId, const std::string& key, const std::string& slot) {
  std::lock_guard<std::mutex> lock(keysMutex_);
  ++sessionKeys_[key];
  if (!slot.empty()) ++slots_[slot];
  if (++userSockets_[userId] == 1 && options_.onPresence) options_.onPresence(userId, true);
}

// `counted` false: a socket never counted by addKey (only its slot is given back).
void Hub::removeKey(std::int64_t userId, const std::string& key, const std::string& slot, bool counted) {
  std::lock_guard<std::mutex> lock(keysMutex_);
  if (!key.empty())
    if (auto it = sessionKeys_.find(key); it != sessionKeys_.end() && --it->second <= 0) sessionKeys_.erase(it);
  if (counted)
    if (auto it = userSockets_.find(userId); it != userSockets_.end() && --it->second <= 0) {
      userSockets_.erase(it);
      if (options_.onPresence) options_.onPresence(userId, false);
    }
  if (slot.empty()) return;
  if (auto it = slots_.find(slot); it != slots_.end() && --it->second <= 0) slots_.erase(it);
  releasedSlots_.push_back(slot);
}

std::vector<std::string> Hub::slots() const {
  std::lock_guard<std::mutex> lock(keysMutex_);
  std::vector<std::string> slots;
  slots.reserve(slots_.size());
  for (const auto& [slot, count] : slots_) slots.push_back(slot);
  return slots;
}

std::vector<std::string> Hub::takeReleasedSlots() {
  std::lock_guard<std::mutex> lock(keysMutex_);
  return std::exchange(releasedSlots_, {});
}

std::vector<std::string> Hub::sessionKeys() const {
  std::lock_guard<std::mutex> lock(keysMutex_);
  std::vector<std::string> keys;
  keys.reserve(sessionKeys_.size());
  for (const auto& [key, count] : sessionKeys_) keys.push_back(key);
  return keys;
}

void Hub::endSession(const std::string& sessionKey) {
  for (auto& worker : workers_) worker->post(EndSession{sessionKey});
}

void Hub::deliver(const std::vector<std::int64_t>& userIds, bool toAll, const std::string& text, std::int64_t except) {
  // At debug level a push leaves a line on every node, with the trace of the request that
  // caused it (the bus makes it current): how to follow one message across a cluster.
  if (log_->should_log(spdlog::level::debug))
    log_->debug("push of {} bytes to {}{}", text.size(),
                toAll ? std::string("everyone") : std::to_string(userIds.size()) + " users",
                except ? " but user " + std::to_string(except) : std::string());
  // Framed once; every recipient's queue shares these bytes.
  auto frame = std::make_shared<const std::string>(ws::encode(ws::Text, text));
  std::shared_ptr<const std::unordered_set<std::int64_t>> users;
  if (!toAll) users = std::make_shared<const std::unordered_set<std::int64_t>>(userIds.begin(), userIds.end());
  // One order for every worker: a socket adopted after this push was posted to one worker
  // must not see it arrive on another (the poster could be preempted between the two).
  std::lock_guard<std::mutex> order(orderMutex_);
  for (auto& worker : workers_) worker->post(Deliver{frame, users, except});
}

}  // namespace mmm::core
