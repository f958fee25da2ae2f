#include "client_frames.hpp"

#include "plugin_gate.hpp"
#include "worker_pool.hpp"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <spdlog/logger.h>

#include <algorithm>
#include <iterator>
#include <stdexcept>

namespace mmm::core {

ClientFrames::ClientFrames(int threads, std::size_t maxQueued, std::shared_ptr<spdlog::logger> log,
                           PluginGate& gate)
    : gate_(gate),
      log_(std::move(log)),
      pool_(std::make_unique<WorkerPool>(threads, maxQueued, log_, "mmm-frames")),
      presencePool_(std::make_unique<WorkerPool>(1, 65536, log_, "mmm-presence")) {}

ClientFrames::~ClientFrames() { stop(); }

void ClientFrames::stop() {
  pool_->stop();
  presencePool_->stop();
}

void ClientFrames::claim(const std::string& plugin, const std::string& type, ClientFrameHandler handler) {
  if (type.empty() || type.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-_") != std::string::npos)
    throw std::invalid_argument("client frame types are lowercase letters, digits, '-' and '_': '" + type + "'");
  if (!handler) throw std::invalid_argument("no handler for client frames of type '" + type + "'");
  std::lock_guard lock(mutex_);
  auto [it, added] = handlers_.emplace(type, std::make_pair(plugin, std::move(handler)));
  if (!added)
    throw std::invalid_argument("client frames of type '" + type + "' are claimed already by plugin '" + it->second.first + "'");
}

void ClientFrames::watchPresence(const std::string& plugin, PresenceHandler handler) {
  if (!handler) throw std::invalid_argument("no presence handler");
  std::lock_guard lock(mutex_);
  presenceWatchers_.emplace_back(plugin, std::move(handler));
}

void ClientFrames::release(const std::string& plugin) {
  std::lock_guard lock(mutex_);
  for (auto it = handlers_.begin(); it != handlers_.end();)
    it = it->second.first == plugin ? handlers_.erase(it) : std::next(it);
  presenceWatchers_.erase(std::remove_if(presenceWatchers_.begin(), presenceWatchers_.end(),
                                         [&](const auto& watcher) { return watcher.first == plugin; }),
                          presenceWatchers_.end());
}

void ClientFrames::presenceChanged(std::int64_t userId, bool online) {
  {
    std::lock_guard lock(mutex_);
    if (presenceWatchers_.empty()) return;
  }
  WorkerPool::Task task = [this, userId, online] {
    PluginGate::Pass pass(gate_);
    std::vector<PresenceHandler> watchers;
    {
      std::lock_guard lock(mutex_);
      for (const auto& [plugin, watcher] : presenceWatchers_) watchers.push_back(watcher);
    }
    for (const auto& watcher : watchers) {
      try {
        watcher(userId, online);
      } catch (const std::exception& e) {
        failed_++;
        log_->error("a presence handler failed for user {}: {}", userId, e.what());
      }
    }
  };
  if (!presencePool_->tryPost(task)) {
    dropped_++;
    log_->warn("a presence change of user {} was dropped: its queue is full", userId);
  }
}

void ClientFrames::dispatch(std::int64_t userId, std::string text) {
  WorkerPool::Task task = [this, userId, text = std::move(text)] { handle(userId, text); };
  if (!pool_->tryPost(task)) {
    // Counted, and logged once in a while: a flood must not become a flood of log lines.
    if (dropped_.fetch_add(1) % 1000 == 0) log_->warn("client frames dropped: their queue is full ({} so far)", dropped_.load());
  }
}

void ClientFrames::handle(std::int64_t userId, const std::string& text) {
  Poco::JSON::Object::Ptr frame;
  std::string type;
  try {
    frame = Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
    if (frame && frame->has("type") && frame->get("type").isString()) type = frame->getValue<std::string>("type");
  } catch (const std::exception&) {
    // not a JSON object: unclaimed, below
  }
  PluginGate::Pass pass(gate_);  // the handler's plugin is not stopped while it runs
  ClientFrameHandler handler;
  {
    std::lock_guard lock(mutex_);
    if (auto it = handlers_.find(type); it != handlers_.end()) handler = it->second.second;
  }
  if (!handler) {
    unclaimed_++;
    return;
  }
  try {
    handler(userId, *frame);
    handled_++;
  } catch (const std::exception& e) {
    failed_++;
    log_->error("a '{}' frame of user {} failed: {}", type, userId, e.what());
  }
}

}  // namespace mmm::core
