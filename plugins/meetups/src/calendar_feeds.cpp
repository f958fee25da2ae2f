#include "calendar_feeds.hpp"

#include <mmm/time.hpp>

#include <sodium.h>

#include <cctype>
#include <stdexcept>

namespace mmm::meetups {
namespace {

constexpr std::size_t kTokenBytes = 32;
constexpr std::size_t kTokenChars = 43;  // base64url of 32 bytes, unpadded

std::string sha256Hex(const std::string& token) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(token.data()), token.size());
  char hex[crypto_hash_sha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

bool isTokenSyntax(const std::string& token) {
  if (token.size() != kTokenChars) return false;
  for (unsigned char c : token)
    if (!(std::isalnum(c) || c == '-' || c == '_')) return false;
  return true;
}

}  // namespace

std::vector<std::string> CalendarFeeds::schema() {
  return {"CREATE TABLE calendar_feeds ("
          " user_id BIGINT NOT NULL PRIMARY KEY,"
          " token_hash CHAR(64) NOT NULL,"
          " created_at BIGINT NOT NULL"
          "){{table_options}}",
          "CREATE UNIQUE INDEX calendar_feeds_token ON calendar_feeds (token_hash)"};
}

std::string CalendarFeeds::renew(Store& store, DbSession& tx, std::int64_t userId) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
  unsigned char raw[kTokenBytes];
  randombytes_buf(raw, sizeof raw);
  char encoded[kTokenChars + 1];
  sodium_bin2base64(encoded, sizeof encoded, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  const std::string token = encoded, hash = sha256Hex(token);
  const auto done = [](const SqlRow&) {};
  store.query(tx, "DELETE FROM calendar_feeds WHERE user_id = ?", {userId}, done);
  store.query(tx, "INSERT INTO calendar_feeds (user_id, token_hash, created_at) VALUES (?, ?, ?)",
              {userId, std::string_view(hash), nowMillis()}, done);
  return token;
}

bool CalendarFeeds::revoke(Store& store, DbSession& tx, std::int64_t userId) {
  return store.query(tx, "DELETE FROM calendar_feeds WHERE user_id = ?", {userId}, [](const SqlRow&) {}) > 0;
}

std::optional<std::int64_t> CalendarFeeds::owner(Store& store, DbSession& session, const std::string& token) {
  if (!isTokenSyntax(token)) return std::nullopt;
  // Looked up by its hash: the lookup reveals nothing about stored tokens through timing.
  const auto hash = sha256Hex(token);
  std::optional<std::int64_t> user;
  store.query(session, "SELECT user_id FROM calendar_feeds WHERE token_hash = ?", {std::string_view(hash)},
              [&](const SqlRow& r) { user = r.int64(0); });
  return user;
}

std::optional<std::int64_t> CalendarFeeds::createdAt(Store& store, DbSession& session, std::int64_t userId) {
  std::optional<std::int64_t> at;
  store.query(session, "SELECT created_at FROM calendar_feeds WHERE user_id = ?", {userId},
              [&](const SqlRow& r) { at = r.int64(0); });
  return at;
}

}  // namespace mmm::meetups
