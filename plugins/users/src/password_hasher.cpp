#include "password_hasher.hpp"

#include <mmm/error.hpp>

#include <sodium.h>

#include <stdexcept>

namespace mmm::users {

Argon2idHasher::Argon2idHasher(unsigned long long opsLimit, std::size_t memLimitBytes)
    : opsLimit_(opsLimit), memLimit_(memLimitBytes) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  if (opsLimit < crypto_pwhash_OPSLIMIT_MIN || memLimitBytes < crypto_pwhash_MEMLIMIT_MIN)
    throw std::invalid_argument("password hash costs below libsodium's minimums");
}

std::string Argon2idHasher::hash(const std::string& password) const {
  char out[crypto_pwhash_STRBYTES];
  // crypto_pwhash_str uses Argon2id (crypto_pwhash_ALG_DEFAULT) and a random salt.
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), opsLimit_, memLimit_,
                            crypto_pwhash_ALG_ARGON2ID13) != 0)
    throw std::runtime_error("out of memory while hashing a password");
  return out;
}

bool Argon2idHasher::verify(const std::string& hash, const std::string& password) const {
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

bool Argon2idHasher::needsRehash(const std::string& hash) const {
  return crypto_pwhash_str_needs_rehash(hash.c_str(), opsLimit_, memLimit_) != 0;
}

class BoundedHasher::Turn {
 public:
  explicit Turn(const BoundedHasher& owner) : owner_(owner) {
    std::unique_lock lock(owner_.mutex_);
    auto free = [&] { return owner_.running_ < owner_.maxConcurrent_; };
    if (!free()) {
      if (owner_.waiting_ >= owner_.maxWaiting_) throw busy();
      ++owner_.waiting_;
      const bool turn = owner_.freed_.wait_for(lock, owner_.maxWait_, free);
      --owner_.waiting_;
      if (!turn) throw busy();
    }
    ++owner_.running_;
  }
  ~Turn() {
    {
      std::lock_guard lock(owner_.mutex_);
      --owner_.running_;
    }
    owner_.freed_.notify_one();
  }
  Turn(const Turn&) = delete;
  Turn& operator=(const Turn&) = delete;

 private:
  static HttpError busy() {
    return HttpError(503, "the server is busy checking passwords; try again shortly", {{"Retry-After", "1"}});
  }

  const BoundedHasher& owner_;
};

BoundedHasher::BoundedHasher(const PasswordHasher& inner, std::size_t maxConcurrent, std::size_t maxWaiting,
                             std::chrono::milliseconds maxWait)
    : inner_(inner), maxConcurrent_(maxConcurrent == 0 ? 1 : maxConcurrent), maxWaiting_(maxWaiting), maxWait_(maxWait) {}

std::string BoundedHasher::hash(const std::string& password) const {
  Turn turn(*this);
  return inner_.hash(password);
}

bool BoundedHasher::verify(const std::string& hash, const std::string& password) const {
  Turn turn(*this);
  return inner_.verify(hash, password);
}

Authenticator::Authenticator(const PasswordHasher& hasher) : hasher_(hasher) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  unsigned char random[32];
  randombytes_buf(random, sizeof random);
  decoy_ = hasher_.hash(std::string(reinterpret_cast<const char*>(random), sizeof random));
}

bool Authenticator::verify(const std::optional<std::string>& storedHash, const std::string& password) const {
  if (!storedHash) {
    hasher_.verify(decoy_, password);  // same cost as a real check; never true
    return false;
  }
  return hasher_.verify(*storedHash, password);
}

}  // namespace mmm::users
