// The sign-up and profile rules of the API contract, as plain functions.
#pragma once

#include <optional>
#include <string>

namespace mmm::users {

/// Each returns the problem with the value (for a 400's detail), or nullopt when it is fine.
std::optional<std::string> checkEmail(const std::string& email);
std::optional<std::string> checkPassword(const std::string& password, std::size_t minLength);
std::optional<std::string> checkUserName(const std::string& userName);
std::optional<std::string> checkPersonName(const std::string& name);

/// Trimmed and lower-cased: emails are compared case-insensitively.
std::string normalizeEmail(const std::string& email);

/// https://www.gravatar.com/avatar/<md5 of the trimmed, lower-cased email>
std::string gravatarUrl(const std::string& email);

}  // namespace mmm::users
