#include "password_hasher.hpp"

#include <mmm/error.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <thread>

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

namespace {

// A hash that holds its turn until released.
class GatedHasher final : public PasswordHasher {
 public:
  std::string hash(const std::string& password) const override {
    ++inside;
    while (!open) std::this_thread::yield();
    return "h:" + password;
  }
  bool verify(const std::string& hash, const std::string& password) const override { return hash == this->hash(password); }
  bool needsRehash(const std::string&) const override { return false; }
  mutable std::atomic<int> inside{0};
  std::atomic<bool> open{false};
};

int statusOf(const std::function<void()>& call) {
  try {
    call();
    return 0;
  } catch (const mmm::HttpError& e) {
    return e.status();
  }
}

}  // namespace

TEST(BoundedHasher, BeyondTheBoundAndTheWaitingRoomIs503) {
  GatedHasher inner;
  BoundedHasher bounded(inner, 1, 1, std::chrono::milliseconds(60000));
  std::thread first([&] { bounded.hash("first-one"); });
  while (inner.inside < 1) std::this_thread::yield();
  std::atomic<int> secondStatus{-1};
  std::thread second([&] { secondStatus = statusOf([&] { bounded.hash("second-one"); }); });
  while (bounded.waiting() < 1) std::this_thread::yield();
  EXPECT_EQ(statusOf([&] { bounded.hash("third-one"); }), 503);  // the waiting room is full
  inner.open = true;
  first.join();
  second.join();
  EXPECT_EQ(secondStatus.load(), 0);  // it got its turn when the first ended
  EXPECT_EQ(inner.inside.load(), 2);
}

TEST(BoundedHasher, NoWaitMeans503WhileTheOnlyTurnIsTaken) {
  GatedHasher inner;
  BoundedHasher bounded(inner, 1, 8, std::chrono::milliseconds(0));
  std::thread first([&] { bounded.hash("first-one"); });
  while (inner.inside < 1) std::this_thread::yield();
  EXPECT_EQ(statusOf([&] { bounded.hash("second-one"); }), 503);
  EXPECT_EQ(statusOf([&] { bounded.verify("h:x", "x"); }), 503);
  inner.open = true;
  first.join();
  EXPECT_EQ(statusOf([&] { bounded.hash("third-one"); }), 0);
}
