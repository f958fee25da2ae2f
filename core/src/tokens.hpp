// Session tokens: 32 random bytes followed by their HMAC-SHA256 under the signing key,
// base64url without padding (86 characters). Verification is constant-time and treats
// anything malformed as invalid.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mmm::core {

class TokenSigner {
 public:
  static constexpr std::size_t kRandomBytes = 32;
  static constexpr std::size_t kMacBytes = 32;
  static constexpr std::size_t kTokenLength = 86;  // base64url of 64 bytes, unpadded

  /// `key`: at least 32 bytes of secret.
  explicit TokenSigner(std::vector<unsigned char> key);
  TokenSigner(const TokenSigner&) = default;
  TokenSigner& operator=(const TokenSigner&) = default;
  ~TokenSigner();  // wipes what it keeps of the key

  std::string issue() const;
  bool verify(std::string_view token) const;

  /// Where a token's session is stored: a hash, so the store never holds usable tokens.
  static std::string storageKey(std::string_view token);

  /// Decodes a configured key (base64, base64url or hex); throws std::invalid_argument
  /// unless it yields at least 32 bytes.
  static std::vector<unsigned char> parseKey(const std::string& text);
  static std::vector<unsigned char> randomKey();

 private:
  void mac(const unsigned char* data, std::size_t size, unsigned char* out) const;
  // The HMAC state once the key is in (libsodium's crypto_auth_hmacsha256_state, as bytes),
  // all that is kept of the key: each MAC starts from a copy instead of hashing the padded
  // key twice again. Always the same size, so a copy assignment reuses the buffer.
  std::vector<unsigned char> keyed_;
};

}  // namespace mmm::core
