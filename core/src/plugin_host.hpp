// Finds, checks, orders, starts and stops plugins. Plugins come from shared libraries named
// in the config (dlopen RTLD_NOW|RTLD_LOCAL, never unloaded) or are registered statically.
// A live reload (prepare, then apply) changes the set of running plugins without a restart:
// see apply().
#pragma once

#include "service_registry.hpp"

#include <mmm/abi.hpp>
#include <mmm/config_schema.hpp>
#include <mmm/host.hpp>
#include <mmm/http.hpp>

#include <yaml-cpp/yaml.h>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace spdlog {
class logger;
}

namespace mmm {
class Bus;
class Plugin;
class Pusher;
class Sessions;
class Store;
}

namespace mmm::core {

class Logging;
class SessionRateLimiter;
class ClientFrames;
class Presence;

/// One entry of the config's `plugins:` list.
struct PluginEntry {
  std::string name;
  bool enabled = true;
  std::string library;  // empty: a static plugin, or lib<prefix><name>.so next to the executable
  YAML::Node config;    // as written (validated against the plugin's schema at load)
  std::string where;    // "file:line:col" of the entry, for error messages
};

/// nullopt if the host can use the plugin; otherwise why not, naming the plugin `name`
/// (as configured), `file` and both versions.
std::optional<std::string> checkDescriptor(const mmm_plugin_descriptor& descriptor,
                                           const std::string& file, const std::string& name);

/// Start order: dependencies first, otherwise the given order. Throws PluginError on a
/// missing required plugin or a cycle. `requires_`/`optional` are comma-separated.
struct PluginNode {
  std::string name;
  std::vector<std::string> requires_;
  std::vector<std::string> optional;
};
std::vector<std::string> startOrder(const std::vector<PluginNode>& plugins);

/// What the host hands every plugin besides routes, config and logger.
struct BackEnds {
  Store& store;
  Sessions& sessions;
  Bus& bus;
  Pusher& pusher;
  SessionRateLimiter& limiter;
  ClientFrames& clientFrames;
  Presence& presence;
  const std::string& publicUrl;  // server.public_url
};

/// Calls `add` for each route a plugin registers; the host adds the plugin name.
using RouteSink = std::function<void(const std::string& plugin, const std::string& method,
                                     const std::string& pattern, Handler handler)>;
/// Called when a plugin stopped (or failed to start): forget what it registered.
using StopSink = std::function<void(const std::string& plugin)>;

/// One plugin as the admin listing shows it.
struct PluginState {
  std::string name, version, library;  // library: the file, or "(static)"
  std::string state;                   // "running", "stopped" (enabled, not running), "disabled"
};

/// What a reload changes: plugins started, stopped, and restarted (config or library
/// changed, or a plugin they use changed), each with why.
struct PluginChange {
  std::vector<std::string> started, stopped, restarted;
  std::map<std::string, std::string> why;
  bool empty() const { return started.empty() && stopped.empty() && restarted.empty(); }
};

/// Where Host::describe and Host::schema go, with the plugin's name (see ApiDocs); and the
/// routes a plugin added with a rate limit (their 429 is documented). Each may be empty.
struct DocSink {
  std::function<void(const std::string& plugin, const std::string& method, const std::string& pattern,
                     const RouteDoc& doc)>
      describe;
  std::function<void(const std::string& plugin, const std::string& name, const std::string& jsonSchema)> schema;
  std::function<void(const std::string& plugin, const std::string& method, const std::string& pattern)> rateLimited;
};

class PluginHost {
 public:
  PluginHost(const Logging& logging, RouteSink routes, StopSink stopped = {}, DocSink docs = {});
  ~PluginHost();

  void addStatic(const mmm_plugin_descriptor* descriptor);
  /// Resolves the configured and static plugins, loads libraries, checks them, creates
  /// each enabled plugin, validates its config and computes the start order.
  void load(const std::vector<PluginEntry>& entries, const std::string& origin);
  /// Starts in dependency order, handing each plugin these back ends; on failure stops
  /// those already started and rethrows.
  void start(const BackEnds& backEnds);
  /// Stops in reverse order; idempotent.
  void stop();

  /// A reload checked and ready: plugins loaded and configured, not started.
  class Plan;
  /// Checks `entries` as load() does, without touching the running plugins: libraries are
  /// loaded (a library file that changed since it was loaded is loaded afresh, from a
  /// copy), configs validated, dependencies and the start order computed. Throws
  /// ConfigError or PluginError; nothing runs differently then. After start().
  std::shared_ptr<Plan> prepare(const std::vector<PluginEntry>& entries, const std::string& origin);
  /// What applying `plan` would change: the plugins enabled, disabled, or whose config or
  /// library changed, and every plugin that requires or optionally uses one of them
  /// (dependants hold its services, so they restart with it).
  const PluginChange& change(const Plan& plan) const;
  /// Stops the changed running plugins (dependants first), then starts the plan's in
  /// dependency order. If one fails to start, those just started stop and the plugins
  /// stopped here start again as they were; then it rethrows. Call with every caller of
  /// plugin code kept out (PluginGate).
  void apply(std::shared_ptr<Plan> plan);

  const std::vector<std::string>& order() const { return order_; }
  /// The services the running plugins provide (the core asks for the admin role).
  const Services& services() const { return *services_; }
  /// Every plugin configured or registered, running or not.
  std::vector<PluginState> states() const;

  /// A command-line action the started plugins declared (Host::command).
  struct Command {
    std::string plugin, help;
    CommandAction action;
  };
  /// The action declared for `flag` (without "--"), or nullptr. After start.
  const Command* command(const std::string& flag) const;
  /// Flags the core itself takes: a plugin cannot declare these.
  void reserveFlags(std::vector<std::string> flags) { reservedFlags_ = std::move(flags); }

 private:
  struct Loaded;
  class Context;

  struct Library;
  const mmm_plugin_descriptor* resolve(const PluginEntry& entry, std::string& file);
  std::unique_ptr<Loaded> instantiate(const mmm_plugin_descriptor* descriptor, const std::string& file,
                                      const std::string& name, const YAML::Node& config, const std::string& origin);
  void startOne(Loaded& plugin);
  void stopOne(Loaded& plugin);
  void forget(Loaded& plugin);

  const Logging& logging_;
  RouteSink routes_;
  StopSink stopped_;
  DocSink docs_;
  std::vector<const mmm_plugin_descriptor*> static_;
  std::vector<std::unique_ptr<Loaded>> plugins_;  // in start order
  std::vector<std::string> order_;
  std::vector<PluginEntry> entries_;               // as last loaded or applied
  std::map<std::string, std::unique_ptr<Library>> libraries_;  // by file
  std::unique_ptr<ServiceRegistry> services_;
  std::unique_ptr<BackEnds> backEnds_;             // from start(), for plugins a reload starts
  std::map<std::string, Command> commands_;
  std::vector<std::string> reservedFlags_;
};

/// Directory of the running executable (for plugin libraries "next to the executable").
std::string executableDirectory();

}  // namespace mmm::core
