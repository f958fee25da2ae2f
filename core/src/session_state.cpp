#include "session_state.hpp"

#include <Poco/JSON/Parser.h>

#include <charconv>
#include <exception>
#include <string>

namespace mmm::core {

namespace {

// The "id" of `state` when it is an object in the plain shape JsonWriter gives a flat
// object (no whitespace; strings of printable ASCII without escapes; integers without
// fraction or exponent, of up to 18 digits; true, false, null), and its id (if any) an
// integer: true with `id` set (0 without one). False for anything else, which the full
// parser then reads: whatever this accepts, Poco::JSON reads to the same id (the last
// "id" wins there too).
bool plainStateId(std::string_view s, std::int64_t& id) {
  const std::size_t n = s.size();
  std::size_t i = 0;
  const auto isDigit = [](char c) { return c >= '0' && c <= '9'; };
  const auto string = [&](std::string_view* text) {  // at its opening quote
    if (i >= n || s[i] != '"') return false;
    const std::size_t start = ++i;
    for (; i < n && s[i] != '"'; ++i) {
      const auto c = static_cast<unsigned char>(s[i]);
      if (c < 0x20 || c == '\\' || c >= 0x80) return false;
    }
    if (i == n) return false;
    if (text) *text = s.substr(start, i - start);
    ++i;
    return true;
  };
  id = 0;
  if (n < 2 || s[0] != '{') return false;
  i = 1;
  if (s[i] == '}') return n == 2;
  for (;;) {
    std::string_view key;
    if (!string(&key) || i >= n || s[i++] != ':' || i >= n) return false;
    const bool isId = key == "id";
    if (s[i] == '"') {
      if (isId || !string(nullptr)) return false;  // a text id: Poco converts it
    } else if (s[i] == '-' || isDigit(s[i])) {
      const std::size_t start = i;
      if (s[i] == '-') ++i;
      const std::size_t digits = i;
      while (i < n && isDigit(s[i])) ++i;
      const std::size_t count = i - digits;
      if (count == 0 || count > 18 || (count > 1 && s[digits] == '0')) return false;
      if (i < n && (s[i] == '.' || s[i] == 'e' || s[i] == 'E')) return false;
      if (isId) std::from_chars(s.data() + start, s.data() + i, id);
    } else {
      if (isId) return false;
      bool literal = false;
      for (std::string_view word : {"true", "false", "null"})
        if (s.substr(i, word.size()) == word) {
          i += word.size();
          literal = true;
          break;
        }
      if (!literal) return false;
    }
    if (i >= n) return false;
    if (s[i] == '}') return i + 1 == n;
    if (s[i++] != ',') return false;
  }
}

}  // namespace

std::int64_t sessionUserId(std::string_view state) {
  std::int64_t id = 0;
  if (plainStateId(state, id)) return id;
  try {
    Poco::JSON::Parser parser;
    auto object = parser.parse(std::string(state)).extract<Poco::JSON::Object::Ptr>();
    if (object && object->has("id")) return object->getValue<Poco::Int64>("id");
  } catch (const std::exception&) {
    // A state that is not a JSON object with an id: a session without a user id.
  }
  return 0;
}

}  // namespace mmm::core
