#include "presence.hpp"

#include "ticker.hpp"

#include <sodium.h>
#include <spdlog/logger.h>

#include <charconv>
#include <unordered_set>

namespace mmm::core {
namespace {

std::string randomNode() {
  unsigned char bytes[6];
  randombytes_buf(bytes, sizeof bytes);
  static const char* hex = "0123456789abcdef";
  std::string id;
  for (auto b : bytes) {
    id += hex[b >> 4];
    id += hex[b & 15];
  }
  return id;
}

bool parseId(std::string_view text, std::int64_t& id) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), id);
  return error == std::errc() && end == text.data() + text.size();
}

}  // namespace

// Messages: "+NODE USER" (came), "-NODE USER" (went), "=NODE U1,U2,…" (all of NODE's users).

Presence::Presence(Bus& bus, std::chrono::milliseconds heartbeat, std::chrono::milliseconds grace,
                   std::shared_ptr<spdlog::logger> log)
    : bus_(bus), heartbeat_(heartbeat), grace_(grace), log_(std::move(log)), node_(randomNode()) {}

Presence::~Presence() { stop(); }

void Presence::start() {
  feed_ = bus_.subscribe(kTopic, [this](const std::string&, const std::string& payload) { received(payload); });
  nextBeat_ = Clock::now();
  ticker_ = std::make_unique<Ticker>("presence", std::chrono::milliseconds(100), [this] { tick(); }, log_);
}

void Presence::stop() {
  ticker_.reset();
  feed_.reset();
  std::lock_guard lock(mutex_);
  for (const auto& [id, when] : leaving_)
    if (!where_.count(id) && change_) change_(id, false);
  leaving_.clear();
}

void Presence::publish(const std::string& payload) { bus_.publish(kTopic, payload); }

void Presence::local(std::int64_t userId, bool online) {
  std::lock_guard lock(mutex_);
  auto& nodes = where_[userId];
  const bool before = !nodes.empty();
  if (online)
    nodes[node_] = Clock::now();
  else
    nodes.erase(node_);
  const bool changed = before != !nodes.empty();
  if (nodes.empty()) where_.erase(userId);
  publish((online ? "+" : "-") + node_ + " " + std::to_string(userId));
  if (online) {
    leftHere_.erase(userId);
    // Back within the grace: never announced gone, so nothing to announce.
    if (changed && leaving_.erase(userId) == 0 && change_) change_(userId, true);
  } else if (changed) {
    leaving_[userId] = Clock::now() + grace_;  // announced by tick() unless they come back
  } else {
    leftHere_[userId] = Clock::now() + grace_;  // another node has them, as far as we know
  }
}

void Presence::tick() {
  const auto now = Clock::now();
  std::lock_guard lock(mutex_);
  for (auto it = leaving_.begin(); it != leaving_.end();) {
    if (it->second > now) {
      ++it;
      continue;
    }
    if (!where_.count(it->first) && change_) change_(it->first, false);  // not back, here or elsewhere
    it = leaving_.erase(it);
  }
  for (auto it = leftHere_.begin(); it != leftHere_.end();) it = it->second <= now ? leftHere_.erase(it) : std::next(it);
  if (now >= nextBeat_) {
    nextBeat_ = now + heartbeat_;
    beat();
  }
}

std::vector<std::int64_t> Presence::online(const std::vector<std::int64_t>& userIds) const {
  std::lock_guard lock(mutex_);
  std::vector<std::int64_t> found;
  for (auto id : userIds)
    if (where_.count(id)) found.push_back(id);
  return found;
}

void Presence::received(const std::string& payload) {
  const auto space = payload.find(' ');
  if (payload.size() < 2 || space == std::string::npos) return;
  const char kind = payload[0];
  const std::string node = payload.substr(1, space - 1);
  if (node == node_) return;  // our own, known already
  const std::string_view rest = std::string_view(payload).substr(space + 1);
  const auto now = Clock::now();
  std::lock_guard lock(mutex_);
  if (kind == '+' || kind == '-') {
    std::int64_t id = 0;
    if (!parseId(rest, id)) return;
    if (kind == '+') {
      where_[id][node] = now;
      leaving_.erase(id);  // went here, came there: no change for the cluster
    } else if (auto it = where_.find(id); it != where_.end()) {
      it->second.erase(node);
      if (it->second.empty()) {
        where_.erase(it);
        // Its last socket there closed, and ours a moment ago: gone from the cluster.
        if (leftHere_.erase(id)) leaving_[id] = now + grace_;
      }
    }
  } else if (kind == '=') {
    std::unordered_set<std::int64_t> listed;
    for (std::size_t from = 0; from < rest.size();) {
      auto comma = rest.find(',', from);
      if (comma == std::string_view::npos) comma = rest.size();
      std::int64_t id = 0;
      if (parseId(rest.substr(from, comma - from), id)) listed.insert(id);
      from = comma + 1;
    }
    for (auto it = where_.begin(); it != where_.end();) {  // those the node no longer has
      if (!listed.count(it->first)) it->second.erase(node);
      it = it->second.empty() ? where_.erase(it) : std::next(it);
    }
    for (auto id : listed) where_[id][node] = now;
  }
}

void Presence::beat() {
  std::string list;
  for (const auto& [id, nodes] : where_)
    if (nodes.count(node_)) list += (list.empty() ? "" : ",") + std::to_string(id);
  publish("=" + node_ + " " + list);
  // A node not heard of for three heartbeats is gone, with its users.
  const auto stale = Clock::now() - 3 * heartbeat_;
  for (auto it = where_.begin(); it != where_.end();) {
    for (auto n = it->second.begin(); n != it->second.end();)
      n = (n->first != node_ && n->second < stale) ? it->second.erase(n) : std::next(n);
    it = it->second.empty() ? where_.erase(it) : std::next(it);
  }
}

}  // namespace mmm::core
