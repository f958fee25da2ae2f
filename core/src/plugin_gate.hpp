// The door between the server's threads and the plugins' code during a live reload: any
// number of requests and client frames run plugin code together, or one reload changes
// which plugins run, never both. A reload closes the door (new callers wait, it waits for
// those inside to leave), swaps plugins and routes, and opens it again; callers that waited
// then see only the new plugins, so nobody calls into a plugin that was stopped, and no
// request in flight is cut.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>

namespace mmm::core {

class PluginGate {
 public:
  /// Waits while a reload holds the gate.
  void enter() {
    std::unique_lock lock(mutex_);
    opened_.wait(lock, [&] { return !closed_; });
    ++inside_;
  }
  void leave() {
    std::lock_guard lock(mutex_);
    if (--inside_ == 0 && closed_) empty_.notify_all();
  }
  /// Stops new callers, then waits until those inside have left; `slow` is called (without
  /// the lock) every `every` while they have not, with how many are still inside. Past
  /// `deadline` it gives up, opens again and returns false.
  template <class Slow>
  bool close(std::chrono::milliseconds every, std::chrono::steady_clock::time_point deadline, Slow&& slow) {
    std::unique_lock lock(mutex_);
    closed_ = true;
    while (!empty_.wait_for(lock, every, [&] { return inside_ == 0; })) {
      if (std::chrono::steady_clock::now() >= deadline) {
        closed_ = false;
        opened_.notify_all();
        return false;
      }
      const std::size_t inside = inside_;
      lock.unlock();
      slow(inside);
      lock.lock();
    }
    return true;
  }
  void open() {
    std::lock_guard lock(mutex_);
    closed_ = false;
    opened_.notify_all();
  }

  /// enter() for a scope; release() leaves early.
  class Pass {
   public:
    explicit Pass(PluginGate& gate) : gate_(&gate) { gate.enter(); }
    ~Pass() { release(); }
    Pass(const Pass&) = delete;
    Pass& operator=(const Pass&) = delete;
    void release() {
      if (gate_) gate_->leave();
      gate_ = nullptr;
    }

   private:
    PluginGate* gate_;
  };

 private:
  std::mutex mutex_;
  std::condition_variable opened_, empty_;
  std::size_t inside_ = 0;
  bool closed_ = false;
};

}  // namespace mmm::core
