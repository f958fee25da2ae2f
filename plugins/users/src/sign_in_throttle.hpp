// Counts sign-in attempts in the session store, so every node shares them: per (email,
// client address) pair, per email across all addresses, and per client address. Past a
// limit, sign-in answers 429 until that window ends. The pair limit is the tight one, so a
// stranger guessing someone's password blocks only his own address for that email, never
// the owner signing in from elsewhere; the per-email limit (much higher) bounds a guesser
// spread over many addresses. A success clears the pair's and the email's counts, so in
// effect they count failures in a row.
#pragma once

#include <mmm/sessions.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace mmm::users {

struct ThrottleLimits {
  int maxFailuresPerPair = 5;  // per (email, address), per `window`
  int maxFailuresPerEmail = 100;  // per email from all addresses, per `emailWindow`
  int maxFailuresPerAddress = 50;  // per address for all emails, per `window`
  std::chrono::seconds window{900};
  std::chrono::seconds emailWindow{3600};
};

class SignInThrottle {
 public:
  SignInThrottle(SessionStore& store, ThrottleLimits limits) : store_(store), limits_(limits) {}

  /// Counts a sign-in attempt before the password is checked, and answers from the counts
  /// that increment returned: seconds to wait when one is past its limit, nullopt when the
  /// attempt may go on. Counting first is what keeps concurrent guesses to the limit (a
  /// separate check, then count, lets every request in flight pass the check). The counts
  /// go address, pair, email, each only when the one before passed: an attempt refused
  /// for its address or its pair is no failure of the email, so hammering a blocked pair
  /// does not use up the owner's allowance.
  std::optional<std::chrono::seconds> attempt(const std::string& email, const std::string& clientIp);
  /// A success clears the pair's and the email's counts, and is counted for the address so
  /// that its failures are its attempts minus its successes (it may be guessing others'
  /// passwords between its own sign-ins, so its count is not cleared).
  void succeeded(const std::string& email, const std::string& clientIp);

 private:
  static std::string emailKey(const std::string& email);
  static std::string pairKey(const std::string& email, const std::string& clientIp);
  static std::string addressKey(const std::string& clientIp);           // attempts
  static std::string addressSuccessesKey(const std::string& clientIp);  // successes
  std::int64_t count(const std::string& key);

  SessionStore& store_;
  ThrottleLimits limits_;
};

}  // namespace mmm::users
