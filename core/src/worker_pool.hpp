// A fixed set of threads that run handlers (which may block on the store) for the event
// loops, behind a bounded queue: when the queue is full, tryPost() says so at once and the
// caller answers 503 instead of stalling its loop.
//
// Waking a sleeping worker is a futex call and a context switch, which on small machines cost
// more than a cheap handler. So at most one worker is being woken at a time: a post wakes a
// sleeper only when no wake is already on its way, and a woken worker that leaves work behind
// in the queue wakes the next. A burst still reaches every worker, one wake after another,
// while a steady trickle is served by the workers already awake.
//
// Many threads are there for handlers that wait (on MariaDB, Redis, a lock); on the CPU,
// more handlers at once than cores only take turns, and each request then takes longer by
// the turns of the others. So no worker starts a task while `active` others run theirs. A
// worker stops counting while it waits in a Waiting scope (the store and the session store
// mark their round trips), or once its task has run for `stallAfter` without marking a
// wait and is found blocked (the watchman looks every stallAfter/2): a handler that waits
// unmarked (a plugin's own I/O, SQLite's busy wait) holds the others back for that long and
// a look more. One still on the CPU, or ready
// and waiting for one (on a busy machine a handler may be preempted for longer than
// `stallAfter`), keeps counting: another task beside it would only take turns with it.
// `active` = `threads`: no cap.
#pragma once

#include <atomic>
#include <chrono>
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
  struct Options {
    int threads = 1;
    std::size_t maxQueued = 1024;
    int active = 0;  // workers running tasks on a CPU at once; 0 (or >= threads): all of them
    std::chrono::milliseconds stallAfter{10};
    std::string name = "mmm-pool";  // the threads' name (see thread_name.hpp)
  };

  WorkerPool(Options options, std::shared_ptr<spdlog::logger> log);
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
  /// Tasks found blocked past `stallAfter` without marking a wait, letting another worker in.
  std::uint64_t stalls() const { return stalls_.load(); }
  std::size_t queued() const;
  int threads() const { return static_cast<int>(threads_.size()); }
  /// The cap on workers running tasks at once (`threads` when there is none).
  int active() const { return limit_; }

 private:
  friend class Waiting;
  enum class State : std::uint8_t { Idle, Running, Waiting, Stalled };
  struct Worker {
    State state = State::Idle;
    int waits = 0;  // Waiting scopes open (they nest)
    int tid = 0;    // the thread's id (for its state in /proc)
    std::chrono::steady_clock::time_point since;  // of the task, or of the end of its last wait
  };

  void run(std::size_t index);
  void watch();
  /// With the lock held: whether a worker may take a task now.
  bool mayStart() const { return !queue_.empty() && (stopping_ || running_ < limit_); }
  /// With the lock held: whether to wake a sleeper for what is queued (and count it).
  bool shouldWake();
  /// With the lock held: when the cap holds tasks back, the watchman looks for stalled workers.
  void checkCap();
  void beginWait(std::size_t index);
  void endWait(std::size_t index);

  std::size_t maxQueued_;
  int limit_;
  bool capped_;  // limit_ < threads: a watchman runs
  std::chrono::milliseconds stallAfter_;
  std::shared_ptr<spdlog::logger> log_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable watchWake_;
  std::deque<Task> queue_;
  std::vector<Worker> workers_;
  bool stopping_ = false;
  bool watching_ = false;  // the watchman is looking (else it sleeps until checkCap() calls)
  int sleeping_ = 0;       // workers waiting for work
  int waking_ = 0;         // of those, notified and not yet back
  int running_ = 0;        // workers in State::Running
  std::vector<std::thread> threads_;
  std::thread watchman_;  // only with a cap
  std::atomic<std::uint64_t> rejected_{0};
  std::atomic<std::uint64_t> failed_{0};
  std::atomic<std::uint64_t> wakes_{0};
  std::atomic<std::uint64_t> stalls_{0};
};

}  // namespace mmm::core
