#include "worker_pool.hpp"

#include "thread_name.hpp"
#include "waiting.hpp"

#include <spdlog/logger.h>

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <exception>
#include <string_view>

namespace mmm::core {

namespace {
// The pool and worker the current thread belongs to, for Waiting.
struct CurrentWorker {
  WorkerPool* pool = nullptr;
  std::size_t index = 0;
};
thread_local CurrentWorker tCurrent;

// Whether thread `tid` of this process is running or ready to run (state R in
// /proc/self/task/TID/stat, the character after the name's closing parenthesis); false when
// it is blocked, or when that cannot be read (then a task is taken for stalled by its time
// alone).
bool onOrReadyForCpu(int tid) {
  char path[48];
  std::snprintf(path, sizeof path, "/proc/self/task/%d/stat", tid);
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char text[512];
  const ssize_t n = ::read(fd, text, sizeof text);
  ::close(fd);
  if (n <= 0) return false;
  const std::string_view stat(text, static_cast<std::size_t>(n));
  const auto end = stat.rfind(')');  // a thread's name may hold parentheses and spaces
  return end != std::string_view::npos && end + 2 < stat.size() && stat[end + 2] == 'R';
}
}  // namespace

namespace {
WorkerPool::Options uncapped(int threads, std::size_t maxQueued, std::string name) {
  WorkerPool::Options options;
  options.threads = threads;
  options.maxQueued = maxQueued;
  options.name = std::move(name);
  return options;
}
}  // namespace

WorkerPool::WorkerPool(int threads, std::size_t maxQueued, std::shared_ptr<spdlog::logger> log, std::string name)
    : WorkerPool(uncapped(threads, maxQueued, std::move(name)), std::move(log)) {}

WorkerPool::WorkerPool(Options options, std::shared_ptr<spdlog::logger> log)
    : maxQueued_(options.maxQueued),
      limit_(options.active > 0 && options.active < options.threads ? options.active : options.threads),
      capped_(limit_ < options.threads),
      stallAfter_(options.stallAfter),
      log_(std::move(log)),
      workers_(static_cast<std::size_t>(std::max(0, options.threads))) {
  threads_.reserve(workers_.size());
  for (std::size_t i = 0; i < workers_.size(); ++i)
    nameThread(threads_.emplace_back([this, i] { run(i); }), options.name);
  if (capped_) {
    watchman_ = std::thread([this] { watch(); });
    nameThread(watchman_, options.name);
  }
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
    checkCap();
  }
  if (wake) wake_.notify_one();
  return true;
}

bool WorkerPool::shouldWake() {
  if (!mayStart() || sleeping_ == 0 || waking_ > 0) return false;
  ++waking_;
  wakes_++;
  return true;
}

void WorkerPool::checkCap() {
  if (!capped_ || watching_ || queue_.empty() || running_ < limit_) return;
  watching_ = true;
  watchWake_.notify_one();
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
    stopping_ = true;  // from now on the cap no longer holds tasks back
  }
  wake_.notify_all();
  watchWake_.notify_all();
  for (auto& thread : threads_)
    if (thread.joinable()) thread.join();
  threads_.clear();
  if (watchman_.joinable()) watchman_.join();
}

void WorkerPool::run(std::size_t index) {
  tCurrent = {this, index};
  Worker& me = workers_[index];
  {
    std::lock_guard<std::mutex> lock(mutex_);
    me.tid = static_cast<int>(::syscall(SYS_gettid));
  }
  for (;;) {
    Task task;
    bool wakeNext;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      if (me.state == State::Running) --running_;
      me.state = State::Idle;
      while (!mayStart()) {
        if (stopping_) return;  // and nothing left to run
        checkCap();
        ++sleeping_;
        wake_.wait(lock);
        --sleeping_;
        // Whoever comes back first ends the wake on its way (it may be a spurious return,
        // in which case the notified worker's arrival only finds the count at zero).
        if (waking_ > 0) --waking_;
      }
      task = std::move(queue_.front());
      queue_.pop_front();
      me.state = State::Running;
      me.since = std::chrono::steady_clock::now();
      ++running_;
      wakeNext = shouldWake();  // a burst: hand the rest on
      checkCap();
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

// While the cap holds tasks back, looks every few milliseconds for workers whose task has
// run past stallAfter_ without marking a wait and is blocked, and stops counting them.
void WorkerPool::watch() {
  const auto period = std::max(std::chrono::milliseconds(1), stallAfter_ / 2);
  struct Suspect {
    std::size_t index;
    std::chrono::steady_clock::time_point since;
    int tid;
    bool blocked;
  };
  std::vector<Suspect> suspects;
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    if (!watching_) {
      watchWake_.wait(lock);
      continue;
    }
    watchWake_.wait_for(lock, period);
    if (stopping_) break;
    const auto now = std::chrono::steady_clock::now();
    suspects.clear();
    for (std::size_t i = 0; i < workers_.size(); ++i) {
      const auto& worker = workers_[i];
      if (worker.state == State::Running && now - worker.since >= stallAfter_)
        suspects.push_back({i, worker.since, worker.tid, true});
    }
    if (!suspects.empty()) {
      // Their states are read without the lock (a file each); one whose task or wait has
      // changed meanwhile is left for the next look.
      lock.unlock();
      for (auto& suspect : suspects) suspect.blocked = !onOrReadyForCpu(suspect.tid);
      lock.lock();
      if (stopping_) break;
      for (const auto& suspect : suspects) {
        auto& worker = workers_[suspect.index];
        if (!suspect.blocked || worker.state != State::Running || worker.since != suspect.since) continue;
        worker.state = State::Stalled;
        --running_;
        stalls_++;
      }
    }
    const bool wake = shouldWake();
    watching_ = !queue_.empty() && running_ >= limit_;
    if (wake) wake_.notify_one();
  }
}

void WorkerPool::beginWait(std::size_t index) {
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    Worker& me = workers_[index];
    if (me.waits++ > 0) return;
    if (me.state == State::Running) --running_;
    me.state = State::Waiting;
    wake = shouldWake();  // someone else may use the CPU meanwhile
  }
  if (wake) wake_.notify_one();
}

void WorkerPool::endWait(std::size_t index) {
  std::lock_guard<std::mutex> lock(mutex_);
  Worker& me = workers_[index];
  if (--me.waits > 0) return;
  // Back on the CPU at once, past the cap if it is reached: the cap only holds back new tasks.
  me.state = State::Running;
  me.since = std::chrono::steady_clock::now();
  ++running_;
  checkCap();
}

Waiting::Waiting(bool waits) : pool_(waits ? tCurrent.pool : nullptr), index_(tCurrent.index) {
  if (pool_ && !pool_->capped_) pool_ = nullptr;  // no cap: nothing to tell
  if (pool_) pool_->beginWait(index_);
}

Waiting::~Waiting() {
  if (pool_) pool_->endWait(index_);
}

}  // namespace mmm::core
