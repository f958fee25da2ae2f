// A thread that runs a task every period until stopped (stop() wakes it at once). The task's
// exceptions are caught, counted and logged: a periodic job must not end the process.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <spdlog/logger.h>

#include "thread_name.hpp"

namespace mmm::core {

class Ticker {
 public:
  Ticker(std::string name, std::chrono::milliseconds period, std::function<void()> task,
         std::shared_ptr<spdlog::logger> log)
      : name_(std::move(name)), period_(period), task_(std::move(task)), log_(std::move(log)) {
    thread_ = std::thread([this] { run(); });
    nameThread(thread_, "mmm-timer");
  }
  ~Ticker() { stop(); }
  Ticker(const Ticker&) = delete;
  Ticker& operator=(const Ticker&) = delete;

  void stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  std::uint64_t failures() const { return failures_.load(); }

 private:
  void run() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!wake_.wait_for(lock, period_, [this] { return stopping_; })) {
      lock.unlock();
      try {
        task_();
      } catch (const std::exception& e) {
        failures_++;
        log_->error("{}: {}", name_, e.what());
      }
      lock.lock();
    }
  }

  std::string name_;
  std::chrono::milliseconds period_;
  std::function<void()> task_;
  std::shared_ptr<spdlog::logger> log_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::atomic<std::uint64_t> failures_{0};
  std::thread thread_;
};

}  // namespace mmm::core
