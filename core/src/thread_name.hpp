// Names the calling thread (15 bytes at most, Linux's limit), so that `top -H`, `ps -L`,
// perf and gdb tell the core's threads apart: mmm-http (epoll loops), mmm-worker (handlers),
// mmm-hub, mmm-frames, mmm-presence, mmm-bus and mmm-timer (the periodic jobs).
#pragma once

#include <pthread.h>

#include <string>

namespace mmm::core {

inline void nameThisThread(const std::string& name) {
  ::pthread_setname_np(::pthread_self(), name.substr(0, 15).c_str());
}

}  // namespace mmm::core
