#include "users_api.hpp"

#include "users_input.hpp"
#include "validation.hpp"

#include <mmm/auth.hpp>
#include <mmm/error.hpp>
#include <mmm/input.hpp>
#include <mmm/json_writer.hpp>

#include <spdlog/logger.h>

#include <chrono>

namespace mmm::users {
namespace {

// "me" → the caller; digits → that id; anything else → 404.
std::int64_t userIdFrom(const std::string& segment, const SessionInfo& caller) {
  return segment == "me" ? caller.userId : pathId(segment, "user");
}

Response profileResponse(int status, const Profile& profile) {
  JsonWriter json;
  profile.writeJson(json);
  return Response::json(status, json.take());
}

}  // namespace

UsersApi::UsersApi(UserRepository& users, const PasswordHasher& hasher, Sessions& sessions, SignInThrottle& throttle,
                   UsersOptions options, std::shared_ptr<spdlog::logger> log, Roles& roles,
                   ModerationApi& moderation, UserSessions& userSessions)
    : users_(users),
      hasher_(hasher),
      authenticator_(hasher),
      sessions_(sessions),
      throttle_(throttle),
      options_(options),
      log_(std::move(log)),
      roles_(roles),
      moderation_(moderation),
      userSessions_(userSessions) {}

Response UsersApi::startSession(Request& request, const Profile& profile, const std::string& email) {
  // The profile with signedInAt, keys sorted as Poco::JSON::Object wrote them before.
  const std::int64_t signedInAt =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  JsonWriter state;
  state.beginObject()
      .field("firstName", profile.firstName)
      .field("id", profile.id)
      .field("lastName", profile.lastName)
      .field("photoURL", profile.photoURL)
      .field("signedInAt", signedInAt)
      .field("userName", profile.userName)
      .endObject();
  const std::string token = userSessions_.start(profile.id, email, state.take());
  Response response = profileResponse(201, profile);
  response.set("Authorization", "Bearer " + token);
  response.set("Set-Cookie", sessions_.cookie(token));
  response.set("Cache-Control", "no-store");
  return response;
}

Response UsersApi::signUp(Request& request) {
  const auto in = parseSignUp(request, options_.minPasswordLength);
  NewUser user{normalizeEmail(in.email), "", in.userName, in.firstName, in.lastName, gravatarUrl(in.email)};
  // Refuse a clash before paying for a hash; create() catches the race that remains.
  if (auto taken = users_.taken(user.email, user.userName); taken != Taken::None)
    throw HttpError(409, taken == Taken::Email ? "that email is already registered" : "that userName is taken");
  user.passwordHash = hasher_.hash(in.password);
  const std::int64_t id = users_.create(user);
  log_->info("{} new user {} ({})", request.id, id, in.userName);
  Response response = startSession(request, {id, user.userName, user.firstName, user.lastName, user.photoURL}, user.email);
  response.set("Location", "/v1/users/" + std::to_string(id));
  return response;
}

Response UsersApi::getUser(Request& request) {
  const auto& caller = authenticated(request);
  const std::int64_t id = userIdFrom(request.param("id"), caller);
  auto user = users_.findById(id);
  if (!user) throw HttpError(404, "no such user");
  if (id != caller.userId) return profileResponse(200, user->profile);
  // One's own profile says one's roles too.
  JsonWriter json;
  const auto& p = user->profile;
  json.beginObject()
      .field("firstName", p.firstName)
      .field("id", p.id)
      .field("lastName", p.lastName)
      .field("photoURL", p.photoURL)
      .key("roles")
      .beginArray();
  for (const auto& role : roles_.of(id)) json.value(role);
  json.endArray().field("userName", p.userName).endObject();
  return Response::json(200, json.take());
}

Response UsersApi::patchUser(Request& request) {
  const auto& caller = authenticated(request);
  const std::int64_t id = userIdFrom(request.param("id"), caller);
  if (id != caller.userId) throw HttpError(403, "you can only change your own profile");
  const auto changes = parseNameChanges(request);
  if (!users_.updateNames(id, changes.firstName, changes.lastName)) throw HttpError(404, "no such user");
  auto user = users_.findById(id);
  if (!user) throw HttpError(404, "no such user");
  return profileResponse(200, user->profile);
}

Response UsersApi::signIn(Request& request) {
  const auto [email, password] = parseCredentials(request);
  // Counted by the email as compared, so that spelling it in other cases counts the same.
  const std::string folded = foldEmail(email);
  if (auto wait = throttle_.attempt(folded, request.clientIp)) {
    log_->warn("{} sign-in throttled for {}", request.id, request.clientIp);
    throw HttpError(429, "too many failed sign-ins; try again later", {{"Retry-After", std::to_string(wait->count())}});
  }
  auto user = users_.findByEmail(email);
  if (!authenticator_.verify(user ? std::optional<std::string>(user->passwordHash) : std::nullopt, password)) {
    throw HttpError(401, "wrong email or password", {{"WWW-Authenticate", "Bearer"}});
  }
  throttle_.succeeded(folded, request.clientIp);
  moderation_.checkNotSuspended(user->profile.id);  // told only to who knows the password
  if (hasher_.needsRehash(user->passwordHash)) users_.updatePasswordHash(user->profile.id, hasher_.hash(password));
  users_.recordSignIn(user->profile.id, request.clientIp);
  log_->info("{} user {} signed in from {}", request.id, user->profile.id, request.clientIp);
  return startSession(request, user->profile, user->email);
}

Response UsersApi::signOut(Request& request) {
  const auto& caller = authenticated(request);
  const std::string which = request.param("which");
  if (which != "mine" && which != "all")
    throw HttpError(403, "you can only end your own sessions: DELETE /v1/sessions/mine or /v1/sessions/all");
  if (which == "all") {
    auto user = users_.findById(caller.userId);
    const std::size_t ended = user ? userSessions_.endAll(caller.userId, user->email) : 0;
    sessions_.destroy(caller.token);  // also when it began before sessions were indexed
    log_->info("{} user {} signed out everywhere ({} sessions)", request.id, caller.userId, ended);
  } else {
    sessions_.destroy(caller.token);
    log_->info("{} user {} signed out", request.id, caller.userId);
  }
  Response response = Response::text(200, which == "all" ? "signed out everywhere" : "signed out");
  response.set("Set-Cookie", sessions_.clearedCookie());
  return response;
}

}  // namespace mmm::users
