#include "tokens.hpp"

#include <Poco/JSON/Parser.h>

#include <sodium.h>

#include <array>
#include <charconv>
#include <stdexcept>
#include <utility>

namespace mmm::core {
namespace {

void ensureSodium() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
}

bool decode(const std::string& text, int variant, std::vector<unsigned char>& out) {
  out.assign(text.size(), 0);
  std::size_t length = 0;
  if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &length, nullptr,
                        variant) != 0)
    return false;
  out.resize(length);
  return true;
}

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

TokenSigner::TokenSigner(std::vector<unsigned char> key) : key_(std::move(key)) {
  ensureSodium();
  if (key_.size() < 32) throw std::invalid_argument("the session signing key must have at least 32 bytes");
}

void TokenSigner::mac(const unsigned char* data, std::size_t size, unsigned char* out) const {
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, key_.data(), key_.size());
  crypto_auth_hmacsha256_update(&state, data, size);
  crypto_auth_hmacsha256_final(&state, out);
}

std::string TokenSigner::issue() const {
  unsigned char raw[kRandomBytes + kMacBytes];
  randombytes_buf(raw, kRandomBytes);
  mac(raw, kRandomBytes, raw + kRandomBytes);
  char encoded[kTokenLength + 1];
  sodium_bin2base64(encoded, sizeof encoded, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return std::string(encoded, kTokenLength);
}

bool TokenSigner::verify(std::string_view token) const {
  if (token.size() != kTokenLength) return false;
  unsigned char raw[kRandomBytes + kMacBytes];
  std::size_t length = 0;
  if (sodium_base642bin(raw, sizeof raw, token.data(), token.size(), nullptr, &length, nullptr,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
      length != sizeof raw)
    return false;
  unsigned char expected[kMacBytes];
  mac(raw, kRandomBytes, expected);
  return sodium_memcmp(expected, raw + kRandomBytes, kMacBytes) == 0;
}

std::string TokenSigner::storageKey(std::string_view token) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(token.data()), token.size());
  char hex[2 * sizeof digest + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return std::string("session:") + hex;
}

std::vector<unsigned char> TokenSigner::parseKey(const std::string& text) {
  ensureSodium();
  std::vector<unsigned char> key;
  bool ok = false;
  // 32 bytes take at least 43 characters in any of these encodings; shorter text (the
  // empty string included, whose buffer libsodium must not be handed) cannot be a key.
  if (text.size() >= 43 && text.size() % 2 == 0 && text.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos) {
    key.assign(text.size() / 2, 0);
    std::size_t length = 0;
    ok = sodium_hex2bin(key.data(), key.size(), text.data(), text.size(), nullptr, &length, nullptr) == 0;
    key.resize(length);
  }
  for (int variant : {sodium_base64_VARIANT_ORIGINAL, sodium_base64_VARIANT_ORIGINAL_NO_PADDING,
                      sodium_base64_VARIANT_URLSAFE, sodium_base64_VARIANT_URLSAFE_NO_PADDING})
    if (!ok && text.size() >= 43) ok = decode(text, variant, key);
  if (!ok || key.size() < 32)
    throw std::invalid_argument(
        "expected at least 32 bytes as hex or base64 (e.g. the output of `openssl rand -base64 32`)");
  // A placeholder (one byte repeated, a short pattern) is not a secret. 32 random bytes
  // hold ~30 distinct values; fewer than 12 happens by chance with odds below 1 in 10^20.
  std::array<bool, 256> seen{};
  int distinct = 0;
  for (unsigned char byte : key) distinct += !std::exchange(seen[byte], true);
  if (distinct < 12)
    throw std::invalid_argument("this key is not random (" + std::to_string(distinct) +
                                " distinct byte values): make one with `openssl rand -base64 32`");
  return key;
}

std::vector<unsigned char> TokenSigner::randomKey() {
  ensureSodium();
  std::vector<unsigned char> key(32);
  randombytes_buf(key.data(), key.size());
  return key;
}

}  // namespace mmm::core
