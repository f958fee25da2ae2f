#include "tokens.hpp"

#include <sodium.h>

#include <cstring>

#include <array>
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

}  // namespace

TokenSigner::TokenSigner(std::vector<unsigned char> key) {
  ensureSodium();
  const bool longEnough = key.size() >= 32;
  crypto_auth_hmacsha256_state state;
  if (longEnough) {
    crypto_auth_hmacsha256_init(&state, key.data(), key.size());
    keyed_.resize(sizeof state);
    std::memcpy(keyed_.data(), &state, sizeof state);
    sodium_memzero(&state, sizeof state);
  }
  if (!key.empty()) sodium_memzero(key.data(), key.size());  // only the keyed state is kept
  if (!longEnough) throw std::invalid_argument("the session signing key must have at least 32 bytes");
}

TokenSigner::~TokenSigner() {
  if (!keyed_.empty()) sodium_memzero(keyed_.data(), keyed_.size());
}

void TokenSigner::mac(const unsigned char* data, std::size_t size, unsigned char* out) const {
  crypto_auth_hmacsha256_state state;
  std::memcpy(&state, keyed_.data(), sizeof state);
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
