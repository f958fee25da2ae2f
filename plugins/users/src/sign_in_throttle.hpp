// Counts failed sign-ins per email and per client address in the session store, so every
// node shares them; past a limit, sign-in answers 429 until the window ends.
#pragma once

#include <mmm/sessions.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace mmm::users {

struct ThrottleLimits {
  int maxFailuresPerEmail = 5;
  int maxFailuresPerAddress = 50;
  std::chrono::seconds window{900};
};

class SignInThrottle {
 public:
  SignInThrottle(SessionStore& store, ThrottleLimits limits) : store_(store), limits_(limits) {}

  /// Seconds to wait when either counter is at its limit; nullopt when a try is allowed.
  std::optional<std::chrono::seconds> blocked(const std::string& email, const std::string& clientIp);
  void failed(const std::string& email, const std::string& clientIp);
  /// A success clears the email's count (the address's stays: it may be guessing others).
  void succeeded(const std::string& email);

 private:
  static std::string emailKey(const std::string& email);
  static std::string addressKey(const std::string& clientIp);
  std::int64_t count(const std::string& key);

  SessionStore& store_;
  ThrottleLimits limits_;
};

}  // namespace mmm::users
