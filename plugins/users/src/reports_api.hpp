// Reports: anyone reports a message, an event or a user; admins list and resolve them. The
// targets are asked of the plugins that own them (ReportTarget services, looked up per
// request: chat and meetups start after users), never read from their tables.
#pragma once

#include "moderation_api.hpp"
#include "moderation_repository.hpp"
#include "roles.hpp"
#include "user_repository.hpp"

#include <mmm/http.hpp>
#include <mmm/moderation.hpp>
#include <mmm/services.hpp>

#include <memory>

namespace spdlog {
class logger;
}

namespace mmm::users {

class ReportsApi {
 public:
  ReportsApi(ModerationRepository& moderation, Roles& roles, ModerationApi& suspensions, Services& services,
             std::shared_ptr<spdlog::logger> log)
      : moderation_(moderation), roles_(roles), suspensions_(suspensions), services_(services), log_(std::move(log)) {}

  Response create(Request& request);   // POST /v1/reports
  Response list(Request& request);     // GET /v1/reports
  Response resolve(Request& request);  // POST /v1/reports/{id}/resolve

 private:
  std::shared_ptr<ReportTarget> target(const std::string& kind);

  ModerationRepository& moderation_;
  Roles& roles_;
  ModerationApi& suspensions_;
  Services& services_;
  std::shared_ptr<spdlog::logger> log_;
};

/// The "user" kind of report target, provided by the users plugin itself.
class UserReportTarget final : public ReportTarget {
 public:
  explicit UserReportTarget(UserRepository& users) : users_(users) {}
  std::optional<Found> find(std::int64_t id) override;
  std::optional<Found> findFor(std::int64_t, std::int64_t id) override { return find(id); }  // profiles are public
  bool remove(std::int64_t, std::int64_t) override { return false; }

 private:
  UserRepository& users_;
};

}  // namespace mmm::users
