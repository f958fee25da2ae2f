#include "sign_in_throttle.hpp"

#include <Poco/DigestEngine.h>
#include <Poco/SHA1Engine.h>

namespace mmm::users {

namespace {

std::string sha1Hex(const std::string& text) {
  Poco::SHA1Engine sha;
  sha.update(text);
  return Poco::DigestEngine::digestToHex(sha.digest());
}

}  // namespace

// Keys hash the email so the session store never holds addresses in clear.
std::string SignInThrottle::emailKey(const std::string& email) { return "throttle:email:" + sha1Hex(email); }

std::string SignInThrottle::pairKey(const std::string& email, const std::string& clientIp) {
  return "throttle:pair:" + sha1Hex(email + '\n' + clientIp);
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
  const auto byAddress = store_.increment(addressKey(clientIp), limits_.window);
  // A new window for the address: the successes counted in the last one no longer offset.
  if (byAddress == 1) store_.erase(addressSuccessesKey(clientIp));
  // An attempt counts as a failure until it succeeds (those in flight included).
  if (byAddress - count(addressSuccessesKey(clientIp)) > limits_.maxFailuresPerAddress) return limits_.window;
  if (store_.increment(pairKey(email, clientIp), limits_.window) > limits_.maxFailuresPerPair) return limits_.window;
  if (store_.increment(emailKey(email), limits_.emailWindow) > limits_.maxFailuresPerEmail) return limits_.emailWindow;
  return std::nullopt;
}

void SignInThrottle::succeeded(const std::string& email, const std::string& clientIp) {
  store_.erase(pairKey(email, clientIp));
  store_.erase(emailKey(email));
  store_.increment(addressSuccessesKey(clientIp), limits_.window);
}

}  // namespace mmm::users
