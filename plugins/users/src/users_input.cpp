#include "users_input.hpp"

#include "validation.hpp"

#include <mmm/error.hpp>
#include <mmm/input.hpp>
#include <mmm/json.hpp>

namespace mmm::users {
namespace {

// Lengths are checked by the validation rules, which say more than a generic limit.
constexpr std::size_t kAnyLength = 1 << 20;
// A sign-in password is only compared: longer than any that sign-up accepts is refused early.
constexpr std::size_t kMaxSignInPasswordBytes = 4096;

std::optional<std::string> stringField(const Poco::JSON::Object::Ptr& body, const char* name,
                                       TextRule rule = TextRule::SingleLine) {
  return mmm::stringField(body, name, kAnyLength, rule);
}

std::string requiredString(const Poco::JSON::Object::Ptr& body, const char* name,
                           TextRule rule = TextRule::SingleLine) {
  auto value = stringField(body, name, rule);
  if (!value) throw HttpError(400, std::string(name) + " is required");
  return *value;
}

void check(const std::optional<std::string>& problem) {
  if (problem) throw HttpError(400, *problem);
}

}  // namespace

SignUpInput parseSignUp(const Request& request, std::size_t minPasswordLength) {
  const auto body = parseJsonObject(request);
  SignUpInput in;
  in.email = requiredString(body, "email");
  in.password = requiredString(body, "password", TextRule::Secret);
  const std::string passwordConf = requiredString(body, "passwordConf", TextRule::Secret);
  in.userName = requiredString(body, "userName");
  in.firstName = stringField(body, "firstName").value_or("");
  in.lastName = stringField(body, "lastName").value_or("");
  check(checkEmail(in.email));
  check(checkPassword(in.password, minPasswordLength));
  if (in.password != passwordConf) throw HttpError(400, "password and passwordConf do not match");
  check(checkUserName(in.userName));
  check(checkPersonName(in.firstName));
  check(checkPersonName(in.lastName));
  return in;
}

NameChanges parseNameChanges(const Request& request) {
  const auto body = parseJsonObject(request);
  NameChanges in{stringField(body, "firstName"), stringField(body, "lastName")};
  if (!in.firstName && !in.lastName) throw HttpError(400, "nothing to update: give firstName and/or lastName");
  if (in.firstName) check(checkPersonName(*in.firstName));
  if (in.lastName) check(checkPersonName(*in.lastName));
  return in;
}

Credentials parseCredentials(const Request& request) {
  const auto body = parseJsonObject(request);
  Credentials in;
  in.email = normalizeEmail(requiredString(body, "email"));
  in.password = requiredString(body, "password", TextRule::Secret);
  if (in.password.size() > kMaxSignInPasswordBytes) throw HttpError(400, "password is too long");
  return in;
}

}  // namespace mmm::users
