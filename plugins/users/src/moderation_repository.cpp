#include "moderation_repository.hpp"

#include <mmm/time.hpp>

using namespace Poco::Data::Keywords;

namespace mmm::users {

std::vector<Migration> ModerationRepository::migrations() {
  return {
      {1,
       "roles, suspensions and the audit log",
       {"CREATE TABLE user_roles ("
        " user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
        " role VARCHAR(32) NOT NULL,"
        " granted_at BIGINT NOT NULL,"
        " PRIMARY KEY (user_id, role)"
        "){{table_options}}",
        "CREATE TABLE user_suspensions ("
        " user_id BIGINT NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,"
        " reason VARCHAR(4000) NOT NULL,"
        " until_at BIGINT NOT NULL,"  // 0: until lifted
        " suspended_by BIGINT NOT NULL,"
        " created_at BIGINT NOT NULL"
        "){{table_options}}",
        "CREATE TABLE moderation_audit ("
        " id {{pk}},"
        " actor_id BIGINT NOT NULL,"
        " action VARCHAR(64) NOT NULL,"
        " target_kind VARCHAR(32) NOT NULL,"
        " target_id BIGINT NOT NULL,"
        " reason VARCHAR(4000) NOT NULL,"
        " created_at BIGINT NOT NULL"
        "){{table_options}}",
        "CREATE TABLE reports ("
        " id {{pk}},"
        " reporter_id BIGINT NOT NULL,"
        " kind VARCHAR(16) NOT NULL,"
        " target_id BIGINT NOT NULL,"
        " reason VARCHAR(4000) NOT NULL,"
        " state VARCHAR(16) NOT NULL,"  // open, resolved
        " action VARCHAR(16) NOT NULL DEFAULT '',"
        " resolved_by BIGINT NOT NULL DEFAULT 0,"
        " created_at BIGINT NOT NULL,"
        " resolved_at BIGINT NOT NULL DEFAULT 0,"
        " CONSTRAINT reports_once UNIQUE (reporter_id, kind, target_id)"
        "){{table_options}}",
        "CREATE INDEX reports_state ON reports (state, id)"}},
  };
}

bool ModerationRepository::grantAdmin(std::int64_t userId) {
  return store_.transaction([&](DbSession& session) {
    Poco::Int64 key = userId, count = 0, at = nowMillis();
    session << "SELECT COUNT(*) FROM user_roles WHERE user_id = ? AND role = 'admin'", use(key), into(count), now;
    if (count) return false;
    session << "INSERT INTO user_roles (user_id, role, granted_at) VALUES (?, 'admin', ?)", use(key), use(at), now;
    return true;
  });
}

bool ModerationRepository::hasAdminGrant(std::int64_t userId) {
  return store_.read([&](DbSession& session) {
    Poco::Int64 key = userId, count = 0;
    session << "SELECT COUNT(*) FROM user_roles WHERE user_id = ? AND role = 'admin'", use(key), into(count), now;
    return count > 0;
  });
}

void ModerationRepository::suspend(std::int64_t userId, const Suspension& suspension, std::int64_t byId) {
  store_.transaction([&](DbSession& session) {
    Poco::Int64 key = userId, until = suspension.until, by = byId, at = nowMillis();
    std::string reason = suspension.reason;
    session << "DELETE FROM user_suspensions WHERE user_id = ?", use(key), now;
    session << "INSERT INTO user_suspensions (user_id, reason, until_at, suspended_by, created_at) VALUES (?, ?, ?, ?, ?)",
        use(key), use(reason), use(until), use(by), use(at), now;
  });
}

bool ModerationRepository::lift(std::int64_t userId) {
  return store_.transaction([&](DbSession& session) {
    Poco::Int64 key = userId, count = 0;
    session << "SELECT COUNT(*) FROM user_suspensions WHERE user_id = ?", use(key), into(count), now;
    if (!count) return false;
    session << "DELETE FROM user_suspensions WHERE user_id = ?", use(key), now;
    return true;
  });
}

std::optional<Suspension> ModerationRepository::activeSuspension(std::int64_t userId) {
  return store_.read([&](DbSession& session) -> std::optional<Suspension> {
    std::optional<Suspension> found;
    store_.query(session, "SELECT reason, until_at FROM user_suspensions WHERE user_id = ?", {userId},
                 [&](const SqlRow& row) { found = Suspension{row.text(0), row.int64(1)}; });
    if (found && found->until != 0 && found->until <= nowMillis()) return std::nullopt;
    return found;
  });
}

void ModerationRepository::recordAudit(const AuditEntry& entry) {
  store_.transaction([&](DbSession& session) {
    Poco::Int64 actor = entry.actorId, target = entry.targetId, at = nowMillis();
    std::string action = entry.action, kind = entry.targetKind, reason = entry.reason;
    session << "INSERT INTO moderation_audit (actor_id, action, target_kind, target_id, reason, created_at) "
               "VALUES (?, ?, ?, ?, ?, ?)",
        use(actor), use(action), use(kind), use(target), use(reason), use(at), now;
  });
}

std::vector<AuditRecord> ModerationRepository::audit(std::int64_t limit, std::int64_t offset) {
  return store_.read([&](DbSession& session) {
    std::vector<AuditRecord> records;
    store_.query(session,
                 "SELECT id, actor_id, action, target_kind, target_id, reason, created_at FROM moderation_audit "
                 "ORDER BY id DESC LIMIT ? OFFSET ?",
                 {limit, offset}, [&](const SqlRow& r) {
                   records.push_back({r.int64(0), {r.int64(1), r.text(2), r.text(3), r.int64(4), r.text(5)}, r.int64(6)});
                 });
    return records;
  });
}

namespace {

constexpr const char* kReportColumns =
    "SELECT id, reporter_id, kind, target_id, reason, state, action, created_at FROM reports ";

std::vector<Report> selectReports(Store& store, DbSession& session, const std::string& sql,
                                  std::initializer_list<SqlValue> params) {
  std::vector<Report> reports;
  store.query(session, sql, params, [&](const SqlRow& r) {
    reports.push_back({r.int64(0), r.int64(1), r.text(2), r.int64(3), r.text(4), r.text(5), r.text(6), r.int64(7)});
  });
  return reports;
}

}  // namespace

std::pair<Report, bool> ModerationRepository::report(std::int64_t reporterId, const std::string& kind,
                                                     std::int64_t targetId, const std::string& reason) {
  const std::string find = std::string(kReportColumns) + "WHERE reporter_id = ? AND kind = ? AND target_id = ?";
  auto existing = [&] {
    return store_.read([&](DbSession& session) {
      return selectReports(store_, session, find, {reporterId, std::string_view(kind), targetId});
    });
  };
  if (auto found = existing(); !found.empty()) return {found.front(), false};
  try {
    const auto id = store_.transaction([&](DbSession& session) {
      Poco::Int64 reporter = reporterId, target = targetId, at = nowMillis();
      std::string k = kind, r = reason;
      session << "INSERT INTO reports (reporter_id, kind, target_id, reason, state, created_at) "
                 "VALUES (?, ?, ?, ?, 'open', ?)",
          use(reporter), use(k), use(target), use(r), use(at), now;
      return store_.lastInsertId(session);
    });
    return {*findReport(id), true};
  } catch (const std::exception& e) {
    if (!isDuplicateKey(e)) throw;
    auto found = existing();  // the same report, sent twice at once
    if (found.empty()) throw;
    return {found.front(), false};
  }
}

std::optional<Report> ModerationRepository::findReport(std::int64_t id) {
  return store_.read([&](DbSession& session) -> std::optional<Report> {
    auto found = selectReports(store_, session, std::string(kReportColumns) + "WHERE id = ?", {id});
    if (found.empty()) return std::nullopt;
    return found.front();
  });
}

std::vector<Report> ModerationRepository::reports(const std::string& state, std::int64_t limit, std::int64_t offset) {
  return store_.read([&](DbSession& session) {
    return selectReports(store_, session, std::string(kReportColumns) + "WHERE state = ? ORDER BY id DESC LIMIT ? OFFSET ?",
                         {std::string_view(state), limit, offset});
  });
}

std::size_t ModerationRepository::resolve(const Report& report, const std::string& action, std::int64_t byId) {
  return store_.transaction([&](DbSession& session) {
    Poco::Int64 target = report.targetId, by = byId, at = nowMillis();
    std::string kind = report.kind, a = action;
    // Every open report of the same target is settled by the same decision.
    session << "UPDATE reports SET state = 'resolved', action = ?, resolved_by = ?, resolved_at = ? "
               "WHERE kind = ? AND target_id = ? AND state = 'open'",
        use(a), use(by), use(at), use(kind), use(target), now;
    Poco::Int64 id = report.id;
    session << "UPDATE reports SET state = 'resolved', action = ?, resolved_by = ?, resolved_at = ? WHERE id = ?",
        use(a), use(by), use(at), use(id), now;
    return std::size_t{1};
  });
}

}  // namespace mmm::users
