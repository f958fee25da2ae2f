#include "worker_pool.hpp"

#include "thread_name.hpp"

#include <spdlog/logger.h>

#include <exception>

namespace mmm::core {

WorkerPool::WorkerPool(int threads, std::size_t maxQueued, std::shared_ptr<spdlog::logger> log, std::string name)
    : maxQueued_(maxQueued), log_(std::move(log)) {
  threads_.reserve(static_cast<std::size_t>(threads));
  for (int i = 0; i < threads; ++i) nameThread(threads_.emplace_back([this] { run(); }), name);
}

WorkerPool::~WorkerPool() { stop(); }

bool WorkerPool::tryPost(Task& task) {
  bool wake;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ || queue_.size() >= maxQueued_) {
      rejected_++;
      return false;
    }
    queue_.push_back(std::move(task));
    wake = shouldWake();
  }
  if (wake) wake_.notify_one();
  return true;
}

bool WorkerPool::shouldWake() {
  if (queue_.empty() || sleeping_ == 0 || waking_ > 0) return false;
  ++waking_;
  wakes_++;
  return true;
}

std::size_t WorkerPool::queued() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return queue_.size();
}

std::size_t WorkerPool::discardQueued() {
  std::deque<Task> dropped;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    dropped.swap(queue_);
  }
  return dropped.size();  // destroyed here, outside the lock
}

void WorkerPool::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& thread : threads_)
    if (thread.joinable()) thread.join();
  threads_.clear();
}

void WorkerPool::run() {
  for (;;) {
    Task task;
    bool wakeNext;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      while (!stopping_ && queue_.empty()) {
        ++sleeping_;
        wake_.wait(lock);
        --sleeping_;
        // Whoever comes back first ends the wake on its way (it may be a spurious return,
        // in which case the notified worker's arrival only finds the count at zero).
        if (waking_ > 0) --waking_;
      }
      if (queue_.empty()) return;  // stopping, and nothing left to run
      task = std::move(queue_.front());
      queue_.pop_front();
      wakeNext = shouldWake();  // a burst: hand the rest on
    }
    if (wakeNext) wake_.notify_one();
    // A task must not take the pool down with it: count, log, go on.
    try {
      task();
    } catch (const std::exception& e) {
      failed_++;
      log_->error("worker: a task failed: {}", e.what());
    } catch (...) {
      failed_++;
      log_->error("worker: a task failed with a non-standard exception");
    }
  }
}

}  // namespace mmm::core
