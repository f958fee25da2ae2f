// The core's own configuration: its schema and the typed values read from a validated tree.
#pragma once

#include "plugin_host.hpp"

#include <mmm/config_schema.hpp>
#include <mmm/store.hpp>  // Dialect (already in by plugin_host.hpp's mmm/host.hpp)

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

namespace mmm::core {

struct Settings {
  struct Http {
    std::string host = "127.0.0.1";
    int port = 8080;
    int ioThreads = 2;                 // epoll threads holding every connection
    int threads = 16;                  // workers running handlers (the config's 0 is workersFor())
    int activeWorkers = 16;            // of those, at most this many on a CPU at once (see WorkerPool)
    int queue = 1024;                  // requests waiting for a worker; past it: 503
    int backlog = 1024;                // the listening socket's accept queue
    int maxConnections = 16384;        // past it a new connection is closed at once
    bool keepAlive = true;
    int keepAliveTimeoutSeconds = 5;
    int maxKeepAliveRequests = 1000;
    int headerTimeoutSeconds = 10;     // the whole header, from its first byte
    int requestTimeoutSeconds = 15;    // the body's grace period…
    int bodyMinRateBytes = 1024;       // …then at least this many bytes a second on average
    int sendTimeoutSeconds = 30;       // a response the client does not read by then: closed
    int maxHeaderBytes = 16384;        // request line and headers; past it: 431
    long long maxBodyBytes = 1 << 20;
    int shutdownTimeoutSeconds = 30;
    std::vector<std::string> trustedProxies;  // whose X-Forwarded-For is believed
    std::string publicUrl;  // where users reach the site, no trailing slash; empty: not set
  } http;
  struct Cors {
    std::vector<std::string> allowedOrigins;  // exact origins, or "*"
    int maxAgeSeconds = 600;
  } cors;
  struct Log {
    std::string level = "info";
    std::string format = "text";
    bool access = true;
  } log;
  struct Web {
    bool enabled = true;
    std::string root = "web";
    int maxAgeSeconds = 300;
    std::string contentSecurityPolicy;  // sent with every file of the UI
  } web;
  struct MetricsAccess {
    std::vector<std::string> allow = {"127.0.0.0/8", "::1"};  // who may read /metrics
  } metrics;
  struct Store {
    std::string url = "sqlite:data/mmm.db";
    int poolSize = 8;
    int acquireTimeoutMs = 1000;
    int idleTimeoutSeconds = 60;
    int connectTimeoutSeconds = 2;
    int connectWaitSeconds = 0;
    bool sqliteExclusive = true;
  } store;
  struct Sessions {
    std::string url = "memory";
    std::string signingKey;  // empty: a random key per process (memory store only)
    long long ttlSeconds = 7 * 24 * 3600;
    int poolSize = 8;
    int timeoutMs = 1000;
    int connectWaitSeconds = 0;
    std::string cookieName = "mmm_session";
    bool cookieSecure = false;
  } sessions;
  struct Bus {
    bool cluster = false;
    std::string publish = "inproc://mmm-bus";
    std::string subscribe;
    int highWaterMark = 10000;
    int startTimeoutMs = 5000;
  } bus;
  struct Hub {
    std::string path = "/v1/ws";
    int threads = 2;
    int maxFrameBytes = 65536;
    int maxQueuedFrames = 1024;
    int maxQueuedBytes = 4 << 20;
    int pingIntervalSeconds = 30;
    int idleTimeoutSeconds = 75;
    int sendBufferBytes = 0;
    int sessionCheckSeconds = 30;  // how often open sockets' sessions are checked
    int maxSocketsPerUser = 20;    // on all nodes together; 0: no limit
    int maxClientFramesPerSecond = 10;  // on one socket; past it: close 1008; 0: no limit
  } hub;
  std::vector<PluginEntry> plugins;
};

/// The schema of the whole configuration file (plugins' own `config:` nodes are checked
/// later against each plugin's schema).
const ConfigSchema& settingsSchema();

/// The CPUs this process may run on: its affinity mask, or fewer if its cgroup's CPU quota
/// allows fewer (see cpu_limit.hpp).
int usableCpus();
/// `server.threads: 0`: how many workers suit a store of this kind on `cpus` CPUs.
int workersFor(Dialect store, int cpus);

/// Validates `root` and reads it. Throws ConfigError with file:line:column.
/// `base`: the folder relative paths in the file mean (web.root, a sqlite: store, a plugin
/// library given as a path); empty for the working directory (inline YAML, the embedded
/// default). `cpus`: what `server.threads: 0` and `server.active_workers: 0` are sized to.
Settings readSettings(const YAML::Node& root, const std::string& origin, const std::string& base = {},
                      int cpus = usableCpus());

/// Splits "HOST:PORT" (IPv6 as "[::1]:8080"). Throws ConfigError prefixed with `where`.
void parseListen(const std::string& text, const std::string& where, std::string& host, int& port);

/// The embedded default configuration (config/mmm.yaml at build time).
const char* embeddedDefaultConfig();

}  // namespace mmm::core
