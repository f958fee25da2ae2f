// Embedding the core: a server built from YAML, with plugins loaded from shared libraries
// named in that YAML and/or registered statically. Any number may live in one process.
//
//   auto server = mmm::Server::fromYaml("server: {listen: '127.0.0.1:0'}");
//   server->add(mmm_plugin_entry_hello());
//   server->start();
//   … server->port() …
//   server->stop();
#pragma once

#include <mmm/abi.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

namespace mmm {

/// The server's span of one HTTP request (W3C Trace Context ids, lowercase hex), for an
/// exporter: see Server::onSpan.
struct Span {
  std::string traceId;       // 32 hex digits: the caller's trace (traceparent), or a new one
  std::string spanId;        // 16 hex digits: this request's span, new for each request
  std::string parentSpanId;  // the caller's span (traceparent's parent-id); empty if the trace began here
  std::uint8_t flags = 0;    // trace-flags: bit 0 "sampled", as the caller sent them (00 for a new trace)
  std::string name;          // method and route pattern, "GET /v1/events/{id}"; the method alone when no route matched
  std::chrono::system_clock::time_point start;  // when a worker took the request
  std::chrono::nanoseconds duration{0};
  int status = 0;         // the HTTP status answered
  std::string requestId;  // X-Request-Id, as answered
};

class MMM_EXPORT Server {
 public:
  /// Parses and validates a configuration; throws ConfigError ("origin:line:col: …").
  /// Relative paths in `yaml` (web.root, a sqlite: store, plugin libraries given as paths)
  /// are relative to the working directory…
  static std::unique_ptr<Server> fromYaml(const std::string& yaml,
                                          const std::string& origin = "<inline>");
  /// …or to `baseDirectory` (itself relative to the working directory, or absolute).
  static std::unique_ptr<Server> fromYaml(const std::string& yaml, const std::string& origin,
                                          const std::string& baseDirectory);
  /// Relative paths in the file are relative to the file's folder.
  static std::unique_ptr<Server> fromFile(const std::string& path);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Overrides `server.listen` ("HOST:PORT", port 0 for any free port). Before start.
  void setListen(const std::string& hostPort);
  /// Registers a statically linked plugin. It is enabled unless the config's `plugins:`
  /// list names it with `enabled: false`. Before start.
  void add(const mmm_plugin_descriptor* descriptor);
  /// Loads every enabled plugin and validates its config, without starting anything
  /// (what `--check-config` runs). Throws ConfigError or PluginError. start() calls it.
  void load();
  /// Loads, starts plugins in dependency order, then serves. Throws on failure, having
  /// stopped whatever it had started.
  void start();
  /// Stops accepting, finishes requests in flight, stops plugins in reverse order, then
  /// closes the store's connections (a SQLite file is free for another process).
  /// Idempotent; the destructor calls it.
  void stop();
  /// What mmm-server does on SIGHUP: a live reload. Re-reads `configPath` and, if all of
  /// it loads (settings, plugin libraries and configs, dependencies), applies it without
  /// dropping a WebSocket or a request in flight: plugins enabled start, plugins disabled
  /// stop (their requests finish first, then their routes answer 404), a plugin whose config
  /// or library changed restarts with every plugin that uses it, and the core's CORS, log
  /// level and access log, web files and metrics.allow change. Settings that need a restart
  /// are named in a warning. A file that does not load changes nothing. The log says what
  /// happened; /metrics counts reloads by outcome. (Empty `configPath`: running on the
  /// embedded default, nothing to reload.) Never throws.
  void hangUp(const std::string& configPath);

  /// Runs the command-line action a plugin declared for `--flag value` (Host::command)
  /// offline: loads, starts the plugins on the store and session store without the HTTP
  /// server, the hub or the bus, runs the action, stops them. Returns the action's exit
  /// code, or 64 (usage) when no plugin declared `flag`. Not with start.
  int runCommand(const std::string& flag, const std::string& value, std::ostream& out, std::ostream& err);
  /// Flags mmm-server takes itself, which no plugin may declare.
  static std::vector<std::string> coreFlags();

  /// Calls `sink` once for every request, early answers (400, 503) included, with the
  /// server's span of it, on the thread that answered it, after the answer is made and
  /// before it is written: hand the span on (to a batching exporter) and return. An
  /// exception from `sink` is caught, counted (mmm_trace_span_sink_errors_total) and logged
  /// the first time. Before start.
  void onSpan(std::function<void(const Span&)> sink);

  /// The bound port (useful with port 0). Valid after start.
  std::uint16_t port() const;
  /// Plugin names in start order. Valid after load.
  std::vector<std::string> pluginOrder() const;

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace mmm
