#include "user_sessions.hpp"

#include <mmm/time.hpp>

#include <chrono>

namespace mmm::users {
namespace {

std::string prefix(std::int64_t userId, std::int64_t window) {
  return "user-sessions:" + std::to_string(userId) + ":" + std::to_string(window);
}

}  // namespace

void UserSessions::add(std::int64_t userId, const std::string& token) {
  const auto ttl = std::chrono::duration_cast<std::chrono::milliseconds>(sessions_.ttl());
  const std::int64_t window = nowMillis() / std::max<std::int64_t>(1, ttl.count());
  auto& store = sessions_.store();
  // The counter outlives every slot of its window (the last one is made at its end).
  const std::int64_t slot = store.increment(prefix(userId, window) + ":count", ttl * 2 + std::chrono::minutes(1));
  // The session's handle, not its token: the index holds no credential.
  store.set(prefix(userId, window) + ":" + std::to_string(slot), sessions_.handle(token), ttl);
}

std::size_t UserSessions::endAll(std::int64_t userId) {
  const auto ttl = std::chrono::duration_cast<std::chrono::milliseconds>(sessions_.ttl());
  const std::int64_t window = nowMillis() / std::max<std::int64_t>(1, ttl.count());
  auto& store = sessions_.store();
  std::size_t ended = 0;
  for (std::int64_t w = window - 1; w <= window; ++w) {
    const auto base = prefix(userId, w);
    const auto count = store.get(base + ":count");
    std::int64_t slots = 0;
    try {
      slots = count ? std::stoll(*count) : 0;
    } catch (const std::exception&) {
      slots = 0;
    }
    for (std::int64_t n = 1; n <= slots; ++n) {
      const auto key = base + ":" + std::to_string(n);
      if (auto handle = store.get(key)) {
        if (sessions_.destroyHandle(*handle)) ++ended;
        store.erase(key);
      }
    }
  }
  return ended;
}

}  // namespace mmm::users
