// mmm-server: a thin main around mmm::Server. Flags, signals, exit codes.
#include <mmm/error.hpp>
#include <mmm/server.hpp>

#include "logging.hpp"

#include <spdlog/logger.h>
#include "settings.hpp"
#include "systemd_notify.hpp"
#include "zmq_bus.hpp"

#include <atomic>
#include <thread>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <future>
#include <iostream>
#include <string>

#include <pthread.h>

namespace {

constexpr int kExitUsage = 64;   // EX_USAGE
constexpr int kExitConfig = 78;  // EX_CONFIG

// Tells systemd (Type=notify) what the server is doing. A failure is said on stderr, which
// the journal keeps, and changes nothing else: the server serves with or without systemd.
void notify(const char* state) {
  const std::string error = mmm::core::notifySystemd(state);
  if (!error.empty()) std::cerr << "mmm-server: cannot tell systemd " << state << ": " << error << std::endl;
}

void usage(std::ostream& out) {
  out << "usage: mmm-server [--config FILE] [--listen HOST:PORT] [--check-config]\n"
         "       mmm-server --bus-proxy FRONTEND BACKEND\n"
         "       mmm-server [--config FILE] --FLAG VALUE   (a plugin's offline action)\n"
         "\n"
         "  --config FILE       YAML configuration (default: the embedded config/mmm.yaml)\n"
         "  --listen HOST:PORT  override server.listen (port 0 picks a free port)\n"
         "  --check-config      validate the configuration and the plugins it enables, then exit\n"
         "  --bus-proxy F B     run the cluster's bus forwarder: nodes publish to F and subscribe\n"
         "                      to B (e.g. tcp://0.0.0.0:5555 tcp://0.0.0.0:5556)\n"
         "  --help              this text\n"
         "  --FLAG VALUE        an offline action a plugin declares, e.g. the users plugin's\n"
         "                      --grant-admin EMAIL: runs on the configured store, serves nothing\n";
}

}  // namespace

int main(int argc, char** argv) {
  std::string configPath, listen, proxyFrontend, proxyBackend, commandFlag, commandValue;
  bool checkOnly = false, busProxy = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](const char* flag) -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "mmm-server: " << flag << " needs a value\n";
        std::exit(kExitUsage);
      }
      return argv[++i];
    };
    if (arg == "--config") configPath = value("--config");
    else if (arg == "--listen") listen = value("--listen");
    else if (arg == "--check-config") checkOnly = true;
    else if (arg == "--bus-proxy") {
      busProxy = true;
      proxyFrontend = value("--bus-proxy");
      proxyBackend = value("--bus-proxy");
    }
    else if (arg == "--help" || arg == "-h") {
      usage(std::cout);
      return 0;
    } else if (arg.size() > 2 && arg.compare(0, 2, "--") == 0 && commandFlag.empty() && i + 1 < argc) {
      // Perhaps a plugin's command-line action (Host::command); known once plugins start.
      commandFlag = arg.substr(2);
      commandValue = value(arg.c_str());
    } else {
      std::cerr << "mmm-server: unknown argument '" << arg << "'\n";
      usage(std::cerr);
      return kExitUsage;
    }
  }

  // Signals are taken by sigwait() below; block them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);  // an nginx habit: it must not take the site down
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  // Past a file-size limit (ulimit -f) a write then fails with EFBIG, answered 503 as a
  // full disk, instead of the process dying of SIGXFSZ without a word.
  std::signal(SIGXFSZ, SIG_IGN);

  if (busProxy) {
    mmm::core::Logging logging("info", "text");
    auto log = logging.make("bus-proxy");
    std::atomic<bool> stop{false};
    std::promise<std::string> endpoints;
    std::thread proxy([&] {
      try {
        mmm::core::runBusProxy(proxyFrontend, proxyBackend, stop, *log,
                               [&](const std::string& front, const std::string& back) {
                                 endpoints.set_value(front + " " + back);
                               });
      } catch (const std::exception& e) {
        log->critical("bus forwarder failed: {}", e.what());
        std::exit(1);
      }
    });
    // Said once both sockets are bound, with the ports chosen for "tcp://HOST:*".
    std::cout << "mmm-server bus forwarder running: " << endpoints.get_future().get() << std::endl;
    int received = 0;
    while (sigwait(&signals, &received) == 0 && received == SIGHUP) log->info("SIGHUP: the forwarder has no configuration to reload");
    stop = true;
    proxy.join();
    return 0;
  }

  std::unique_ptr<mmm::Server> server;
  try {
    server = configPath.empty()
                 ? mmm::Server::fromYaml(mmm::core::embeddedDefaultConfig(), "config/mmm.yaml (embedded)",
                                         "config")  // as if it were ./config/mmm.yaml
                 : mmm::Server::fromFile(configPath);
    if (!listen.empty()) server->setListen(listen);
    server->load();
    if (!commandFlag.empty()) {
      if (checkOnly || !listen.empty()) {
        std::cerr << "mmm-server: --" << commandFlag << " runs alone (with --config only)\n";
        return kExitUsage;
      }
      const int code = server->runCommand(commandFlag, commandValue, std::cout, std::cerr);
      if (code == kExitUsage) usage(std::cerr);
      return code;
    }
    if (checkOnly) {
      std::cout << "configuration OK (plugins:";
      for (const auto& name : server->pluginOrder()) std::cout << ' ' << name;
      std::cout << ")\n";
      return 0;
    }
  } catch (const std::exception& e) {
    std::cerr << "mmm-server: " << e.what() << "\n";
    return kExitConfig;
  }

  try {
    server->start();
  } catch (const std::exception& e) {
    std::cerr << "mmm-server: cannot start: " << e.what() << "\n";
    return 1;
  }
  // Tests and scripts read the bound port from this line (useful with port 0).
  std::cout << "mmm-server listening on port " << server->port() << std::endl;
  notify("READY=1");

  int received = 0;
  while (sigwait(&signals, &received) == 0 && received == SIGHUP) {
    notify("RELOADING=1");
    server->hangUp(configPath);
    notify("READY=1");
  }
  notify("STOPPING=1");
  server->stop();  // logs its own progress, in the configured format
  return 0;
}
