// Who may do what in the users plugin, in one place: admins are the users whose email is in
// the config's `admins` or who were granted the role offline (--grant-admin). Also the
// UserRoles service the other plugins ask.
#pragma once

#include "moderation_repository.hpp"
#include "user_repository.hpp"

#include <mmm/auth.hpp>
#include <mmm/moderation.hpp>

#include <set>
#include <string>
#include <vector>

namespace mmm::users {

class Roles final : public UserRoles {
 public:
  /// `adminEmails` normalised.
  Roles(UserRepository& users, ModerationRepository& moderation, std::set<std::string> adminEmails)
      : users_(users), moderation_(moderation), adminEmails_(std::move(adminEmails)) {}

  bool isAdmin(std::int64_t userId) override;
  /// What `GET /v1/users/me` lists: ["admin"] or [].
  std::vector<std::string> of(std::int64_t userId) { return isAdmin(userId) ? std::vector<std::string>{"admin"} : std::vector<std::string>{}; }
  /// 403 unless `caller` is an admin.
  void requireAdmin(const SessionInfo& caller);

 private:
  UserRepository& users_;
  ModerationRepository& moderation_;
  std::set<std::string> adminEmails_;
};

}  // namespace mmm::users
