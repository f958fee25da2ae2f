// The worker pool: bounded, says "full" at once, survives throwing tasks, drains on stop.
#include "worker_pool.hpp"

#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/null_sink.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

using mmm::core::WorkerPool;

namespace {

std::shared_ptr<spdlog::logger> quiet() {
  return std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
}

// A latch the tasks wait on, so the test decides when they may finish.
struct Gate {
  std::mutex mutex;
  std::condition_variable changed;
  bool open = false;
  int waiting = 0;
  void wait() {
    std::unique_lock<std::mutex> lock(mutex);
    ++waiting;
    changed.notify_all();
    changed.wait(lock, [&] { return open; });
  }
  // False after `limit`: a test that waits on the pool fails instead of hanging (ctest
  // gives these tests no time limit).
  bool waitFor(int n, std::chrono::seconds limit = std::chrono::seconds(10)) {
    std::unique_lock<std::mutex> lock(mutex);
    return changed.wait_for(lock, limit, [&] { return waiting >= n; });
  }
  void release() {
    std::lock_guard<std::mutex> lock(mutex);
    open = true;
    changed.notify_all();
  }
};

}  // namespace

TEST(WorkerPool, AFullQueueIsRefusedAtOnceAndTheTaskKept) {
  WorkerPool pool(2, 3, quiet());
  Gate gate;
  std::atomic<int> done{0};
  for (int i = 0; i < 2; ++i) {
    WorkerPool::Task busy = [&] {
      gate.wait();
      ++done;
    };
    ASSERT_TRUE(pool.tryPost(busy));
  }
  gate.waitFor(2);  // both workers are busy
  for (int i = 0; i < 3; ++i) {
    WorkerPool::Task queued = [&] { ++done; };
    ASSERT_TRUE(pool.tryPost(queued));
  }
  EXPECT_EQ(pool.queued(), 3u);
  WorkerPool::Task extra = [&] { done += 100; };
  EXPECT_FALSE(pool.tryPost(extra));
  EXPECT_TRUE(extra);  // still ours: the caller answers 503 with what it holds
  EXPECT_EQ(pool.rejected(), 1u);
  gate.release();
  pool.stop();  // runs what is queued, then joins
  EXPECT_EQ(done.load(), 5);
}

TEST(WorkerPool, ThrowingTasksAreCountedAndTheWorkersCarryOn) {
  WorkerPool pool(1, 100, quiet());
  std::atomic<int> done{0};
  for (int i = 0; i < 10; ++i) {
    WorkerPool::Task task = [&, i] {
      if (i % 2) throw std::runtime_error("handler bug");
      if (i == 4) throw 7;
      ++done;
    };
    ASSERT_TRUE(pool.tryPost(task));
  }
  pool.stop();
  EXPECT_EQ(done.load(), 4);
  EXPECT_EQ(pool.failed(), 6u);
  WorkerPool::Task late = [] {};
  EXPECT_FALSE(pool.tryPost(late));  // stopped
}

TEST(WorkerPool, ManyPostersManyWorkers) {
  WorkerPool pool(4, 100000, quiet());
  std::atomic<int> done{0};
  std::vector<std::thread> posters;
  for (int t = 0; t < 4; ++t)
    posters.emplace_back([&] {
      for (int i = 0; i < 5000; ++i) {
        WorkerPool::Task task = [&] { ++done; };
        while (!pool.tryPost(task)) std::this_thread::yield();
      }
    });
  for (auto& poster : posters) poster.join();
  pool.stop();
  EXPECT_EQ(done.load(), 20000);
}

// Workers are woken one at a time; a burst of tasks that each wait for all the others must
// still reach every worker, or the pool would deadlock here.
TEST(WorkerPool, ABurstOfBlockingTasksReachesEveryWorker) {
  constexpr int kWorkers = 8;
  WorkerPool pool(kWorkers, 100, quiet());
  Gate gate;
  std::atomic<int> done{0};
  for (int i = 0; i < kWorkers; ++i) {
    WorkerPool::Task task = [&] {
      gate.wait();
      ++done;
    };
    ASSERT_TRUE(pool.tryPost(task));
  }
  const bool all = gate.waitFor(kWorkers);  // false if a worker was never woken
  gate.release();  // either way: stop() then runs what is left
  pool.stop();
  EXPECT_TRUE(all) << "not every task had a worker within 10 s while each waited for all the others";
  EXPECT_EQ(done.load(), kWorkers);
  EXPECT_LE(pool.wakes(), static_cast<std::uint64_t>(kWorkers));
}

// A task that waits for one posted after it: the later post must wake a sleeper although
// every worker that is awake is blocked.
TEST(WorkerPool, APostWhileTheAwakeWorkersBlockWakesASleeper) {
  WorkerPool pool(4, 100, quiet());
  std::atomic<int> done{0}, started{0}, late{0};
  for (int round = 0; round < 50 && late.load() == 0; ++round) {
    Gate later;
    WorkerPool::Task waiter = [&] {
      if (!later.waitFor(1)) ++late;  // the later task did not run while this one waited
      ++done;
    };
    ASSERT_TRUE(pool.tryPost(waiter));
    WorkerPool::Task starter = [&] {
      {
        std::lock_guard<std::mutex> lock(later.mutex);
        ++later.waiting;
        later.changed.notify_all();
      }
      ++started;  // done with `later`
    };
    ASSERT_TRUE(pool.tryPost(starter));
    while (done.load() < round + 1 || started.load() < round + 1) std::this_thread::yield();
  }
  pool.stop();
  EXPECT_EQ(late.load(), 0);
  EXPECT_EQ(done.load(), 50);
}

// At shutdown the queued tasks whose connections are closing are dropped, not run: only
// the task a worker has in hand still runs.
TEST(WorkerPool, DiscardingDropsWhatIsQueuedButNotWhatRuns) {
  WorkerPool pool(1, 100, quiet());
  Gate gate;
  std::atomic<int> ran{0};
  WorkerPool::Task running = [&] {
    gate.wait();
    ++ran;
  };
  ASSERT_TRUE(pool.tryPost(running));
  ASSERT_TRUE(gate.waitFor(1));  // the one worker has it
  for (int i = 0; i < 5; ++i) {
    WorkerPool::Task queued = [&] { ran += 100; };
    ASSERT_TRUE(pool.tryPost(queued));
  }
  EXPECT_EQ(pool.discardQueued(), 5u);
  EXPECT_EQ(pool.queued(), 0u);
  gate.release();
  pool.stop();
  EXPECT_EQ(ran.load(), 1);
}
