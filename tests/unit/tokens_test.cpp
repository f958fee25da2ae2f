#include "tokens.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using mmm::core::TokenSigner;

namespace {

TokenSigner signer() {
  return TokenSigner(TokenSigner::parseKey("f84c19ba3cc90bf5a672f389881565bdf8b661b3849eed876c386bd8fc3d1137"));
}

}  // namespace

TEST(Tokens, IssuedTokensVerify) {
  auto s = signer();
  const auto token = s.issue();
  EXPECT_EQ(token.size(), 86u);
  EXPECT_EQ(token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
            std::string::npos);
  EXPECT_TRUE(s.verify(token));
  EXPECT_NE(s.issue(), token);
}

// Tokens made outside (Python's hmac: bytes 0..31, then their HMAC-SHA256, base64url), for a
// key of 32 bytes and one longer than SHA-256's block (which HMAC hashes first): the MAC is
// the standard one, whatever the signer precomputes.
TEST(Tokens, TheMacIsStandardHmacSha256) {
  EXPECT_TRUE(signer().verify(
      "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh-ZJyNf-5FJJiUbN_FBTplC6B3jXYFlPhlXnyjgBCQAMg"));
  const TokenSigner longKey(std::vector<unsigned char>(80, 0xab));
  EXPECT_TRUE(longKey.verify(
      "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh-GCmu2iqPtSXV4s9FxBkRuF7qxT6utOdtNAMFsEovl0A"));
  EXPECT_FALSE(longKey.verify(
      "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh-ZJyNf-5FJJiUbN_FBTplC6B3jXYFlPhlXnyjgBCQAMg"));
  // A copy signs and verifies as the original.
  const TokenSigner copy = longKey;
  EXPECT_TRUE(copy.verify(longKey.issue()));
}

TEST(Tokens, ForgedSignatureIsInvalid) {
  auto s = signer();
  const auto token = s.issue();
  // Every single-character change anywhere (random part or MAC) is caught.
  for (std::size_t i = 0; i < token.size(); ++i) {
    std::string forged = token;
    forged[i] = forged[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(s.verify(forged)) << "position " << i;
  }
  // A token from another key.
  TokenSigner other(TokenSigner::randomKey());
  EXPECT_FALSE(s.verify(other.issue()));
}

TEST(Tokens, MalformedTokensOfAnyLengthAreInvalid) {
  auto s = signer();
  const auto token = s.issue();
  for (std::size_t length = 0; length < 200; ++length) {
    if (length == token.size()) continue;
    EXPECT_FALSE(s.verify(token.substr(0, length) + std::string(length > token.size() ? length - token.size() : 0, 'A')))
        << length;
  }
  EXPECT_FALSE(s.verify(""));
  EXPECT_FALSE(s.verify(std::string(86, '=')));
  EXPECT_FALSE(s.verify(std::string(86, '+')));   // standard, not url-safe, alphabet
  EXPECT_FALSE(s.verify(std::string(86, '\0')));
  EXPECT_FALSE(s.verify(std::string(100000, 'A')));
  std::string spaced = token;
  spaced[40] = ' ';
  EXPECT_FALSE(s.verify(spaced));
  EXPECT_FALSE(s.verify("Bearer " + token));
}

TEST(Tokens, StorageKeyIsAHashNotTheToken) {
  const auto token = signer().issue();
  const auto key = TokenSigner::storageKey(token);
  EXPECT_EQ(key.size(), std::string("session:").size() + 64);
  EXPECT_EQ(key.find(token.substr(0, 10)), std::string::npos);
  EXPECT_EQ(key, TokenSigner::storageKey(token));
}

TEST(Tokens, KeysAreParsedFromHexOrBase64AndMustBeLongEnough) {
  EXPECT_EQ(TokenSigner::parseKey("f84c19ba3cc90bf5a672f389881565bdf8b661b3849eed876c386bd8fc3d1137").size(), 32u);  // hex
  EXPECT_EQ(TokenSigner::parseKey("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=").size(), 32u);  // base64
  EXPECT_THROW(TokenSigner::parseKey("short"), std::invalid_argument);
  EXPECT_THROW(TokenSigner::parseKey(std::string(62, 'a')), std::invalid_argument);
  EXPECT_THROW(TokenSigner::parseKey(""), std::invalid_argument);  // found by tests/fuzz/tokens_fuzz.cpp (UB before)
  // Placeholders are refused: one byte repeated (hex and base64), a short pattern.
  EXPECT_THROW(TokenSigner::parseKey(std::string(64, '0')), std::invalid_argument);
  EXPECT_THROW(TokenSigner::parseKey(std::string(64, 'a')), std::invalid_argument);
  EXPECT_THROW(TokenSigner::parseKey(std::string(44, 'A')), std::invalid_argument);
  EXPECT_THROW(TokenSigner::parseKey("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
               std::invalid_argument);  // 8 distinct bytes
  EXPECT_THROW(TokenSigner(std::vector<unsigned char>(16)), std::invalid_argument);
}
