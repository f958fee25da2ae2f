// A bounded pool of connections (database sessions, Redis clients) that waits for a free
// one up to a timeout, drops connections idle for too long, and never hands out one that
// a caller marked broken. Poco's own pools do neither (SessionPool::get throws at once
// when exhausted; poco#3429 hands out dead MySQL sessions).
#pragma once

#include "waiting.hpp"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>

namespace mmm::core {

/// Thrown when no connection could be had within the acquire timeout.
class PoolExhausted : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

template <class Connection>
class Pool {
 public:
  using Clock = std::chrono::steady_clock;
  using Factory = std::function<std::unique_ptr<Connection>()>;  // throws when it cannot connect
  struct Options {
    std::size_t maxSize = 8;
    std::chrono::milliseconds acquireTimeout{1000};
    std::chrono::milliseconds maxIdle{60000};  // older idle connections are closed, not reused
    bool connectingWaits = true;  // opening one is a wait (a network), not work on the CPU (a file)
  };

  class Lease {
   public:
    Lease(Pool& pool, std::unique_ptr<Connection> connection, bool fresh)
        : pool_(&pool), connection_(std::move(connection)), fresh_(fresh) {}
    Lease(Lease&& other) noexcept
        : pool_(other.pool_), connection_(std::move(other.connection_)), fresh_(other.fresh_), broken_(other.broken_) {}
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (connection_) pool_->release(std::move(connection_), broken_);
    }
    Connection& operator*() { return *connection_; }
    Connection* operator->() { return connection_.get(); }
    /// The connection failed: it is closed instead of returned to the pool.
    void broken() { broken_ = true; }
    /// True when the connection was opened for this lease (not reused from the pool).
    bool fresh() const { return fresh_; }

   private:
    Pool* pool_;
    std::unique_ptr<Connection> connection_;
    bool fresh_;
    bool broken_ = false;
  };

  Pool(Factory factory, Options options) : factory_(std::move(factory)), options_(options) {}
  ~Pool() {
    std::lock_guard<std::mutex> lock(mutex_);
    idle_.clear();
  }

  /// A reused idle connection, or a new one. Throws PoolExhausted after the timeout, or
  /// whatever the factory throws.
  Lease acquire() {
    std::unique_lock<std::mutex> lock(mutex_);
    const auto deadline = Clock::now() + options_.acquireTimeout;
    for (;;) {
      while (!idle_.empty()) {
        Idle entry = std::move(idle_.back());
        idle_.pop_back();
        if (Clock::now() - entry.since <= options_.maxIdle)
          return Lease(*this, std::move(entry.connection), false);
        --open_;  // idle too long: the server may have closed it; drop it
      }
      if (open_ < options_.maxSize) {
        ++open_;
        lock.unlock();
        try {
          const Waiting connecting(options_.connectingWaits);  // a worker's CPU is free for another meanwhile
          return Lease(*this, factory_(), true);
        } catch (...) {
          lock.lock();
          --open_;
          available_.notify_one();
          throw;
        }
      }
      const Waiting waiting;
      if (available_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
          open_ >= options_.maxSize)
        throw PoolExhausted("all " + std::to_string(options_.maxSize) + " connections are busy");
    }
  }

  /// Closes idle connections (e.g. after the server went away).
  void clearIdle() {
    std::lock_guard<std::mutex> lock(mutex_);
    open_ -= idle_.size();
    idle_.clear();
  }

 private:
  struct Idle {
    std::unique_ptr<Connection> connection;
    Clock::time_point since;
  };

  void release(std::unique_ptr<Connection> connection, bool broken) {
    std::unique_ptr<Connection> closing;  // destroyed outside the lock
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (broken) {
        closing = std::move(connection);
        --open_;
      } else {
        idle_.push_back({std::move(connection), Clock::now()});
      }
    }
    available_.notify_one();
  }

  Factory factory_;
  Options options_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::deque<Idle> idle_;
  std::size_t open_ = 0;
};

}  // namespace mmm::core
