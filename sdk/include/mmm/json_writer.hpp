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
#include <utility>

namespace mmm {

// The writer's few hot calls are inlined where they are made: a member name is then a
// constant whose length and bytes the compiler knows, and its checks fold away.
#if defined(__GNUC__)
#define MMM_JSON_INLINE __attribute__((always_inline))
#else
#define MMM_JSON_INLINE
#endif

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
// A word at a time, the last one overlapping the one before; byte by byte below 8 bytes.
MMM_JSON_INLINE inline bool isPlainJsonText(std::string_view text) {
  if (text.size() < 8) {
    for (const char c : text)
      if (kJsonSpecial.special[static_cast<unsigned char>(c)]) return false;
    return true;
  }
  std::uint64_t word;
  for (std::size_t i = 0; i + 8 < text.size(); i += 8) {
    std::memcpy(&word, text.data() + i, 8);
    if (hasJsonSpecialByte(word, true)) return false;
  }
  std::memcpy(&word, text.data() + text.size() - 8, 8);
  return !hasJsonSpecialByte(word, true);
}
}  // namespace detail

namespace detail {
// Writes `raw` as a JSON string literal to `out`, which has put(char), put(const char*,
// std::size_t) and room(std::size_t) (a hint that that many bytes follow). See
// appendJsonString.
template <class Out>
void writeJsonString(Out& out, std::string_view raw) {
  static constexpr char kHex[] = "0123456789abcdef";
  int valid = -1;  // UTF-8 validity of `raw`, checked at its first byte >= 0x80 (-1: not yet)
  out.room(raw.size() + 2);
  out.put('"');
  std::size_t run = 0;  // start of the pending span copied unchanged
  std::size_t i = 0;
  while (i < raw.size()) {
    // Whole words of ordinary bytes (valid UTF-8 is ordinary once it is known to be valid).
    for (std::uint64_t word; i + 8 <= raw.size(); i += 8) {
      std::memcpy(&word, raw.data() + i, 8);
      if (hasJsonSpecialByte(word, valid != 1)) break;
    }
    // Then byte by byte to the end of the word that needs attention.
    for (const std::size_t stop = std::min(raw.size(), i + 8); i < stop; ++i) {
      const auto c = static_cast<unsigned char>(raw[i]);
      if (!kJsonSpecial.special[c]) continue;
      if (c >= 0x80) {
        // The ASCII before it is valid, so the check can start here.
        if (valid < 0) valid = isValidUtf8(raw.substr(i)) ? 1 : 0;
        if (valid) continue;
      }
      out.put(raw.data() + run, i - run);
      run = i + 1;
      switch (c) {
        case '"': out.put("\\\"", 2); break;
        case '\\': out.put("\\\\", 2); break;
        case '\n': out.put("\\n", 2); break;
        case '\r': out.put("\\r", 2); break;
        case '\t': out.put("\\t", 2); break;
        default:
          if (c < 0x20) {
            const char escape[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
            out.put(escape, sizeof escape);
          } else {
            out.put("\xEF\xBF\xBD", 3);  // a byte of invalid UTF-8
          }
      }
    }
  }
  out.put(raw.data() + run, raw.size() - run);
  out.put('"');
}

// writeJsonString's output for appendJsonString.
struct StringOutput {
  std::string& text;
  void room(std::size_t n) {
    if (text.capacity() - text.size() < n) text.reserve(text.size() + n);
  }
  void put(char c) { text.push_back(c); }
  void put(const char* bytes, std::size_t n) { text.append(bytes, n); }
};
}  // namespace detail

/// Appends `raw` to `out` as a JSON string literal (quotes included). Escapes '"', '\\'
/// and every control character below U+0020 (\n, \r, \t by name, the rest as \u00XX).
/// Text that is not valid UTF-8 has each byte >= 0x80 replaced by U+FFFD, so the output
/// is always valid UTF-8 JSON whatever bytes came in. Plain text is skipped 8 bytes at a
/// time and copied in one piece.
inline void appendJsonString(std::string& out, std::string_view raw) {
  detail::StringOutput output{out};
  detail::writeJsonString(output, raw);
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
///
/// The text is written through a cursor into a string kept at its full size (the bytes past
/// the cursor are room): std::string's push_back and append are calls into libstdc++ that
/// cost more than the copies they make, and a page of events writes some 2,000 pieces.
class JsonWriter {
 public:
  explicit JsonWriter(std::size_t reserve = 256) { out_.resize(std::max<std::size_t>(reserve, kMinRoom)); }
  JsonWriter(const JsonWriter&) = default;
  JsonWriter& operator=(const JsonWriter&) = default;
  // Moved from, a writer is left empty, as a new one (with no room): its cursor goes with
  // the text, never left past the end of the string that stays behind.
  JsonWriter(JsonWriter&& other) noexcept { *this = std::move(other); }
  JsonWriter& operator=(JsonWriter&& other) noexcept {
    if (this == &other) return *this;
    out_ = std::move(other.out_);
    len_ = std::exchange(other.len_, 0);
    objects_ = std::exchange(other.objects_, 0);
    firsts_ = std::exchange(other.firsts_, 0);
    depth_ = std::exchange(other.depth_, 0);
    keyDone_ = std::exchange(other.keyDone_, false);
    other.out_.clear();
    return *this;
  }

  JsonWriter& beginObject() { return open('{', true); }
  JsonWriter& endObject() { return close('}', true); }
  JsonWriter& beginArray() { return open('[', false); }
  JsonWriter& endArray() { return close(']', false); }

  /// The next member's name (inside an object only).
  MMM_JSON_INLINE JsonWriter& key(std::string_view name) {
    if (depth_ == 0 || !inObject() || keyDone_) misuse("JsonWriter: key outside an object");
    keyDone_ = true;
    const bool comma = !first();
    firsts_ &= ~(std::uint64_t{1} << (depth_ - 1));
    if (!appendPlain(comma, name, true)) {
      if (comma) put(',');
      detail::writeJsonString(*this, name);
      put(':');
    }
    return *this;
  }

  MMM_JSON_INLINE JsonWriter& value(std::string_view text) {
    if (depth_ == 0) {
      before();
    } else {
      // before(), with the comma left to the one append of short plain text.
      bool comma = false;
      if (inObject()) {
        if (!keyDone_) misuse("JsonWriter: value without a key in an object");
        keyDone_ = false;
      } else {
        comma = !first();
        firsts_ &= ~(std::uint64_t{1} << (depth_ - 1));
      }
      if (appendPlain(comma, text, false)) return *this;
      if (comma) put(',');
    }
    detail::writeJsonString(*this, text);
    return *this;
  }
  JsonWriter& value(const char* text) { return value(std::string_view(text)); }
  JsonWriter& value(const std::string& text) { return value(std::string_view(text)); }
  JsonWriter& value(bool flag) {
    before();
    if (flag)
      put("true", 4);
    else
      put("false", 5);
    return *this;
  }
  JsonWriter& value(std::int64_t number) {
    before();
    char* at = room(24);
    len_ = static_cast<std::size_t>(std::to_chars(at, at + 24, number).ptr - out_.data());
    return *this;
  }
  JsonWriter& value(int number) { return value(static_cast<std::int64_t>(number)); }
  JsonWriter& value(long long number) { return value(static_cast<std::int64_t>(number)); }
  /// Finite numbers in the shortest form that reads back the same; NaN and infinities,
  /// which JSON cannot express, as null.
  JsonWriter& value(double number) {
    if (!std::isfinite(number)) return null();
    before();
    char* at = room(32);
    len_ = static_cast<std::size_t>(std::to_chars(at, at + 32, number).ptr - out_.data());
    return *this;
  }
  JsonWriter& null() {
    before();
    put("null", 4);
    return *this;
  }
  /// An already serialized JSON value, copied as is (the caller vouches for it).
  JsonWriter& raw(std::string_view json) {
    before();
    put(json.data(), json.size());
    return *this;
  }

  /// key(name).value(v) in one call.
  template <class T>
  JsonWriter& field(std::string_view name, const T& v) {
    return key(name).value(v);
  }

  /// True when every object and array opened has been closed and a value was written.
  bool complete() const { return depth_ == 0 && len_ > 0; }
  /// The JSON written so far.
  std::string_view str() const { return std::string_view(out_.data(), len_); }
  /// The JSON text; the writer is left empty and can be reused.
  std::string take() {
    if (!complete()) throw std::logic_error("JsonWriter: unbalanced JSON");
    out_.resize(len_);
    std::string result = std::move(out_);
    out_.clear();  // room is made again by the next write, if any
    len_ = 0;
    return result;
  }

 private:
  template <class Out>
  friend void detail::writeJsonString(Out& out, std::string_view raw);  // writes through room() and put()

  // Room for `n` more bytes at the cursor, which it returns.
  char* room(std::size_t n) {
    if (out_.size() - len_ < n) grow(n);
    return &out_[len_];
  }
  void put(char c) {
    *room(1) = c;
    ++len_;
  }
  void put(const char* bytes, std::size_t n) {
    if (n == 0) return;  // (bytes may be null then)
    std::memcpy(room(n), bytes, n);
    len_ += n;
  }

  static constexpr int kMaxDepth = 64;
  static constexpr std::size_t kShortText = 96;
  static constexpr std::size_t kMinRoom = 64;

  [[noreturn]] static void misuse(const char* what) { throw std::logic_error(what); }
  void grow(std::size_t n) { out_.resize(std::max({out_.size() * 2, len_ + n, kMinRoom})); }

  // Short plain text (the names of members, most values) with the comma before it and the
  // colon after a name, straight from where it is: it needs no escaping, so the general
  // path's byte classes would only cost. False (nothing written) otherwise.
  MMM_JSON_INLINE bool appendPlain(bool comma, std::string_view text, bool colon) {
    if (text.size() > kShortText || !detail::isPlainJsonText(text)) return false;
    char* at = room(text.size() + 4);
    if (comma) *at++ = ',';
    *at++ = '"';
    std::memcpy(at, text.data(), text.size());
    at += text.size();
    *at++ = '"';
    if (colon) *at++ = ':';
    len_ = static_cast<std::size_t>(at - out_.data());
    return true;
  }

  bool inObject() const { return (objects_ >> (depth_ - 1)) & 1u; }
  bool first() const { return (firsts_ >> (depth_ - 1)) & 1u; }
  void comma() {
    if (!first()) put(',');
    firsts_ &= ~(std::uint64_t{1} << (depth_ - 1));
  }
  // Before any value: a top-level value may be written once; in an object, after its key.
  void before() {
    if (depth_ == 0) {
      if (len_ != 0) throw std::logic_error("JsonWriter: more than one top-level value");
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
    put(bracket);
    const auto bit = std::uint64_t{1} << depth_;
    objects_ = object ? (objects_ | bit) : (objects_ & ~bit);
    firsts_ |= bit;
    ++depth_;
    return *this;
  }
  JsonWriter& close(char bracket, bool object) {
    if (depth_ == 0 || inObject() != object || keyDone_) throw std::logic_error("JsonWriter: unbalanced end");
    --depth_;
    put(bracket);
    return *this;
  }

  std::string out_;       // kept at its full size: the JSON is its first len_ bytes, the rest room
  std::size_t len_ = 0;   // the cursor
  std::uint64_t objects_ = 0;  // bit d: level d is an object (else an array)
  std::uint64_t firsts_ = 0;   // bit d: nothing written at level d yet
  int depth_ = 0;
  bool keyDone_ = false;  // a key was written and its value is due
};

}  // namespace mmm
