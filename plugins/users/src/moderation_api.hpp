// The users plugin's part of moderation: suspension, the audit log, --grant-admin, and the
// AuditLog service other plugins record their moderators' actions with.
#pragma once

#include "moderation_repository.hpp"
#include "roles.hpp"
#include "user_repository.hpp"
#include "user_sessions.hpp"

#include <mmm/http.hpp>
#include <mmm/moderation.hpp>

#include <iosfwd>
#include <memory>

namespace spdlog {
class logger;
}

namespace mmm::users {

class ModerationApi {
 public:
  ModerationApi(UserRepository& users, ModerationRepository& moderation, Roles& roles, UserSessions& sessions,
                std::shared_ptr<spdlog::logger> log)
      : users_(users), moderation_(moderation), roles_(roles), sessions_(sessions), log_(std::move(log)) {}

  Response suspend(Request& request);    // POST /v1/users/{id}/suspend
  Response unsuspend(Request& request);  // DELETE /v1/users/{id}/suspend
  Response audit(Request& request);      // GET /v1/audit

  /// Suspends `userId` and ends their sessions everywhere; records it as done by `actorId`.
  /// 404 when there is no such user, 409 for oneself.
  /// `why` is what the audit log records (the suspension's reason when empty): the reason
  /// itself is what the suspended user is told.
  void suspendUser(std::int64_t actorId, std::int64_t userId, const Suspension& suspension, const std::string& why = "");
  /// 403 with the reason when `userId` is suspended (checked at sign-in).
  void checkNotSuspended(std::int64_t userId);

  /// `mmm-server --grant-admin EMAIL`: 0 (granted, or already an admin), 1 for an unknown email.
  int grantAdmin(const std::string& email, std::ostream& out, std::ostream& err);

 private:
  UserRepository& users_;
  ModerationRepository& moderation_;
  Roles& roles_;
  UserSessions& sessions_;
  std::shared_ptr<spdlog::logger> log_;
};

class AuditService final : public AuditLog {
 public:
  explicit AuditService(ModerationRepository& moderation) : moderation_(moderation) {}
  void record(const AuditEntry& entry) override { moderation_.recordAudit(entry); }

 private:
  ModerationRepository& moderation_;
};

}  // namespace mmm::users
