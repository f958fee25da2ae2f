// The users plugin's moderation tables: granted roles, suspensions and the audit log. Kept
// under their own migration owner ("users-moderation") so they version apart from the
// accounts' tables.
#pragma once

#include <mmm/moderation.hpp>
#include <mmm/store.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mmm::users {

struct Suspension {
  std::string reason;
  std::int64_t until = 0;  // epoch ms; 0: until lifted
};

struct AuditRecord {
  std::int64_t id = 0;
  AuditEntry entry;
  std::int64_t createdAt = 0;  // epoch ms
};

struct Report {
  std::int64_t id = 0, reporterId = 0;
  std::string kind;  // message, event, user
  std::int64_t targetId = 0;
  std::string reason, state, action;  // state: open, resolved; action: dismiss, delete, suspend
  std::int64_t createdAt = 0;
};

class ModerationRepository {
 public:
  static constexpr const char* kMigrationOwner = "users-moderation";
  explicit ModerationRepository(Store& store) : store_(store) {}

  static std::vector<Migration> migrations();

  /// False when the user already had the grant (idempotent).
  bool grantAdmin(std::int64_t userId);
  bool hasAdminGrant(std::int64_t userId);

  /// Replaces any suspension the user had.
  void suspend(std::int64_t userId, const Suspension& suspension, std::int64_t byId);
  /// False when the user was not suspended.
  bool lift(std::int64_t userId);
  /// The suspension in force now, if any (one whose `until` passed is not).
  std::optional<Suspension> activeSuspension(std::int64_t userId);

  /// The reporter's report of that target: made now (true), or the one they made before.
  std::pair<Report, bool> report(std::int64_t reporterId, const std::string& kind, std::int64_t targetId,
                                 const std::string& reason);
  std::optional<Report> findReport(std::int64_t id);
  /// Newest first.
  std::vector<Report> reports(const std::string& state, std::int64_t limit, std::int64_t offset);
  /// Resolves `report` and every other open report of its target with `action`.
  std::size_t resolve(const Report& report, const std::string& action, std::int64_t byId);

  void recordAudit(const AuditEntry& entry);
  /// Newest first.
  std::vector<AuditRecord> audit(std::int64_t limit, std::int64_t offset);

 private:
  Store& store_;
};

}  // namespace mmm::users
