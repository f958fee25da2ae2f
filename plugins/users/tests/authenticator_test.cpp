#include "password_hasher.hpp"

#include <gtest/gtest.h>

using namespace mmm::users;

namespace {

// Counts the work done, to show that an unknown email costs what a wrong password does.
class CountingHasher final : public PasswordHasher {
 public:
  std::string hash(const std::string& password) const override { return "h:" + password; }
  bool verify(const std::string& hash, const std::string& password) const override {
    ++verifications;
    return hash == "h:" + password;
  }
  bool needsRehash(const std::string&) const override { return false; }
  mutable int verifications = 0;
};

}  // namespace

TEST(Authenticator, UnknownEmailDoesTheSameWorkAsAWrongPassword) {
  CountingHasher hasher;
  Authenticator authenticator(hasher);
  hasher.verifications = 0;
  EXPECT_FALSE(authenticator.verify(std::nullopt, "whatever1"));
  EXPECT_EQ(hasher.verifications, 1);
  EXPECT_FALSE(authenticator.verify(std::string("h:secret12"), "wrong-one"));
  EXPECT_EQ(hasher.verifications, 2);
  EXPECT_TRUE(authenticator.verify(std::string("h:secret12"), "secret12"));
  EXPECT_EQ(hasher.verifications, 3);
  // The decoy is a real hash of a random password: even its own plain text is not known.
  EXPECT_FALSE(authenticator.verify(std::nullopt, "h:"));
}

TEST(Argon2id, HashesVerifyAndAreSalted) {
  Argon2idHasher hasher(1, 8 * 1024);
  const auto first = hasher.hash("correct horse");
  const auto second = hasher.hash("correct horse");
  EXPECT_EQ(first.rfind("$argon2id$", 0), 0u) << first;
  EXPECT_NE(first, second);
  EXPECT_TRUE(hasher.verify(first, "correct horse"));
  EXPECT_FALSE(hasher.verify(first, "correct horsf"));
  EXPECT_FALSE(hasher.verify("not a hash", "correct horse"));
  EXPECT_FALSE(hasher.needsRehash(first));
  EXPECT_TRUE(Argon2idHasher(2, 16 * 1024).needsRehash(first));
}
