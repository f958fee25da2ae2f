#include "sign_in_throttle.hpp"

#include <Poco/DigestEngine.h>
#include <Poco/SHA1Engine.h>

namespace mmm::users {

// Keys hash the email so the session store never holds addresses in clear.
std::string SignInThrottle::emailKey(const std::string& email) {
  Poco::SHA1Engine sha;
  sha.update(email);
  return "throttle:email:" + Poco::DigestEngine::digestToHex(sha.digest());
}

std::string SignInThrottle::addressKey(const std::string& clientIp) { return "throttle:ip:" + clientIp; }

std::string SignInThrottle::addressSuccessesKey(const std::string& clientIp) { return "throttle:ip-ok:" + clientIp; }

std::int64_t SignInThrottle::count(const std::string& key) {
  auto value = store_.get(key);
  if (!value) return 0;
  try {
    return std::stoll(*value);
  } catch (const std::exception&) {
    return 0;
  }
}

std::optional<std::chrono::seconds> SignInThrottle::attempt(const std::string& email, const std::string& clientIp) {
  const auto byEmail = store_.increment(emailKey(email), limits_.window);
  const auto byAddress = store_.increment(addressKey(clientIp), limits_.window);
  // A new window for the address: the successes counted in the last one no longer offset.
  if (byAddress == 1) store_.erase(addressSuccessesKey(clientIp));
  // An attempt counts as a failure until it succeeds (those in flight included).
  const auto failuresByAddress = byAddress - count(addressSuccessesKey(clientIp));
  if (byEmail > limits_.maxFailuresPerEmail || failuresByAddress > limits_.maxFailuresPerAddress)
    return limits_.window;
  return std::nullopt;
}

void SignInThrottle::succeeded(const std::string& email, const std::string& clientIp) {
  store_.erase(emailKey(email));
  store_.increment(addressSuccessesKey(clientIp), limits_.window);
}

}  // namespace mmm::users
