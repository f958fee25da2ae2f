// A fixed set of threads that run handlers (which may block on the store) for the event
// loops, behind a bounded queue: when the queue is full, tryPost() says so at once and the
// caller answers 503 instead of stalling its loop.
//
// Waking a sleeping worker is a futex call and a context switch, which on small machines cost
// more than a cheap handler. So at most one worker is being woken at a time: a post wakes a
// sleeper only when no wake is already on its way, and a woken worker that leaves work behind
// in the queue wakes the next. A burst still reaches every worker, one wake after another,
// while a steady trickle is served by the workers already awake.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace spdlog {
class logger;
}

namespace mmm::core {

class WorkerPool {
 public:
  using Task = std::function<void()>;

  /// `name`: the threads' name (see thread_name.hpp).
  WorkerPool(int threads, std::size_t maxQueued, std::shared_ptr<spdlog::logger> log, std::string name = "mmm-pool");
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  /// Queues `task`; false (and `task` untouched) when the queue is full or the pool stopped.
  bool tryPost(Task& task);
  /// Runs what is queued, then joins the threads. Idempotent.
  void stop();
  /// Drops what is queued and not yet started (a worker's task in hand still runs); how many.
  std::size_t discardQueued();

  std::uint64_t rejected() const { return rejected_.load(); }
  std::uint64_t failed() const { return failed_.load(); }
  /// Sleeping workers woken so far.
  std::uint64_t wakes() const { return wakes_.load(); }
  std::size_t queued() const;
  int threads() const { return static_cast<int>(threads_.size()); }

 private:
  void run();
  /// With the lock held: whether to wake a sleeper for what is queued (and count it).
  bool shouldWake();

  std::size_t maxQueued_;
  std::shared_ptr<spdlog::logger> log_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Task> queue_;
  bool stopping_ = false;
  int sleeping_ = 0;  // workers waiting for work
  int waking_ = 0;    // of those, notified and not yet back
  std::vector<std::thread> threads_;
  std::atomic<std::uint64_t> rejected_{0};
  std::atomic<std::uint64_t> failed_{0};
  std::atomic<std::uint64_t> wakes_{0};
};

}  // namespace mmm::core
