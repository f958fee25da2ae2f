// Passwords as Argon2id hashes (libsodium crypto_pwhash_str), and sign-in verification that
// costs the same whether or not the email exists.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>

namespace mmm::users {

class PasswordHasher {
 public:
  virtual ~PasswordHasher() = default;
  virtual std::string hash(const std::string& password) const = 0;
  virtual bool verify(const std::string& hash, const std::string& password) const = 0;
  /// True when `hash` was made with other costs than the configured ones.
  virtual bool needsRehash(const std::string& hash) const = 0;
};

class Argon2idHasher final : public PasswordHasher {
 public:
  /// `opsLimit` and `memLimitBytes` as crypto_pwhash_str takes them; libsodium's
  /// INTERACTIVE limits are 2 and 64 MiB. Throws std::invalid_argument below its minimums.
  Argon2idHasher(unsigned long long opsLimit, std::size_t memLimitBytes);
  std::string hash(const std::string& password) const override;
  bool verify(const std::string& hash, const std::string& password) const override;
  bool needsRehash(const std::string& hash) const override;

 private:
  unsigned long long opsLimit_;
  std::size_t memLimit_;
};

/// Another hasher with at most `maxConcurrent` hashes or verifications running at once: each
/// holds the memory its costs name (64 MiB by default), so an unbounded number of them in
/// parallel takes the server's memory with it. A call beyond the bound waits up to `maxWait`
/// for a turn, then throws HttpError 503 with Retry-After; so does one that finds
/// `maxWaiting` calls waiting already (each holds a server thread while it waits).
/// Thread-safe.
class BoundedHasher final : public PasswordHasher {
 public:
  BoundedHasher(const PasswordHasher& inner, std::size_t maxConcurrent, std::size_t maxWaiting,
                std::chrono::milliseconds maxWait);
  std::string hash(const std::string& password) const override;
  bool verify(const std::string& hash, const std::string& password) const override;
  bool needsRehash(const std::string& hash) const override { return inner_.needsRehash(hash); }
  /// Calls waiting for a turn now.
  std::size_t waiting() const {
    std::lock_guard lock(mutex_);
    return waiting_;
  }

 private:
  class Turn;  // holds one of the slots for its lifetime

  const PasswordHasher& inner_;
  const std::size_t maxConcurrent_;
  const std::size_t maxWaiting_;
  const std::chrono::milliseconds maxWait_;
  mutable std::mutex mutex_;
  mutable std::condition_variable freed_;
  mutable std::size_t running_ = 0;
  mutable std::size_t waiting_ = 0;
};

/// Checks a password against a user's hash, or, for an unknown user, against a hash of a
/// random password made at construction: the same work either way, so the two cannot be
/// told apart by the time a sign-in takes.
class Authenticator {
 public:
  explicit Authenticator(const PasswordHasher& hasher);
  bool verify(const std::optional<std::string>& storedHash, const std::string& password) const;

 private:
  const PasswordHasher& hasher_;
  std::string decoy_;
};

}  // namespace mmm::users
