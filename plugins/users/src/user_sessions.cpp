#include "user_sessions.hpp"

#include <Poco/DigestEngine.h>
#include <Poco/SHA1Engine.h>

#include <algorithm>

namespace mmm::users {
namespace {

// The counter numbering an account's sessions must outlive them all; it is one small key
// per account that signed in (increment never extends an expiry, so it is set long).
constexpr std::chrono::hours kCounterLifetime{24 * 365 * 10};

std::string numberKey(const std::string& account, std::int64_t number) {
  return account + ":" + std::to_string(number);
}

}  // namespace

std::string UserSessions::accountKey(std::int64_t userId, const std::string& email) {
  Poco::SHA1Engine sha;
  sha.update(std::to_string(userId) + '\n' + email);
  return "user-sessions:" + Poco::DigestEngine::digestToHex(sha.digest());
}

std::int64_t UserSessions::lastNumber(const std::string& account) {
  auto value = sessions_.store().get(account + ":n");
  if (!value) return 0;
  try {
    return std::stoll(*value);
  } catch (const std::exception&) {
    return 0;
  }
}

bool UserSessions::endNumber(const std::string& account, std::int64_t number) {
  auto& store = sessions_.store();
  const std::string key = numberKey(account, number);
  auto handle = store.get(key);
  if (!handle) return false;
  store.erase(key);
  return sessions_.destroyHandle(*handle);
}

std::string UserSessions::start(std::int64_t userId, const std::string& email, const std::string& state) {
  auto& store = sessions_.store();
  const std::string account = accountKey(userId, email);
  std::string token = sessions_.create(state);
  const std::int64_t number = store.increment(account + ":n", kCounterLifetime);
  store.set(numberKey(account, number), sessions_.handle(token), sessions_.ttl());
  const auto max = static_cast<std::int64_t>(max_);
  if (number > max) endNumber(account, number - max);
  // A sign-in that was slower than `max` later ones (between its number and its entry)
  // found no entry to end when they looked: it ends itself. The session was never handed
  // out, so the client gets a token that is already invalid, as if it had been the oldest.
  if (lastNumber(account) - number >= max) endNumber(account, number);
  return token;
}

std::size_t UserSessions::endAll(std::int64_t userId, const std::string& email) {
  const std::string account = accountKey(userId, email);
  const std::int64_t last = lastNumber(account);
  std::size_t ended = 0;
  for (std::int64_t n = std::max<std::int64_t>(1, last - static_cast<std::int64_t>(max_) + 1); n <= last; ++n)
    if (endNumber(account, n)) ++ended;
  return ended;
}

}  // namespace mmm::users
