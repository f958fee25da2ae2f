// Who may change an event, in one place: its creator, and the admins (whose changes to
// others' events go into the audit log).
#pragma once

#include <mmm/error.hpp>
#include <mmm/moderation.hpp>

#include <cstdint>
#include <string>

namespace mmm::meetups {

class EventPolicy {
 public:
  explicit EventPolicy(Moderation moderation) : moderation_(std::move(moderation)) {}

  /// Asked before the transaction (a store read); `false` when not needed.
  bool isAdmin(std::int64_t userId) const { return moderation_.isAdmin(userId); }
  /// 403 ("only the event's creator can `what`") unless the caller created it or is an admin.
  static void requireCanChange(std::int64_t creatorId, std::int64_t caller, bool isAdmin, const std::string& what) {
    if (creatorId != caller && !isAdmin) throw HttpError(403, "only the event's creator or an admin can " + what);
  }
  /// Records an admin's `action` on someone else's event or series (`kind`), with the reason
  /// they gave, if any.
  void recordIfModerated(std::int64_t creatorId, std::int64_t caller, const std::string& action, const std::string& kind,
                         std::int64_t targetId, const std::string& reason = {}) const {
    if (creatorId != caller) moderation_.record({caller, action, kind, targetId, reason});
  }

 private:
  Moderation moderation_;
};

}  // namespace mmm::meetups
