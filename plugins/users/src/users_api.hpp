// The HTTP handlers of the Users section of the API contract.
#pragma once

#include "moderation_api.hpp"
#include "password_hasher.hpp"
#include "roles.hpp"
#include "sign_in_throttle.hpp"
#include "user_repository.hpp"
#include "user_sessions.hpp"

#include <mmm/http.hpp>
#include <mmm/sessions.hpp>

#include <memory>

namespace spdlog {
class logger;
}

namespace mmm::users {

struct UsersOptions {
  std::size_t minPasswordLength = 8;
};

class UsersApi {
 public:
  UsersApi(UserRepository& users, const PasswordHasher& hasher, Sessions& sessions, SignInThrottle& throttle,
           UsersOptions options, std::shared_ptr<spdlog::logger> log, Roles& roles, ModerationApi& moderation,
           UserSessions& userSessions);

  Response signUp(Request& request);       // POST /v1/users
  Response getUser(Request& request);      // GET /v1/users/{id}
  Response patchUser(Request& request);    // PATCH /v1/users/{id}
  Response signIn(Request& request);       // POST /v1/sessions
  Response signOut(Request& request);      // DELETE /v1/sessions/{mine|all}

 private:
  /// 201 with the token in Authorization and the session cookie, and the profile.
  Response startSession(Request& request, const Profile& profile, const std::string& email);

  UserRepository& users_;
  const PasswordHasher& hasher_;
  Authenticator authenticator_;
  Sessions& sessions_;
  SignInThrottle& throttle_;
  UsersOptions options_;
  std::shared_ptr<spdlog::logger> log_;
  Roles& roles_;
  ModerationApi& moderation_;
  UserSessions& userSessions_;
};

}  // namespace mmm::users
