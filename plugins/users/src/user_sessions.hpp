// Each user's sessions, indexed in the session store so that every node can end them all
// ("sign out everywhere") and a user holds at most a bounded number at once.
//
// The index uses only SessionStore's set/get/erase/increment: a counter per account numbers
// its sessions (increment is atomic, so every new session gets a number of its own, on any
// node), and key <account>:<n> holds session n's handle (Sessions::handle: it names the
// session without being a credential) for as long as sessions live.
// Starting session n ends session n - max; ending all reads the counter and ends the last
// `max` numbers. No read-modify-write of a shared value, so concurrent sign-ins on several
// nodes cannot lose one another's entries.
#pragma once

#include <mmm/sessions.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

namespace mmm::users {

class UserSessions {
 public:
  UserSessions(Sessions& sessions, std::size_t maxPerUser) : sessions_(sessions), max_(maxPerUser) {}

  /// Starts a session holding `state` for the account (`userId`, `email` as stored) and
  /// returns its token; ends the account's oldest session when this one is past the bound.
  std::string start(std::int64_t userId, const std::string& email, const std::string& state);
  /// Ends every session of the account, on every node (Sessions::destroyHandle, the
  /// sign-out path: their sockets close with 1008). The number that were still alive.
  std::size_t endAll(std::int64_t userId, const std::string& email);

 private:
  /// The account's index prefix: its id and email hashed together, so that a store reset
  /// (ids given again) or another deployment sharing the session store never meets it.
  static std::string accountKey(std::int64_t userId, const std::string& email);
  bool endNumber(const std::string& account, std::int64_t number);
  std::int64_t lastNumber(const std::string& account);

  Sessions& sessions_;
  const std::size_t max_;
};

}  // namespace mmm::users
