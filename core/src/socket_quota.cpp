#include "socket_quota.hpp"

#include <random>

namespace mmm::core {

SocketQuota::SocketQuota(SessionStore& store, int perUser, std::chrono::seconds lease)
    : store_(store), perUser_(perUser), lease_(lease) {}

std::optional<std::string> SocketQuota::claim(std::int64_t userId) {
  // increment() answers 1 only to the caller that found the key absent: that caller owns
  // the slot. A larger answer means someone holds it (the count itself means nothing).
  // Starting at a random slot spreads concurrent claims of one user.
  thread_local std::minstd_rand random(std::random_device{}());
  const int first = static_cast<int>(random() % static_cast<unsigned>(perUser_));
  const std::string prefix = "ws:" + std::to_string(userId) + ":";
  for (int i = 0; i < perUser_; ++i) {
    std::string slot = prefix + std::to_string((first + i) % perUser_);
    if (store_.increment(slot, lease_) == 1) return slot;
  }
  return std::nullopt;
}

void SocketQuota::renew(const std::vector<std::string>& slots) {
  for (const auto& slot : slots) store_.set(slot, "1", lease_);
}

void SocketQuota::release(const std::vector<std::string>& slots) {
  for (const auto& slot : slots) store_.erase(slot);
}

}  // namespace mmm::core
