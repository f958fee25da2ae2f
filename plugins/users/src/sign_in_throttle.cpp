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

std::int64_t SignInThrottle::count(const std::string& key) {
  auto value = store_.get(key);
  if (!value) return 0;
  try {
    return std::stoll(*value);
  } catch (const std::exception&) {
    return 0;
  }
}

std::optional<std::chrono::seconds> SignInThrottle::blocked(const std::string& email, const std::string& clientIp) {
  if (count(emailKey(email)) >= limits_.maxFailuresPerEmail ||
      count(addressKey(clientIp)) >= limits_.maxFailuresPerAddress)
    return limits_.window;
  return std::nullopt;
}

void SignInThrottle::failed(const std::string& email, const std::string& clientIp) {
  store_.increment(emailKey(email), limits_.window);
  store_.increment(addressKey(clientIp), limits_.window);
}

void SignInThrottle::succeeded(const std::string& email) { store_.erase(emailKey(email)); }

}  // namespace mmm::users
