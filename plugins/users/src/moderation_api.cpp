#include "moderation_api.hpp"

#include "validation.hpp"

#include <mmm/auth.hpp>
#include <mmm/error.hpp>
#include <mmm/input.hpp>
#include <mmm/json.hpp>
#include <mmm/json_writer.hpp>
#include <mmm/time.hpp>

#include <spdlog/logger.h>

#include <ostream>

namespace mmm::users {
namespace {

constexpr std::size_t kMaxReason = 1000;

std::string untilText(std::int64_t until) { return until ? " until " + formatRfc3339(until) : ""; }

}  // namespace

void ModerationApi::suspendUser(std::int64_t actorId, std::int64_t userId, const Suspension& suspension,
                                const std::string& why) {
  if (userId == actorId) throw HttpError(409, "you cannot suspend yourself");
  const auto user = users_.findById(userId);
  if (!user) throw HttpError(404, "no such user");
  moderation_.suspend(userId, suspension, actorId);
  // After the commit: a sign-in racing this one finds the suspension or is ended here.
  const auto ended = sessions_.endAll(userId, user->email);
  moderation_.recordAudit({actorId, "user.suspend", "user", userId, why.empty() ? suspension.reason : why});
  log_->info("user {} suspended by {}{} ({} sessions ended)", userId, actorId, untilText(suspension.until), ended);
}

Response ModerationApi::suspend(Request& request) {
  const auto& caller = authenticated(request);
  roles_.requireAdmin(caller);
  const auto userId = pathId(request.param("id"), "user");
  const auto body = parseJsonObject(request);
  Suspension suspension;
  auto reason = stringField(body, "reason", kMaxReason, TextRule::MultiLine);
  if (!reason || reason->find_first_not_of(" \n\t") == std::string::npos) throw HttpError(400, "reason is required");
  suspension.reason = *reason;
  if (auto until = stringField(body, "until", 64)) {
    auto parsed = parseRfc3339(*until);
    if (!parsed) throw HttpError(400, "until must be an RFC 3339 date-time such as 2026-12-06T18:00:00Z");
    if (*parsed <= nowMillis()) throw HttpError(400, "until must be in the future");
    suspension.until = *parsed;
  }
  suspendUser(caller.userId, userId, suspension);
  JsonWriter json;
  json.beginObject().field("id", userId).field("reason", suspension.reason).key("until");
  if (suspension.until)
    json.value(rfc3339(suspension.until).view());
  else
    json.null();
  json.endObject();
  return Response::json(200, json.take());
}

Response ModerationApi::unsuspend(Request& request) {
  const auto& caller = authenticated(request);
  roles_.requireAdmin(caller);
  const auto userId = pathId(request.param("id"), "user");
  if (!users_.findById(userId)) throw HttpError(404, "no such user");
  if (moderation_.lift(userId)) {
    moderation_.recordAudit({caller.userId, "user.unsuspend", "user", userId, ""});
    log_->info("user {}'s suspension lifted by {}", userId, caller.userId);
  }
  return Response::text(200, "suspension lifted");
}

Response ModerationApi::audit(Request& request) {
  roles_.requireAdmin(authenticated(request));
  const auto limit = queryInteger(request, "limit", 1, 200, 100);
  const auto offset = queryInteger(request, "offset", 0, 1000000000, 0);
  JsonWriter json;
  json.beginArray();
  for (const auto& r : moderation_.audit(limit, offset))
    json.beginObject()
        .field("action", r.entry.action)
        .field("actorID", r.entry.actorId)
        .field("createdAt", rfc3339(r.createdAt).view())
        .field("id", r.id)
        .field("reason", r.entry.reason)
        .field("targetID", r.entry.targetId)
        .field("targetKind", r.entry.targetKind)
        .endObject();
  json.endArray();
  return Response::json(200, json.take());
}

void ModerationApi::checkNotSuspended(std::int64_t userId) {
  if (auto suspension = moderation_.activeSuspension(userId))
    throw HttpError(403, "your account is suspended" + untilText(suspension->until) + ": " + suspension->reason);
}

int ModerationApi::grantAdmin(const std::string& email, std::ostream& out, std::ostream& err) {
  auto user = users_.findByEmail(normalizeEmail(email));
  if (!user) {
    err << "mmm-server: --grant-admin: no user has the email '" << email << "' (they must sign up first)\n";
    return 1;
  }
  const bool granted = moderation_.grantAdmin(user->profile.id);
  if (granted) moderation_.recordAudit({0, "user.grant-admin", "user", user->profile.id, "mmm-server --grant-admin"});
  out << (granted ? "granted admin to user " : "already an admin: user ") << user->profile.id << " ("
      << user->profile.userName << ")\n";
  return 0;
}

}  // namespace mmm::users
