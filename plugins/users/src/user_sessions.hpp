// Which sessions a user holds, so that all of them can be ended at once (suspension).
// A minimal per-user index in the session store, shared by every node: each sign-in takes
// a slot "user-sessions:ID:W:N" (W: the session-lifetime window it started in, N: from an
// atomic counter per window), holding the session's handle (Sessions::handle, not the
// token) for as long as the session lives. A live
// session started in the current window or the one before, so endAll reads those two.
//
// Meant to be reconciled with the per-user session index of `DELETE /v1/sessions/all`
// (another branch): endAll is the interface suspension needs from it.
#pragma once

#include <mmm/sessions.hpp>

#include <cstdint>
#include <string>

namespace mmm::users {

class UserSessions {
 public:
  explicit UserSessions(Sessions& sessions) : sessions_(sessions) {}

  /// Remembers that `token` (just created) is one of `userId`'s sessions.
  void add(std::int64_t userId, const std::string& token);
  /// Ends every session of `userId` through Sessions::destroyHandle (the sign-out path), so that their WebSockets
  /// close on every node (1008). Returns how many were live.
  std::size_t endAll(std::int64_t userId);

 private:
  Sessions& sessions_;
};

}  // namespace mmm::users
