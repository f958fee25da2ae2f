// Test support: mmm-server as a child process, configured by a YAML text, on port 0.
#pragma once

#include "test_http.hpp"

#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

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
    const std::string base = nextBase();
    config_ = base + ".yaml";
    std::ofstream(config_) << yaml;
    spawn({"--config", config_}, "mmm-server listening on port %u", base);
  }

  /// Starts `mmm-server --bus-proxy FRONTEND BACKEND`; returns once it runs.
  /// A bus forwarder on ports of its own choosing (bound by the child: no port is picked,
  /// released, and raced for); frontend() and backend() are where it listens.
  static std::unique_ptr<ServerProcess> busProxy() {
    return std::unique_ptr<ServerProcess>(new ServerProcess({"--bus-proxy", "tcp://127.0.0.1:*", "tcp://127.0.0.1:*"}));
  }
  /// A bus forwarder on the given endpoints: one that restarts where the nodes expect it.
  static std::unique_ptr<ServerProcess> busProxy(const std::string& frontend, const std::string& backend) {
    return std::unique_ptr<ServerProcess>(new ServerProcess({"--bus-proxy", frontend, backend}));
  }
  const std::string& frontend() const { return frontend_; }
  const std::string& backend() const { return backend_; }
  ~ServerProcess() { stop(); }

  std::uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string& logFile() const { return log_; }
  /// The file given to --config (a reload test rewrites it).
  const std::string& configFile() const { return config_; }

  /// SIGKILL and wait: a crash, with no chance to finish anything.
  void kill9() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    status_ = 128 + SIGKILL;
  }

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
  explicit ServerProcess(const std::vector<std::string>& args) {
    const std::string line = spawn(args, "mmm-server bus forwarder running: ", nextBase());
    std::istringstream words(line.substr(std::string("mmm-server bus forwarder running: ").size()));
    words >> frontend_ >> backend_;
  }

  static std::string nextBase() {
    static int counter = 0;
    return tempDir() + "/server-" + std::to_string(++counter);
  }

  // Runs mmm-server with `args`, stderr to a log file, until stdout shows `ready` (a
  // scanf pattern; "%u" there is the port).
  // Returns the ready line.
  std::string spawn(const std::vector<std::string>& args, const char* ready, const std::string& base) {
    log_ = base + ".log";
    int out[2];
    if (::pipe(out) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    posix_spawn_file_actions_addopen(&actions, 2, log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const std::string exe = binDir() + "/mmm-server";
    std::vector<char*> argv{const_cast<char*>(exe.c_str())};
    for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, exe.c_str(), &actions, nullptr, argv.data(), environ) != 0)
      throw std::runtime_error("cannot start " + exe);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    FILE* stream = ::fdopen(out[0], "r");
    char line[256];
    bool started = false;
    const bool wantsPort = std::string(ready).find("%u") != std::string::npos;
    std::string readyLine;
    while (!started && std::fgets(line, sizeof line, stream)) {
      unsigned port = 0;
      if (wantsPort && std::sscanf(line, ready, &port) == 1) port_ = static_cast<std::uint16_t>(port);
      started = wantsPort ? port_ != 0 : std::string(line).rfind(ready, 0) == 0;
      if (started) readyLine = line;
    }
    std::fclose(stream);
    if (!started) {
      stop();
      throw std::runtime_error("mmm-server did not start: " + readFile(log_));
    }
    return readyLine;
  }

  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  int status_ = -1;
  std::string config_, log_;
  std::string frontend_, backend_;
};

}  // namespace mmm::test
