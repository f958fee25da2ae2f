// The request bodies of the Users section, read and checked without touching the store:
// what the handlers act on, or an HttpError 4xx (415, 400) for a bad body.
#pragma once

#include <mmm/http.hpp>

#include <cstddef>
#include <optional>
#include <string>

namespace mmm::users {

/// POST /v1/users. `email` as given (normalizeEmail and gravatarUrl make what is stored).
struct SignUpInput {
  std::string email, password, userName, firstName, lastName;
};

/// PATCH /v1/users/{id}: at least one of the two.
struct NameChanges {
  std::optional<std::string> firstName, lastName;
};

/// POST /v1/sessions. `email` normalised.
struct Credentials {
  std::string email, password;
};

SignUpInput parseSignUp(const Request& request, std::size_t minPasswordLength);
NameChanges parseNameChanges(const Request& request);
Credentials parseCredentials(const Request& request);

}  // namespace mmm::users
