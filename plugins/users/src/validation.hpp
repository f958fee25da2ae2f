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

/// Trimmed and lower-cased (ASCII): the address as stored and shown.
std::string normalizeEmail(const std::string& email);

/// The forms names and emails are compared in (utf8proc), for the unique keys of users:
/// a user name after NFKC normalisation and full case folding, without default-ignorable
/// code points (zero-width and the like), so "Ａｌｉｃｅ", "alice" and "al\u200Bice" are one;
/// an email trimmed, NFC-normalised and fully case-folded (Ä and ä are one account).
/// Both expect valid UTF-8 (checked before).
std::string foldUserName(const std::string& userName);
std::string foldEmail(const std::string& email);

/// https://www.gravatar.com/avatar/<md5 of the trimmed, lower-cased email>
std::string gravatarUrl(const std::string& email);

}  // namespace mmm::users
