#include "validation.hpp"

#include <mmm/text.hpp>
#include <mmm/unicode.hpp>

#include <Poco/DigestEngine.h>
#include <Poco/MD5Engine.h>

#include <utf8proc.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <memory>
#include <stdexcept>

namespace mmm::users {
namespace {

constexpr std::size_t kMaxPasswordBytes = 1024;
constexpr std::size_t kMaxUserNameChars = 255;
constexpr std::size_t kMaxPersonNameChars = 128;

bool isAtext(unsigned char c) {
  // RFC 5322 atext, plus any non-ASCII byte (internationalised addresses, RFC 6531).
  return std::isalnum(c) || std::string_view("!#$%&'*+/=?^_`{|}~-").find(static_cast<char>(c)) != std::string_view::npos ||
         c >= 0x80;
}

bool isWhiteSpace(std::string_view text) {
  // ASCII white space and the Unicode spaces that UTF-8 encodes (NBSP, U+2000–U+200A,
  // line/paragraph separators, narrow NBSP, ideographic space…).
  for (std::size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c <= 0x20 || c == 0x7f) return true;
    if (c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0xA0) return true;
    if (c == 0xE2 && i + 2 < text.size()) {
      unsigned char b = static_cast<unsigned char>(text[i + 1]), d = static_cast<unsigned char>(text[i + 2]);
      if (b == 0x80 && ((d >= 0x80 && d <= 0x8A) || d == 0xA8 || d == 0xA9 || d == 0xAF)) return true;
      if (b == 0x81 && d == 0x9F) return true;
    }
    if (c == 0xE3 && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x80 &&
        static_cast<unsigned char>(text[i + 2]) == 0x80)
      return true;
    if (c == 0xE1 && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x9A &&
        static_cast<unsigned char>(text[i + 2]) == 0x80)
      return true;
  }
  return false;
}

// Bidirectional embeddings, overrides and isolates: they reorder what follows them, so
// a name holding one can show as another (U+202A–U+202E, U+2066–U+2069).
bool hasBidiControl(const std::string& text) {
  const auto* bytes = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  utf8proc_ssize_t at = 0, size = static_cast<utf8proc_ssize_t>(text.size());
  while (at < size) {
    utf8proc_int32_t cp = 0;
    const auto n = utf8proc_iterate(bytes + at, size - at, &cp);
    if (n <= 0) return false;
    if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069)) return true;
    at += n;
  }
  return false;
}

std::string utf8procMap(const std::string& text, int options) {
  utf8proc_uint8_t* out = nullptr;
  const auto size = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                                 static_cast<utf8proc_ssize_t>(text.size()), &out,
                                 static_cast<utf8proc_option_t>(options));
  std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> owned(out, &std::free);
  if (size < 0) throw std::invalid_argument(std::string("cannot normalise text: ") + utf8proc_errmsg(size));
  return std::string(reinterpret_cast<const char*>(out), static_cast<std::size_t>(size));
}

std::string trim(const std::string& text) {
  auto begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return "";
  auto end = text.find_last_not_of(" \t\r\n");
  return text.substr(begin, end - begin + 1);
}

}  // namespace

std::optional<std::string> checkEmail(const std::string& raw) {
  const std::string email = trim(raw);
  if (email.empty()) return "email is required";
  if (!isValidUtf8(email)) return "email is not valid UTF-8";
  if (email.size() > 254) return "email is longer than 254 bytes";
  const auto at = email.rfind('@');
  if (at == std::string::npos || at == 0 || at == email.size() - 1) return "email must look like name@example.org";
  const std::string local = email.substr(0, at), domain = email.substr(at + 1);
  if (local.size() > 64) return "email's part before '@' is longer than 64 bytes";
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string::npos)
    return "email must look like name@example.org";
  for (unsigned char c : local)
    if (!isAtext(c) && c != '.') return "email must look like name@example.org";
  // The domain: dot-separated labels of letters, digits and hyphens (or non-ASCII).
  std::size_t start = 0, labels = 0;
  while (start <= domain.size()) {
    auto dot = domain.find('.', start);
    if (dot == std::string::npos) dot = domain.size();
    const std::string label = domain.substr(start, dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
      return "email must look like name@example.org";
    for (unsigned char c : label)
      if (!(std::isalnum(c) || c == '-' || c >= 0x80)) return "email must look like name@example.org";
    ++labels;
    start = dot + 1;
  }
  if (labels < 2) return "email must look like name@example.org";
  return std::nullopt;
}

std::optional<std::string> checkPassword(const std::string& password, std::size_t minLength) {
  if (!isValidUtf8(password)) return "password is not valid UTF-8";
  if (utf8Length(password) < minLength)
    return "password must be at least " + std::to_string(minLength) + " characters long";
  if (password.size() > kMaxPasswordBytes)
    return "password must be at most " + std::to_string(kMaxPasswordBytes) + " bytes long";
  return std::nullopt;
}

std::optional<std::string> checkUserName(const std::string& userName) {
  if (userName.empty()) return "userName is required";
  if (!isValidUtf8(userName)) return "userName is not valid UTF-8";
  if (isWhiteSpace(userName)) return "userName must not contain white space";
  if (hasBidiControl(userName)) return "userName must not contain bidirectional controls";
  if (isInvisible(userName)) return "userName must have a visible character";
  if (utf8Length(userName) > kMaxUserNameChars)
    return "userName must be at most " + std::to_string(kMaxUserNameChars) + " characters long";
  return std::nullopt;
}

std::optional<std::string> checkPersonName(const std::string& name) {
  if (!isValidUtf8(name)) return "names must be valid UTF-8";
  if (utf8Length(name) > kMaxPersonNameChars)
    return "names must be at most " + std::to_string(kMaxPersonNameChars) + " characters long";
  for (unsigned char c : name)
    if (c < 0x20 || c == 0x7f) return "names must not contain control characters";
  return std::nullopt;
}

std::string normalizeEmail(const std::string& email) {
  std::string out = trim(email);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string foldUserName(const std::string& userName) {
  // utf8proc_NFKC_Casefold, for a string with its length.
  return utf8procMap(userName, UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_IGNORE);
}

std::string foldEmail(const std::string& email) {
  return utf8procMap(trim(email), UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD);
}

std::string gravatarUrl(const std::string& email) {
  Poco::MD5Engine md5;
  md5.update(normalizeEmail(email));
  return "https://www.gravatar.com/avatar/" + Poco::DigestEngine::digestToHex(md5.digest());
}

}  // namespace mmm::users
