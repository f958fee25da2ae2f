#include "user_repository.hpp"

#include <mmm/error.hpp>
#include <mmm/time.hpp>

#include "validation.hpp"

#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>
#include <spdlog/logger.h>


using namespace Poco::Data::Keywords;

namespace mmm::users {
namespace {

constexpr const char* kColumns = "id, user_name, first_name, last_name, photo_url, email, pass_hash";

std::vector<UserRecord> selectUsers(Store& store, DbSession& session, const std::string& sql, const SqlValue* params,
                                    std::size_t count) {
  std::vector<UserRecord> users;
  store.query(session, sql, params, count, [&](const SqlRow& r) {
    UserRecord user;
    user.profile = {r.int64(0), r.text(1), r.text(2), r.text(3), r.text(4)};
    user.email = r.text(5);
    user.passwordHash = r.text(6);
    users.push_back(std::move(user));
  });
  return users;
}

// What the unique keys hold: the SHA-256 of the compared form, so that a key has a fixed
// length however much NFKC and case folding expand a name (MariaDB's index length is bounded).
std::string keyOf(const std::string& folded) {
  Poco::SHA2Engine sha(Poco::SHA2Engine::SHA_256);
  sha.update(folded);
  return Poco::DigestEngine::digestToHex(sha.digest());
}

}  // namespace

std::string UserRepository::emailKey(const std::string& email) { return keyOf(foldEmail(email)); }
std::string UserRepository::userNameKey(const std::string& userName) { return keyOf(foldUserName(userName)); }

std::vector<Migration> UserRepository::migrationsBeforeKeys() {
  auto all = migrations();
  all.resize(3);
  return all;
}

void UserRepository::fillKeys(spdlog::logger& log) {
  struct Row {
    std::int64_t id;
    std::string email, userName;
  };
  std::vector<Row> rows;
  store_.read([&](DbSession& session) {
    store_.query(session, "SELECT id, email, user_name FROM users WHERE email_key IS NULL OR user_name_key IS NULL",
                 nullptr, 0, [&](const SqlRow& r) { rows.push_back({r.int64(0), r.text(1), r.text(2)}); });
  });
  for (const auto& row : rows) {
    store_.transaction([&](DbSession& session) {
      Poco::Int64 id = row.id, clashes = 0;
      std::string email = emailKey(row.email), name = userNameKey(row.userName);
      // Accounts made before the keys that are one under them keep working, but the later
      // one's key is marked with its id so that the unique index can be made.
      session << "SELECT COUNT(*) FROM users WHERE email_key = ? AND id <> ?", use(email), use(id), into(clashes), now;
      if (clashes) {
        log.warn("users {} and another have emails that are one after Unicode case folding", row.id);
        email += "#" + std::to_string(row.id);
      }
      clashes = 0;
      session << "SELECT COUNT(*) FROM users WHERE user_name_key = ? AND id <> ?", use(name), use(id), into(clashes),
          now;
      if (clashes) {
        log.warn("users {} and another have names that are one after NFKC and case folding", row.id);
        name += "#" + std::to_string(row.id);
      }
      session << "UPDATE users SET email_key = ?, user_name_key = ? WHERE id = ?", use(email), use(name), use(id), now;
    });
  }
  if (!rows.empty()) log.info("filled the comparison keys of {} users", rows.size());
}

std::vector<Migration> UserRepository::migrations() {
  return {
      {1,
       "users and sign-ins",
       {"CREATE TABLE users ("
        " id {{pk}},"
        // Stored lower-cased and compared byte for byte, on both back ends.
        " email VARCHAR(254) {{bin}} NOT NULL,"
        " pass_hash VARCHAR(255) NOT NULL,"
        " user_name VARCHAR(255) {{nocase}} NOT NULL,"
        " first_name VARCHAR(128) NOT NULL,"
        " last_name VARCHAR(128) NOT NULL,"
        " photo_url VARCHAR(255) NOT NULL,"
        " created_at BIGINT NOT NULL,"
        " CONSTRAINT users_email UNIQUE (email),"
        " CONSTRAINT users_user_name UNIQUE (user_name)"
        "){{table_options}}",
        "CREATE TABLE user_signins ("
        " id {{pk}},"
        " user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
        " signed_in_at BIGINT NOT NULL,"
        " client_ip VARCHAR(64) NOT NULL"
        "){{table_options}}",
        "CREATE INDEX user_signins_user ON user_signins (user_id, signed_in_at)"}},
      // Version 2 is left to another change (branch moderation); numbers must not skip.
      {2, "reserved", {}},
      // Names and emails compared in their Unicode-folded forms: keys filled by fillKeys()
      // for the rows made before (SQL cannot fold), then unique.
      {3,
       "users' comparison keys",
       {"ALTER TABLE users ADD COLUMN email_key VARCHAR(80) {{bin}} NULL",
        "ALTER TABLE users ADD COLUMN user_name_key VARCHAR(80) {{bin}} NULL"}},
      {4,
       "users' comparison keys are unique",
       {"CREATE UNIQUE INDEX users_email_key ON users (email_key)",
        "CREATE UNIQUE INDEX users_user_name_key ON users (user_name_key)"}},
  };
}

Taken UserRepository::taken(const std::string& email, const std::string& userName) {
  return store_.read([&](DbSession& session) {
    Poco::Int64 emails = 0, names = 0;
    std::string e = emailKey(email), n = userNameKey(userName);
    session << "SELECT COUNT(*) FROM users WHERE email_key = ?", use(e), into(emails), now;
    if (emails) return Taken::Email;
    session << "SELECT COUNT(*) FROM users WHERE user_name_key = ?", use(n), into(names), now;
    return names ? Taken::UserName : Taken::None;
  });
}

std::int64_t UserRepository::create(const NewUser& user) {
  auto conflict = [](Taken what) {
    return HttpError(409, what == Taken::Email ? "that email is already registered" : "that userName is taken");
  };
  if (auto what = taken(user.email, user.userName); what != Taken::None) throw conflict(what);
  try {
    return store_.transaction([&](DbSession& session) {
      NewUser u = user;
      Poco::Int64 at = nowMillis();
      std::string eKey = emailKey(u.email), nKey = userNameKey(u.userName);
      session << "INSERT INTO users (email, pass_hash, user_name, first_name, last_name, photo_url, created_at,"
                 " email_key, user_name_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
          use(u.email), use(u.passwordHash), use(u.userName), use(u.firstName), use(u.lastName), use(u.photoURL),
          use(at), use(eKey), use(nKey), now;
      return store_.lastInsertId(session);
    });
  } catch (const Poco::Exception& e) {
    if (!isDuplicateKey(e)) throw;
    // Another sign-up won the race between our check and our insert.
    auto what = taken(user.email, user.userName);
    throw conflict(what == Taken::None ? Taken::UserName : what);
  }
}

std::optional<UserRecord> UserRepository::findById(std::int64_t id) {
  static const std::string sql = std::string("SELECT ") + kColumns + " FROM users WHERE id = ?";
  return store_.read([&](DbSession& session) -> std::optional<UserRecord> {
    const SqlValue key = id;
    auto users = selectUsers(store_, session, sql, &key, 1);
    if (users.empty()) return std::nullopt;
    return users.front();
  });
}

std::optional<UserRecord> UserRepository::findByEmail(const std::string& email) {
  static const std::string sql = std::string("SELECT ") + kColumns + " FROM users WHERE email_key = ?";
  const std::string emailKeyValue = emailKey(email);
  return store_.read([&](DbSession& session) -> std::optional<UserRecord> {
    const SqlValue key = std::string_view(emailKeyValue);
    auto users = selectUsers(store_, session, sql, &key, 1);
    if (users.empty()) return std::nullopt;
    return users.front();
  });
}

std::map<std::int64_t, Profile> UserRepository::findMany(const std::vector<std::int64_t>& ids) {
  std::map<std::int64_t, Profile> profiles;
  forEachInList(
      ids,
      [&](const std::string& marks, const std::vector<SqlValue>& keys) {
        const std::string sql = std::string("SELECT ") + kColumns + " FROM users WHERE id IN (" + marks + ")";
        store_.read([&](DbSession& session) {
          for (auto& user : selectUsers(store_, session, sql, keys.data(), keys.size()))
            profiles[user.profile.id] = std::move(user.profile);
        });
      },
      512);
  return profiles;
}

std::map<std::string, std::int64_t> UserRepository::idsByUserName(const std::vector<std::string>& names) {
  std::map<std::string, std::vector<std::string>> asGiven;  // key → the names given for it
  std::vector<std::string> keys;
  for (const auto& name : names) {
    if (!isValidUtf8(name)) continue;  // no user's name
    auto key = userNameKey(name);
    auto& given = asGiven[key];
    if (given.empty()) keys.push_back(key);
    given.push_back(name);
  }
  std::map<std::string, std::int64_t> ids;
  constexpr std::size_t kChunk = 64;
  for (std::size_t start = 0; start < keys.size(); start += kChunk) {
    std::vector<SqlValue> values;
    for (std::size_t i = start; i < std::min(keys.size(), start + kChunk); ++i) values.emplace_back(std::string_view(keys[i]));
    padInList(values);
    store_.read([&](DbSession& session) {
      store_.query(session, "SELECT id, user_name_key FROM users WHERE user_name_key IN (" + inListMarks(values.size()) + ")",
                   values, [&](const SqlRow& r) {
                     for (const auto& name : asGiven[r.text(1)]) ids[name] = r.int64(0);
                   });
    });
  }
  return ids;
}

bool UserRepository::updateNames(std::int64_t id, const std::optional<std::string>& firstName,
                                 const std::optional<std::string>& lastName) {
  return store_.transaction([&](DbSession& session) {
    Poco::Int64 key = id;
    Poco::Int64 exists = 0;
    session << "SELECT COUNT(*) FROM users WHERE id = ?", use(key), into(exists), now;
    if (!exists) return false;
    if (firstName) {
      std::string value = *firstName;
      session << "UPDATE users SET first_name = ? WHERE id = ?", use(value), use(key), now;
    }
    if (lastName) {
      std::string value = *lastName;
      session << "UPDATE users SET last_name = ? WHERE id = ?", use(value), use(key), now;
    }
    return true;
  });
}

void UserRepository::updatePasswordHash(std::int64_t id, const std::string& hash) {
  store_.transaction([&](DbSession& session) {
    Poco::Int64 key = id;
    std::string value = hash;
    session << "UPDATE users SET pass_hash = ? WHERE id = ?", use(value), use(key), now;
  });
}

void UserRepository::recordSignIn(std::int64_t id, const std::string& clientIp) {
  store_.transaction([&](DbSession& session) {
    Poco::Int64 key = id, at = nowMillis();
    std::string ip = clientIp.substr(0, 64);
    session << "INSERT INTO user_signins (user_id, signed_in_at, client_ip) VALUES (?, ?, ?)", use(key), use(at),
        use(ip), now;
  });
}

std::int64_t UserRepository::signInCount(std::int64_t id) {
  return store_.read([&](DbSession& session) {
    Poco::Int64 key = id, count = 0;
    session << "SELECT COUNT(*) FROM user_signins WHERE user_id = ?", use(key), into(count), now;
    return count;
  });
}

}  // namespace mmm::users
