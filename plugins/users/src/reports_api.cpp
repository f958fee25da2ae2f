#include "reports_api.hpp"

#include <mmm/auth.hpp>
#include <mmm/error.hpp>
#include <mmm/input.hpp>
#include <mmm/json.hpp>
#include <mmm/json_writer.hpp>
#include <mmm/time.hpp>

#include <spdlog/logger.h>

namespace mmm::users {
namespace {

constexpr std::size_t kMaxReason = 1000;

void writeReport(JsonWriter& json, const Report& r, const std::optional<ReportTarget::Found>* target = nullptr) {
  json.beginObject()
      .field("action", r.action)
      .field("createdAt", rfc3339(r.createdAt).view())
      .field("id", r.id)
      .field("kind", r.kind)
      .field("reason", r.reason)
      .field("reporterID", r.reporterId)
      .field("state", r.state);
  if (target) {
    // For admins: what was reported, or null when it is gone.
    json.key("target");
    if (*target)
      json.beginObject().field("authorID", (*target)->authorId).field("excerpt", (*target)->excerpt).endObject();
    else
      json.null();
  }
  json.field("targetID", r.targetId).endObject();
}

}  // namespace

std::optional<ReportTarget::Found> UserReportTarget::find(std::int64_t id) {
  auto user = users_.findById(id);
  if (!user) return std::nullopt;
  return Found{id, user->profile.userName};
}

std::shared_ptr<ReportTarget> ReportsApi::target(const std::string& kind) {
  return ReportTarget::find(services_, kind);
}

Response ReportsApi::create(Request& request) {
  const auto& caller = authenticated(request);
  const auto body = parseJsonObject(request);
  const auto kind = stringField(body, "kind", 16);
  if (!kind || (*kind != "message" && *kind != "event" && *kind != "user"))
    throw HttpError(400, "kind must be \"message\", \"event\" or \"user\"");
  const auto targetId = integerField(body, "id");
  const auto reason = stringField(body, "reason", kMaxReason, TextRule::MultiLine);
  if (!reason || reason->find_first_not_of(" \n\t") == std::string::npos)
    throw HttpError(400, "reason is required (1 to 1000 characters)");
  auto owner = target(*kind);
  if (!owner || !owner->findFor(caller.userId, targetId)) throw HttpError(404, "no such " + *kind);
  const auto [report, created] = moderation_.report(caller.userId, *kind, targetId, *reason);
  if (created) log_->info("{} user {} reported {} {} (report {})", request.id, caller.userId, *kind, targetId, report.id);
  JsonWriter json;
  writeReport(json, report);
  return Response::json(created ? 201 : 200, json.take());
}

Response ReportsApi::list(Request& request) {
  roles_.requireAdmin(authenticated(request));
  const std::string state = request.queryParam("state").value_or("open");
  if (state != "open" && state != "resolved") throw HttpError(400, "state must be open or resolved");
  const auto limit = queryInteger(request, "limit", 1, 200, 100);
  const auto offset = queryInteger(request, "offset", 0, 1000000000, 0);
  JsonWriter json;
  json.beginArray();
  for (const auto& report : moderation_.reports(state, limit, offset)) {
    auto owner = target(report.kind);
    const std::optional<ReportTarget::Found> found = owner ? owner->find(report.targetId) : std::nullopt;
    writeReport(json, report, &found);
  }
  json.endArray();
  return Response::json(200, json.take());
}

Response ReportsApi::resolve(Request& request) {
  const auto& caller = authenticated(request);
  roles_.requireAdmin(caller);
  const auto id = pathId(request.param("id"), "report");
  const auto body = parseJsonObject(request);
  const auto action = stringField(body, "action", 16);
  if (!action || (*action != "dismiss" && *action != "delete" && *action != "suspend"))
    throw HttpError(400, "action must be \"dismiss\", \"delete\" or \"suspend\"");
  auto report = moderation_.findReport(id);
  if (!report) throw HttpError(404, "no such report");
  if (report->state != "open") throw HttpError(409, "that report is already resolved");
  const std::string because = "report " + std::to_string(report->id) + ": " + report->reason;
  if (*action != "dismiss") {
    auto owner = target(report->kind);
    auto found = owner ? owner->find(report->targetId) : std::nullopt;
    if (*action == "delete") {
      if (report->kind == "user") throw HttpError(400, "users are not deleted: suspend them");
      if (found && owner->remove(caller.userId, report->targetId))
        moderation_.recordAudit({caller.userId, report->kind + ".delete", report->kind, report->targetId, because});
    } else {
      if (!found) throw HttpError(409, "the reported " + report->kind + " is gone: its author is unknown");
      // The author is told the report's reason; the audit log, which report it was.
      suspensions_.suspendUser(caller.userId, found->authorId, {report->reason, 0}, because);
    }
  }
  moderation_.resolve(*report, *action, caller.userId);
  moderation_.recordAudit({caller.userId, "report." + *action, "report", report->id, report->reason});
  report = moderation_.findReport(id);
  JsonWriter json;
  writeReport(json, *report);
  return Response::json(200, json.take());
}

}  // namespace mmm::users
