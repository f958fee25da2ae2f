#include "roles.hpp"

#include <mmm/error.hpp>

namespace mmm::users {

bool Roles::isAdmin(std::int64_t userId) {
  if (!adminEmails_.empty()) {
    auto user = users_.findById(userId);
    if (!user) return false;
    if (adminEmails_.count(user->email)) return true;
  }
  return moderation_.hasAdminGrant(userId);
}

void Roles::requireAdmin(const SessionInfo& caller) {
  if (!isAdmin(caller.userId)) throw HttpError(403, "only admins may do this");
}

}  // namespace mmm::users
