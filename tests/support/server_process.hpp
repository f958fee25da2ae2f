// Test support: mmm-server as a child process, configured by a YAML text, on port 0.
#pragma once

#include "test_http.hpp"

#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace mmm::test {

class ServerProcess {
 public:
  /// Starts `mmm-server --config <yaml in a file>`; returns once it listens.
  explicit ServerProcess(const std::string& yaml) {
    static int counter = 0;
    const std::string base = tempDir() + "/server-" + std::to_string(++counter);
    config_ = base + ".yaml";
    log_ = base + ".log";
    std::ofstream(config_) << yaml;
    int out[2];
    if (::pipe(out) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    posix_spawn_file_actions_addopen(&actions, 2, log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const std::string exe = binDir() + "/mmm-server";
    const char* argv[] = {exe.c_str(), "--config", config_.c_str(), nullptr};
    if (posix_spawn(&pid_, exe.c_str(), &actions, nullptr, const_cast<char**>(argv), environ) != 0)
      throw std::runtime_error("cannot start " + exe);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    FILE* stream = ::fdopen(out[0], "r");
    char line[256];
    while (std::fgets(line, sizeof line, stream)) {
      unsigned port = 0;
      if (std::sscanf(line, "mmm-server listening on port %u", &port) == 1) {
        port_ = static_cast<std::uint16_t>(port);
        break;
      }
    }
    std::fclose(stream);
    if (!port_) {
      stop();
      throw std::runtime_error("mmm-server did not start: " + readFile(log_));
    }
  }
  ~ServerProcess() { stop(); }

  std::uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string& logFile() const { return log_; }

  /// SIGTERM and wait; the exit status.
  int stop() {
    if (pid_ <= 0) return status_;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return status_;
  }

 private:
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  int status_ = -1;
  std::string config_, log_;
};

}  // namespace mmm::test
