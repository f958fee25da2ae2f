// Finds, checks, orders, starts and stops plugins. Plugins come from shared libraries named
// in the config (dlopen RTLD_NOW|RTLD_LOCAL, never unloaded) or are registered statically.
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
  PluginHost(const Logging& logging, RouteSink routes, DocSink docs = {});
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

  const std::vector<std::string>& order() const { return order_; }

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

  const Logging& logging_;
  RouteSink routes_;
  DocSink docs_;
  std::vector<const mmm_plugin_descriptor*> static_;
  std::vector<std::unique_ptr<Loaded>> plugins_;  // in start order
  std::vector<std::string> order_;
  std::unique_ptr<ServiceRegistry> services_;
  std::size_t started_ = 0;
  std::map<std::string, Command> commands_;
  std::vector<std::string> reservedFlags_;
};

/// Directory of the running executable (for plugin libraries "next to the executable").
std::string executableDirectory();

}  // namespace mmm::core
