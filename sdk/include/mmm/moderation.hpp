// Roles and the moderation log: services the users plugin provides to the others, so that
// chat and meetups can tell an admin from anyone else and record what moderators do without
// knowing the users plugin's tables. Look them up optionally (nullptr while users is
// disabled); a plugin keeps its own authorisation rules in one place and asks these.
#pragma once

#include <mmm/abi.hpp>
#include <mmm/services.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <typeinfo>

namespace mmm {

class MMM_EXPORT UserRoles {
 public:
  static constexpr const char* kServiceName = "mmm.users.roles";
  static constexpr int kServiceVersion = 1;
  virtual ~UserRoles() = default;

  /// True for a user whose email is in the users plugin's `admins` or who was granted the
  /// role (`mmm-server --grant-admin EMAIL`). False for an unknown user.
  virtual bool isAdmin(std::int64_t userId) = 0;
};

/// One moderator or admin action, as recorded.
struct AuditEntry {
  std::int64_t actorId = 0;  // who
  std::string action;        // what, e.g. "message.delete", "user.suspend"
  std::string targetKind;    // "message", "event", "user", "channel", "report"
  std::int64_t targetId = 0;
  std::string reason;        // may be empty
};

class MMM_EXPORT AuditLog {
 public:
  static constexpr const char* kServiceName = "mmm.users.audit";
  static constexpr int kServiceVersion = 1;
  virtual ~AuditLog() = default;

  /// Records `entry` with the current time. Called after the action committed; throws
  /// what the store throws.
  virtual void record(const AuditEntry& entry) = 0;
};

/// What can be reported, provided by the plugin that owns that kind of thing (chat:
/// "message", meetups: "event", users: "user"), so that the reports in the users plugin
/// never read another plugin's tables. Registered under serviceName(kind), one per kind.
class MMM_EXPORT ReportTarget {
 public:
  static constexpr const char* kServiceName = "mmm.report-target";  // a prefix: see serviceName
  static constexpr int kServiceVersion = 2;  // 2: findFor()
  virtual ~ReportTarget() = default;

  static std::string serviceName(const std::string& kind) { return std::string(kServiceName) + "." + kind; }
  static void provide(Services& services, const std::string& kind, std::shared_ptr<ReportTarget> target) {
    services.provide(serviceName(kind), kServiceVersion, typeid(ReportTarget).name(),
                     std::shared_ptr<void>(std::move(target)));
  }
  /// nullptr while the plugin owning `kind` is disabled.
  static std::shared_ptr<ReportTarget> find(const Services& services, const std::string& kind) {
    return std::static_pointer_cast<ReportTarget>(
        services.find(serviceName(kind), kServiceVersion, typeid(ReportTarget).name()));
  }

  struct Found {
    std::int64_t authorId = 0;  // who wrote or made it (for "user", the user)
    std::string excerpt;        // a short text to show admins (a message's body, a title, a name)
  };
  /// The target, or nullopt when it does not exist (any more): what admins see.
  virtual std::optional<Found> find(std::int64_t id) = 0;
  /// The target as `viewerId` may see it, or nullopt when it does not exist or is hidden from
  /// them (a message in a private channel they are not in): nobody reports what they cannot
  /// read, nor learns by reporting that it exists.
  virtual std::optional<Found> findFor(std::int64_t viewerId, std::int64_t id) = 0;
  /// Removes the target as admin `actorId` (pushing the change to browsers). False when it
  /// was already gone. Not for "user" (users are suspended, not removed).
  virtual bool remove(std::int64_t actorId, std::int64_t id) = 0;
};

/// What a plugin holds of the two services, both optional: without the users plugin nobody
/// is an admin and nothing is recorded.
class Moderation {
 public:
  Moderation() = default;
  Moderation(std::shared_ptr<UserRoles> roles, std::shared_ptr<AuditLog> audit)
      : roles_(std::move(roles)), audit_(std::move(audit)) {}
  static Moderation find(const Services& services) {
    return Moderation(services.find<UserRoles>(), services.find<AuditLog>());
  }

  bool isAdmin(std::int64_t userId) const { return roles_ && roles_->isAdmin(userId); }
  void record(const AuditEntry& entry) const {
    if (audit_) audit_->record(entry);
  }

 private:
  std::shared_ptr<UserRoles> roles_;
  std::shared_ptr<AuditLog> audit_;
};

}  // namespace mmm
