// The users plugin's tables: users and their sign-ins.
#pragma once

#include <mmm/profiles.hpp>
#include <mmm/store.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace spdlog {
class logger;
}

namespace mmm::users {

struct UserRecord {
  Profile profile;
  std::string email;  // normalised
  std::string passwordHash;
};

struct NewUser {
  std::string email;  // normalised
  std::string passwordHash;
  std::string userName, firstName, lastName, photoURL;
};

/// What a sign-up collided with.
enum class Taken { None, Email, UserName };

class UserRepository {
 public:
  explicit UserRepository(Store& store) : store_(store) {}

  static std::vector<Migration> migrations();
  /// The migrations up to the key columns, before their unique index: fillKeys() runs
  /// between them and the rest.
  static std::vector<Migration> migrationsBeforeKeys();
  /// Fills the comparison keys of rows made before there were any.
  void fillKeys(spdlog::logger& log);

  /// The unique keys: an email and a user name as they are compared (see validation.hpp).
  static std::string emailKey(const std::string& email);
  static std::string userNameKey(const std::string& userName);

  /// The new user's id. Throws HttpError 409 when the email or the user name is taken
  /// (as compared: Unicode-folded),
  /// also when another sign-up with the same one commits first.
  std::int64_t create(const NewUser& user);
  Taken taken(const std::string& email, const std::string& userName);
  std::optional<UserRecord> findById(std::int64_t id);
  std::optional<UserRecord> findByEmail(const std::string& email);
  std::map<std::int64_t, Profile> findMany(const std::vector<std::int64_t>& ids);
  /// The ids of those of `names` that are users' (compared folded), keyed by the name as given.
  std::map<std::string, std::int64_t> idsByUserName(const std::vector<std::string>& names);
  /// Only the names given are changed. False when there is no such user.
  bool updateNames(std::int64_t id, const std::optional<std::string>& firstName,
                   const std::optional<std::string>& lastName);
  void updatePasswordHash(std::int64_t id, const std::string& hash);
  void recordSignIn(std::int64_t id, const std::string& clientIp);
  std::int64_t signInCount(std::int64_t id);

 private:
  Store& store_;
};

}  // namespace mmm::users
