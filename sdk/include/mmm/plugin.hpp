// A plugin: constructed by its descriptor's factory, configured, started in dependency
// order, stopped in reverse. Its handlers are ordinary functions registered at start. A
// live reload may stop it and start a new object of it in the same process (see the SDK
// README): keep state in the object, not in statics.
#pragma once

#include <mmm/abi.hpp>
#include <mmm/config_schema.hpp>

namespace mmm {

class Host;

class MMM_EXPORT Plugin {
 public:
  virtual ~Plugin() = default;

  /// The schema of the plugin's `config:` node; the host validates it before any start.
  virtual ConfigSchema configSchema() const { return ConfigSchema::map({}); }
  /// Registers routes and services. Throwing aborts the server's start.
  virtual void start(Host& host) = 0;
  /// Called once, in reverse start order, after the HTTP server stopped serving.
  virtual void stop() {}
};

}  // namespace mmm
