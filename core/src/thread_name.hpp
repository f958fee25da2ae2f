// Names a thread just started (15 bytes at most, Linux's limit), so that `top -H`, `ps -L`,
// perf and gdb tell the core's threads apart: mmm-http (epoll loops), mmm-worker (handlers),
// mmm-hub, mmm-frames, mmm-presence, mmm-bus and mmm-timer (the periodic jobs).
#pragma once

#include <pthread.h>

#include <string>
#include <thread>

namespace mmm::core {

/// Named by its starter, so the name is there once the starter goes on.
inline void nameThread(std::thread& thread, const std::string& name) {
  ::pthread_setname_np(thread.native_handle(), name.substr(0, 15).c_str());
}

}  // namespace mmm::core
