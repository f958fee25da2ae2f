// The users plugin: wires the repository, hasher, throttle and handlers at start, and
// provides the profile directory to the other plugins.
#include "moderation_api.hpp"
#include "moderation_repository.hpp"
#include "password_hasher.hpp"
#include "reports_api.hpp"
#include "roles.hpp"
#include "sign_in_throttle.hpp"
#include "user_repository.hpp"
#include "user_sessions.hpp"
#include "users_api.hpp"
#include "users_openapi.hpp"
#include "validation.hpp"

#include <mmm/mmm.hpp>

#include <sodium.h>

#include <algorithm>
#include <thread>

namespace mmm::users {
namespace {

class ProfilesService final : public ProfileDirectory {
 public:
  explicit ProfilesService(UserRepository& users) : users_(users) {}
  std::optional<Profile> find(std::int64_t id) override {
    auto user = users_.findById(id);
    if (!user) return std::nullopt;
    return user->profile;
  }
  std::map<std::int64_t, Profile> findMany(const std::vector<std::int64_t>& ids) override {
    return users_.findMany(ids);
  }

 private:
  UserRepository& users_;
};

class UserNamesService final : public UserNameDirectory {
 public:
  explicit UserNamesService(UserRepository& users) : users_(users) {}
  std::map<std::string, std::int64_t> resolve(const std::vector<std::string>& names) override {
    return users_.idsByUserName(names);
  }

 private:
  UserRepository& users_;
};

class UsersPlugin final : public Plugin {
 public:
  ConfigSchema configSchema() const override {
    using S = ConfigSchema;
    return S::map({
        {"password_min_length", S::integer().range(8, 1024).withDefault("8")},
        // Sessions a user holds at once: the oldest ends when one more begins.
        {"max_sessions_per_user", S::integer().range(1, 1000).withDefault("20")},
        // libsodium's INTERACTIVE limits (2 passes, 64 MiB) by default; tests may go lower.
        // Each hash in flight holds mem_limit_kib: at most max_concurrent run at once (0: one
        // per core), at most max_waiting more (0: four per concurrent hash) wait up to
        // max_wait_ms for a turn; the rest get 503.
        {"password_hash", S::map({
                              {"ops_limit", S::integer().range(1, 1000).withDefault("2")},
                              {"mem_limit_kib", S::integer().range(8, 262144).withDefault("65536")},
                              {"max_concurrent", S::integer().range(0, 256).withDefault("0")},
                              {"max_waiting", S::integer().range(0, 4096).withDefault("0")},
                              {"max_wait_ms", S::integer().range(0, 60000).withDefault("2000")},
                          }).withDefault("{}")},
        // Failed sign-ins: per (email, address) pair and per address in window_s, per email
        // from all addresses in email_window_s.
        {"throttle", S::map({
                         {"max_failures_per_pair", S::integer().range(1, 1000000).withDefault("5")},
                         {"max_failures_per_email", S::integer().range(1, 1000000).withDefault("100")},
                         {"max_failures_per_address", S::integer().range(1, 1000000).withDefault("50")},
                         {"window_s", S::integer().range(1, 86400).withDefault("900")},
                         {"email_window_s", S::integer().range(1, 86400).withDefault("3600")},
                     }).withDefault("{}")},
        {"rate_limits", rateLimitsSchema({{"sign_ups", 10, 3600}})},
        // Emails of the admins (besides those granted with --grant-admin).
        {"admins", S::list(S::string()).withDefault("[]")},
    });
  }

  void start(Host& host) override {
    const auto& config = host.config();
    auto log = host.logger();
    host.store().migrate("users", UserRepository::migrationsBeforeKeys());
    users_ = std::make_unique<UserRepository>(host.store());
    users_->fillKeys(*log);
    host.store().migrate("users", UserRepository::migrations());
    host.store().migrate(ModerationRepository::kMigrationOwner, ModerationRepository::migrations());
    moderation_ = std::make_unique<ModerationRepository>(host.store());
    std::set<std::string> admins;
    for (const auto& email : config["admins"]) admins.insert(normalizeEmail(email.as<std::string>()));
    roles_ = std::make_shared<Roles>(*users_, *moderation_, std::move(admins));
    userSessions_ = std::make_unique<UserSessions>(host.sessions(), config["max_sessions_per_user"].as<std::size_t>());
    moderationApi_ = std::make_unique<ModerationApi>(*users_, *moderation_, *roles_, *userSessions_, log);

    const auto ops = config["password_hash"]["ops_limit"].as<unsigned long long>();
    const auto memKiB = config["password_hash"]["mem_limit_kib"].as<std::size_t>();
    if (ops < crypto_pwhash_OPSLIMIT_INTERACTIVE || memKiB * 1024 < crypto_pwhash_MEMLIMIT_INTERACTIVE)
      log->warn("password_hash costs are below libsodium's INTERACTIVE limits: fine for tests, weak in production");
    argon2id_ = std::make_unique<Argon2idHasher>(ops, memKiB * 1024);
    std::size_t maxHashes = config["password_hash"]["max_concurrent"].as<std::size_t>();
    if (maxHashes == 0) maxHashes = std::max(1u, std::thread::hardware_concurrency());
    std::size_t maxWaiting = config["password_hash"]["max_waiting"].as<std::size_t>();
    if (maxWaiting == 0) maxWaiting = 4 * maxHashes;
    hasher_ = std::make_unique<BoundedHasher>(*argon2id_, maxHashes, maxWaiting,
                                              std::chrono::milliseconds(config["password_hash"]["max_wait_ms"].as<int>()));
    log->info("at most {} password hashes at once, {} KiB each", maxHashes, memKiB);

    ThrottleLimits limits;
    limits.maxFailuresPerPair = config["throttle"]["max_failures_per_pair"].as<int>();
    limits.maxFailuresPerEmail = config["throttle"]["max_failures_per_email"].as<int>();
    limits.maxFailuresPerAddress = config["throttle"]["max_failures_per_address"].as<int>();
    limits.window = std::chrono::seconds(config["throttle"]["window_s"].as<int>());
    limits.emailWindow = std::chrono::seconds(config["throttle"]["email_window_s"].as<int>());
    throttle_ = std::make_unique<SignInThrottle>(host.sessions().store(), limits);

    UsersOptions options;
    options.minPasswordLength = config["password_min_length"].as<std::size_t>();
    api_ = std::make_unique<UsersApi>(*users_, *hasher_, host.sessions(), *throttle_, options, log, *roles_,
                                      *moderationApi_, *userSessions_);

    UsersApi& api = *api_;
    host.route("POST", "/v1/users", [&api](Request& r) { return api.signUp(r); },
               rateLimit(host, "sign_ups", RateLimit::Key::Address));
    host.route("GET", "/v1/users/{id}", [&api](Request& r) { return api.getUser(r); });
    host.route("PATCH", "/v1/users/{id}", [&api](Request& r) { return api.patchUser(r); });
    host.route("POST", "/v1/sessions", [&api](Request& r) { return api.signIn(r); });
    host.route("DELETE", "/v1/sessions/{which}", [&api](Request& r) { return api.signOut(r); });

    ModerationApi& moderation = *moderationApi_;
    host.route("POST", "/v1/users/{id}/suspend", [&moderation](Request& r) { return moderation.suspend(r); });
    host.route("DELETE", "/v1/users/{id}/suspend", [&moderation](Request& r) { return moderation.unsuspend(r); });
    host.route("GET", "/v1/audit", [&moderation](Request& r) { return moderation.audit(r); });
    reportsApi_ = std::make_unique<ReportsApi>(*moderation_, *roles_, *moderationApi_, host.services(), log);
    ReportsApi& reports = *reportsApi_;
    host.route("POST", "/v1/reports", [&reports](Request& r) { return reports.create(r); });
    host.route("GET", "/v1/reports", [&reports](Request& r) { return reports.list(r); });
    host.route("POST", "/v1/reports/{id}/resolve", [&reports](Request& r) { return reports.resolve(r); });
    describeRoutes(host);
    host.command("grant-admin", "EMAIL: make that user an admin",
                 [&moderation](const std::string& email, std::ostream& out, std::ostream& err) {
                   return moderation.grantAdmin(email, out, err);
                 });

    host.services().provide<ProfileDirectory>(std::make_shared<ProfilesService>(*users_));
    host.services().provide<UserNameDirectory>(std::make_shared<UserNamesService>(*users_));
    host.services().provide<UserRoles>(roles_);
    host.services().provide<AuditLog>(std::make_shared<AuditService>(*moderation_));
    ReportTarget::provide(host.services(), "user", std::make_shared<UserReportTarget>(*users_));
  }

 private:
  std::unique_ptr<UserRepository> users_;
  std::unique_ptr<ModerationRepository> moderation_;
  std::shared_ptr<Roles> roles_;
  std::unique_ptr<UserSessions> userSessions_;
  std::unique_ptr<ModerationApi> moderationApi_;
  std::unique_ptr<ReportsApi> reportsApi_;
  std::unique_ptr<Argon2idHasher> argon2id_;
  std::unique_ptr<BoundedHasher> hasher_;
  std::unique_ptr<SignInThrottle> throttle_;
  std::unique_ptr<UsersApi> api_;
};

}  // namespace
}  // namespace mmm::users

MMM_PLUGIN(users, mmm::users::UsersPlugin, "1.0.0", "", "")
