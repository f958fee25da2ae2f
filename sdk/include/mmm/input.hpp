// Reading values out of requests, with the answers the API contract gives for bad ones.
#pragma once

#include <mmm/error.hpp>
#include <mmm/http.hpp>
#include <mmm/text.hpp>

#include <Poco/Exception.h>
#include <Poco/JSON/Object.h>
#include <Poco/NumberFormatter.h>
#include <Poco/URI.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mmm {

/// A positive id from a path segment; anything else is a 404 for "no such <what>".
inline std::int64_t pathId(const std::string& segment, const std::string& what) {
  std::int64_t id = 0;
  auto [end, ec] = std::from_chars(segment.data(), segment.data() + segment.size(), id);
  if (segment.empty() || ec != std::errc() || end != segment.data() + segment.size() || id <= 0)
    throw HttpError(404, "no such " + what);
  return id;
}

/// A whole-number query parameter `name` from `min` to `max`; 400 naming it otherwise.
inline std::int64_t queryInteger(const std::string& name, const std::string& value, std::int64_t min, std::int64_t max) {
  std::int64_t parsed = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), parsed);
  if (value.empty() || ec != std::errc() || end != value.data() + value.size() || parsed < min || parsed > max)
    throw HttpError(400, name + " must be a whole number from " + std::to_string(min) + " to " + std::to_string(max));
  return parsed;
}

/// The query parameter `name` of `request` as queryInteger() reads it; `fallback` when absent.
inline std::int64_t queryInteger(const Request& request, std::string_view name, std::int64_t min, std::int64_t max,
                                 std::int64_t fallback) {
  const auto value = request.queryParam(name);
  return value ? queryInteger(std::string(name), std::string(*value), min, max) : fallback;
}

/// What a text field may hold besides printable characters (API.md, "Hardening of Part 1").
enum class TextRule {
  SingleLine,  // names, titles, emails: no control characters at all
  MultiLine,   // message bodies, descriptions: \n and \t, no other control character
  Secret,      // passwords: compared, never shown, so any character (refusing one could lock
               // out an account made before the rule)
};

/// A string field of a JSON body: nullopt when absent or null; 400 when it is not a string,
/// not UTF-8, longer than `maxChars` characters, or holds a control character `rule` refuses
/// (NUL would be stored, then read back cut short).
inline std::optional<std::string> stringField(const Poco::JSON::Object::Ptr& body, const std::string& name,
                                              std::size_t maxChars, TextRule rule = TextRule::SingleLine) {
  if (!body->has(name) || body->isNull(name)) return std::nullopt;
  const auto value = body->get(name);
  if (!value.isString()) throw HttpError(400, name + " must be a string");
  std::string text = value.extract<std::string>();
  if (!isValidUtf8(text)) throw HttpError(400, name + " is not valid UTF-8");
  if (utf8Length(text) > maxChars)
    throw HttpError(400, name + " must be at most " + std::to_string(maxChars) + " characters long");
  if (rule == TextRule::SingleLine && hasControlCharacter(text))
    throw HttpError(400, name + " must not contain control characters, line breaks or tabs");
  if (rule == TextRule::MultiLine && hasControlCharacter(text, "\n\t"))
    throw HttpError(400, name + " must not contain control characters other than line breaks and tabs");
  return text;
}

/// An integer field of a JSON body (an id); 400 when absent, not an integer (true and false
/// are not, though Poco's Var calls a bool one) or out of range.
inline std::int64_t integerField(const Poco::JSON::Object::Ptr& body, const std::string& name) {
  if (!body->has(name) || !body->get(name).isInteger() || body->get(name).isBoolean())
    throw HttpError(400, name + " must be a number");
  try {
    return body->getValue<Poco::Int64>(name);
  } catch (const Poco::RangeException&) {
    // Poco parses integers up to 2^64 - 1 as unsigned; converting one past 2^63 - 1 throws.
    throw HttpError(400, name + " is out of range");
  }
}

/// A query parameter `true` or `false` (absent: false); 400 naming it for anything else.
inline bool queryFlag(const Request& request, std::string_view name) {
  auto value = request.queryParam(name);
  if (!value || *value == "false") return false;
  if (*value != "true") throw HttpError(400, std::string(name) + " must be true or false");
  return true;
}

/// Which slice of a list a request asks for: `limit` items after skipping `offset`.
struct Page {
  int limit = 100;
  std::int64_t offset = 0;
};

/// The deepest `offset` a list accepts: a page further in costs the database a walk past
/// every row before it.
constexpr std::int64_t kMaxListOffset = 1000000;

/// Reads `limit` (1 to `maxLimit`, else `defaultLimit`) and `offset` (0 to kMaxListOffset,
/// else 0); 400 naming the parameter for anything else (API.md, "Every list is bounded").
inline Page pageParams(const Request& request, int defaultLimit, int maxLimit) {
  Page page;
  page.limit = static_cast<int>(queryInteger(request, "limit", 1, maxLimit, defaultLimit));
  page.offset = queryInteger(request, "offset", 0, kMaxListOffset, 0);
  return page;
}

/// True for an absolute https:// URL with a host, no white space or control characters.
inline bool isHttpsUrl(const std::string& url) {
  if (url.size() < 9 || !iequals(std::string_view(url).substr(0, 8), "https://")) return false;
  for (unsigned char c : url)
    if (c <= 0x20 || c == 0x7F) return false;
  if (hasControlCharacter(url)) return false;
  try {
    Poco::URI uri(url);
    return uri.getScheme() == "https" && !uri.getHost().empty();
  } catch (const Poco::Exception&) {
    return false;
  }
}

/// A number field of a JSON body: nullopt when absent or null; 400 naming `label` when it is
/// not a finite number from `min` to `max`.
inline std::optional<double> numberField(const Poco::JSON::Object::Ptr& body, const std::string& name, double min,
                                         double max, const std::string& label) {
  if (!body->has(name) || body->isNull(name)) return std::nullopt;
  const auto value = body->get(name);
  const std::string range = " must be a number from " + Poco::NumberFormatter::format(min) + " to " +
                            Poco::NumberFormatter::format(max);
  if (value.isBoolean() || !value.isNumeric()) throw HttpError(400, label + range);
  double d = 0;
  try {
    d = value.convert<double>();
  } catch (const Poco::Exception&) {
    throw HttpError(400, label + range);
  }
  if (!std::isfinite(d) || d < min || d > max) throw HttpError(400, label + range);
  return d;
}

}  // namespace mmm
