// Counts sign-in attempts per email and per client address in the session store, so every
// node shares them; past a limit, sign-in answers 429 until the window ends. A success
// clears the email's count, so in effect it counts failures in a row.
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

  /// Counts a sign-in attempt before the password is checked, and answers from the counts
  /// that increment returned: seconds to wait when either is past its limit, nullopt when
  /// the attempt may go on. Counting first is what keeps concurrent guesses to the limit
  /// (a separate check, then count, lets every request in flight pass the check).
  std::optional<std::chrono::seconds> attempt(const std::string& email, const std::string& clientIp);
  /// A success clears the email's count, and is counted for the address so that its
  /// failures are its attempts minus its successes (it may be guessing others' passwords
  /// between its own sign-ins, so its count is not cleared).
  void succeeded(const std::string& email, const std::string& clientIp);

 private:
  static std::string emailKey(const std::string& email);
  static std::string addressKey(const std::string& clientIp);           // attempts
  static std::string addressSuccessesKey(const std::string& clientIp);  // successes
  std::int64_t count(const std::string& key);

  SessionStore& store_;
  ThrottleLimits limits_;
};

}  // namespace mmm::users
