// A direct JSON writer: appends to one std::string, with no tree of Poco::JSON objects and
// no std::ostream in between (on the hot paths those cost more than the database). Keys
// are written in the order the caller gives them; the bundled plugins give them sorted,
// which is the order Poco::JSON::Object's default (sorted) storage produced.
#pragma once

#include <mmm/text.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mmm {

namespace detail {
// True for the bytes a JSON string cannot hold as they are: controls, '"', '\\', and bytes
// >= 0x80 (which need the UTF-8 check).
struct JsonSpecialBytes {
  bool special[256] = {};
  constexpr JsonSpecialBytes() {
    for (int c = 0; c < 0x20; ++c) special[c] = true;
    special[static_cast<unsigned char>('"')] = special[static_cast<unsigned char>('\\')] = true;
    for (int c = 0x80; c < 0x100; ++c) special[c] = true;
  }
};
inline constexpr JsonSpecialBytes kJsonSpecial{};

// Whether any of the 8 bytes in `word` needs attention: a control, '"' or '\\', or (while
// `highBytes`) one >= 0x80. Word-at-a-time tests (Hacker's Delight, "find a zero byte"):
// exact as a yes/no answer, which is all the caller uses.
inline bool hasJsonSpecialByte(std::uint64_t word, bool highBytes) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL, kHighs = 0x8080808080808080ULL;
  const auto zeroIn = [](std::uint64_t v) { return (v - kOnes) & ~v & kHighs; };
  const std::uint64_t controls = (word - kOnes * 0x20) & ~word & kHighs;  // bytes < 0x20
  return (controls | zeroIn(word ^ (kOnes * '"')) | zeroIn(word ^ (kOnes * '\\')) | (highBytes ? word & kHighs : 0)) != 0;
}
// Whether `text` goes into a JSON string as it is: no control, '"', '\\' or byte >= 0x80.
inline bool isPlainJsonText(std::string_view text) {
  for (const char c : text)
    if (kJsonSpecial.special[static_cast<unsigned char>(c)]) return false;
  return true;
}
}  // namespace detail

/// Appends `raw` to `out` as a JSON string literal (quotes included). Escapes '"', '\\'
/// and every control character below U+0020 (\n, \r, \t by name, the rest as \u00XX).
/// Text that is not valid UTF-8 has each byte >= 0x80 replaced by U+FFFD, so the output
/// is always valid UTF-8 JSON whatever bytes came in. Plain text is skipped 8 bytes at a
/// time and copied in one piece.
inline void appendJsonString(std::string& out, std::string_view raw) {
  static constexpr char kHex[] = "0123456789abcdef";
  int valid = -1;  // UTF-8 validity of `raw`, checked at its first byte >= 0x80 (-1: not yet)
  if (out.capacity() - out.size() < raw.size() + 2) out.reserve(out.size() + raw.size() + 2);
  out.push_back('"');
  std::size_t run = 0;  // start of the pending span copied unchanged
  std::size_t i = 0;
  while (i < raw.size()) {
    // Whole words of ordinary bytes (valid UTF-8 is ordinary once it is known to be valid).
    for (std::uint64_t word; i + 8 <= raw.size(); i += 8) {
      std::memcpy(&word, raw.data() + i, 8);
      if (detail::hasJsonSpecialByte(word, valid != 1)) break;
    }
    // Then byte by byte to the end of the word that needs attention.
    for (const std::size_t stop = std::min(raw.size(), i + 8); i < stop; ++i) {
      const auto c = static_cast<unsigned char>(raw[i]);
      if (!detail::kJsonSpecial.special[c]) continue;
      if (c >= 0x80) {
        // The ASCII before it is valid, so the check can start here.
        if (valid < 0) valid = isValidUtf8(raw.substr(i)) ? 1 : 0;
        if (valid) continue;
      }
      out.append(raw.data() + run, i - run);
      run = i + 1;
      switch (c) {
        case '"': out.append("\\\""); break;
        case '\\': out.append("\\\\"); break;
        case '\n': out.append("\\n"); break;
        case '\r': out.append("\\r"); break;
        case '\t': out.append("\\t"); break;
        default:
          if (c < 0x20) {
            const char escape[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
            out.append(escape, sizeof escape);
          } else {
            out.append("\xEF\xBF\xBD");  // a byte of invalid UTF-8
          }
      }
    }
  }
  out.append(raw.data() + run, raw.size() - run);
  out.push_back('"');
}

/// Writes one JSON value (usually an object or array) into a string:
///
///   JsonWriter json;
///   json.beginObject().key("id").value(std::int64_t{7}).key("tags").beginArray();
///   for (auto& t : tags) json.value(t);
///   json.endArray().endObject();
///   std::string body = json.take();
///
/// Commas and colons are placed by the writer. Misuse that would produce invalid JSON
/// (a value where a key is due, unbalanced ends, nesting past 64) throws std::logic_error.
class JsonWriter {
 public:
  explicit JsonWriter(std::size_t reserve = 256) { out_.reserve(reserve); }

  JsonWriter& beginObject() { return open('{', true); }
  JsonWriter& endObject() { return close('}', true); }
  JsonWriter& beginArray() { return open('[', false); }
  JsonWriter& endArray() { return close(']', false); }

  /// The next member's name (inside an object only).
  JsonWriter& key(std::string_view name) {
    if (depth_ == 0 || !inObject() || keyDone_) throw std::logic_error("JsonWriter: key outside an object");
    keyDone_ = true;
    const bool comma = !first();
    firsts_ &= ~(std::uint64_t{1} << (depth_ - 1));
    if (!appendPlain(comma, name, true)) {
      if (comma) out_.push_back(',');
      appendJsonString(out_, name);
      out_.push_back(':');
    }
    return *this;
  }

  JsonWriter& value(std::string_view text) {
    if (depth_ == 0) {
      before();
    } else {
      // before(), with the comma left to the one append of short plain text.
      bool comma = false;
      if (inObject()) {
        if (!keyDone_) throw std::logic_error("JsonWriter: value without a key in an object");
        keyDone_ = false;
      } else {
        comma = !first();
        firsts_ &= ~(std::uint64_t{1} << (depth_ - 1));
      }
      if (appendPlain(comma, text, false)) return *this;
      if (comma) out_.push_back(',');
    }
    appendJsonString(out_, text);
    return *this;
  }
  JsonWriter& value(const char* text) { return value(std::string_view(text)); }
  JsonWriter& value(const std::string& text) { return value(std::string_view(text)); }
  JsonWriter& value(bool flag) {
    before();
    out_.append(flag ? "true" : "false");
    return *this;
  }
  JsonWriter& value(std::int64_t number) {
    before();
    char buffer[24];
    auto end = std::to_chars(buffer, buffer + sizeof buffer, number).ptr;
    out_.append(buffer, static_cast<std::size_t>(end - buffer));
    return *this;
  }
  JsonWriter& value(int number) { return value(static_cast<std::int64_t>(number)); }
  JsonWriter& value(long long number) { return value(static_cast<std::int64_t>(number)); }
  /// Finite numbers in the shortest form that reads back the same; NaN and infinities,
  /// which JSON cannot express, as null.
  JsonWriter& value(double number) {
    if (!std::isfinite(number)) return null();
    before();
    char buffer[32];
    auto end = std::to_chars(buffer, buffer + sizeof buffer, number).ptr;
    out_.append(buffer, static_cast<std::size_t>(end - buffer));
    return *this;
  }
  JsonWriter& null() {
    before();
    out_.append("null");
    return *this;
  }
  /// An already serialized JSON value, copied as is (the caller vouches for it).
  JsonWriter& raw(std::string_view json) {
    before();
    out_.append(json);
    return *this;
  }

  /// key(name).value(v) in one call.
  template <class T>
  JsonWriter& field(std::string_view name, const T& v) {
    return key(name).value(v);
  }

  /// True when every object and array opened has been closed and a value was written.
  bool complete() const { return depth_ == 0 && !out_.empty(); }
  const std::string& str() const { return out_; }
  /// The JSON text; the writer is left empty and can be reused.
  std::string take() {
    if (!complete()) throw std::logic_error("JsonWriter: unbalanced JSON");
    std::string result = std::move(out_);
    out_.clear();
    return result;
  }

 private:
  static constexpr int kMaxDepth = 64;
  static constexpr std::size_t kShortText = 96;

  // Short plain text (the names of members, most values) with the comma before it and the
  // colon after a name, straight from where it is: it needs no escaping, so the general
  // path's byte classes would only cost. (Copied from the text itself, not through a
  // buffer on the stack: reading back bytes just stored one by one stalls the copy.)
  // False (nothing written) otherwise.
  bool appendPlain(bool comma, std::string_view text, bool colon) {
    if (text.size() > kShortText || !detail::isPlainJsonText(text)) return false;
    if (out_.capacity() - out_.size() < text.size() + 4) out_.reserve(out_.size() + text.size() + 4);
    if (comma) out_.push_back(',');
    out_.push_back('"');
    out_.append(text.data(), text.size());
    out_.push_back('"');
    if (colon) out_.push_back(':');
    return true;
  }

  bool inObject() const { return (objects_ >> (depth_ - 1)) & 1u; }
  bool first() const { return (firsts_ >> (depth_ - 1)) & 1u; }
  void comma() {
    if (!first()) out_.push_back(',');
    firsts_ &= ~(std::uint64_t{1} << (depth_ - 1));
  }
  // Before any value: a top-level value may be written once; in an object, after its key.
  void before() {
    if (depth_ == 0) {
      if (!out_.empty()) throw std::logic_error("JsonWriter: more than one top-level value");
      return;
    }
    if (inObject()) {
      if (!keyDone_) throw std::logic_error("JsonWriter: value without a key in an object");
      keyDone_ = false;
    } else {
      comma();
    }
  }
  JsonWriter& open(char bracket, bool object) {
    if (depth_ == kMaxDepth) throw std::logic_error("JsonWriter: nesting too deep");
    before();
    out_.push_back(bracket);
    const auto bit = std::uint64_t{1} << depth_;
    objects_ = object ? (objects_ | bit) : (objects_ & ~bit);
    firsts_ |= bit;
    ++depth_;
    return *this;
  }
  JsonWriter& close(char bracket, bool object) {
    if (depth_ == 0 || inObject() != object || keyDone_) throw std::logic_error("JsonWriter: unbalanced end");
    --depth_;
    out_.push_back(bracket);
    return *this;
  }

  std::string out_;
  std::uint64_t objects_ = 0;  // bit d: level d is an object (else an array)
  std::uint64_t firsts_ = 0;   // bit d: nothing written at level d yet
  int depth_ = 0;
  bool keyDone_ = false;  // a key was written and its value is due
};

}  // namespace mmm
