// Who may do what in the chat beyond reading and posting, in one place. Moderators of a
// channel are its creator (for an event's channel, the event's creator) and the admins.
#pragma once

#include "chat_repository.hpp"

#include <mmm/moderation.hpp>

#include <cstdint>

namespace mmm::chat {

class ChatPolicy {
 public:
  explicit ChatPolicy(Moderation moderation) : moderation_(std::move(moderation)) {}

  bool isAdmin(std::int64_t userId) const { return moderation_.isAdmin(userId); }
  /// The channel's creator, or `isAdmin` (asked before the transaction: a store read).
  static bool moderates(const Channel& channel, std::int64_t userId, bool isAdmin) {
    return isAdmin || channel.creatorId == userId;
  }
  /// Records a moderator's action (not an author's own).
  void record(const AuditEntry& entry) const { moderation_.record(entry); }

 private:
  Moderation moderation_;
};

}  // namespace mmm::chat
