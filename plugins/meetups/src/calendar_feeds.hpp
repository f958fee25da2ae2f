// The private calendar feeds' tokens (API.md, "Calendars"): one per user, 32 random bytes
// in base64url; only their SHA-256 is stored, so a copy of the database lets no one read
// anyone's calendar, and a new token revokes the old one.
#pragma once

#include <mmm/store.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mmm::meetups {

class CalendarFeeds {
 public:
  /// The feeds' table (migration 6 of the meetups plugin's events).
  static std::vector<std::string> schema();
  /// A new token for the user, replacing (revoking) theirs.
  static std::string renew(Store& store, DbSession& tx, std::int64_t userId);
  /// False when the user had none.
  static bool revoke(Store& store, DbSession& tx, std::int64_t userId);
  /// The owner of the token; nullopt for an unknown, revoked or malformed one.
  static std::optional<std::int64_t> owner(Store& store, DbSession& session, const std::string& token);
  /// When the user's token was made (UTC ms); nullopt when they have none.
  static std::optional<std::int64_t> createdAt(Store& store, DbSession& session, std::int64_t userId);
};

}  // namespace mmm::meetups
