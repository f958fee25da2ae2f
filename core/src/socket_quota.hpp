// WebSockets per user, counted on every node: each open socket holds one of the user's
// numbered slots, a key in the session store that expires unless its node renews it. A
// socket that cannot claim a free slot is refused (429). A node that dies takes its
// sockets with it, and their slots expire within one lease.
#pragma once

#include <mmm/sessions.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mmm::core {

class SocketQuota {
 public:
  /// `perUser` slots per user; a slot lives `lease` unless renewed (renew more often).
  SocketQuota(SessionStore& store, int perUser, std::chrono::seconds lease);

  /// A free slot of `userId` (its key), now taken; nullopt when every slot is taken.
  /// Blocks on the session store (a worker thread's call, never the hub's).
  std::optional<std::string> claim(std::int64_t userId);
  /// Extends the leases of `slots` (those of open sockets).
  void renew(const std::vector<std::string>& slots);
  /// Frees `slots` (of sockets that closed).
  void release(const std::vector<std::string>& slots);

  int perUser() const { return perUser_; }
  std::chrono::seconds lease() const { return lease_; }

 private:
  SessionStore& store_;
  int perUser_;
  std::chrono::seconds lease_;
};

}  // namespace mmm::core
