// What the host hands a plugin at start: its config, its logger, the router and the
// service registry. Only ever grows at the end (with an ABI minor bump).
#pragma once

#include <mmm/abi.hpp>
#include <mmm/bus.hpp>
#include <mmm/http.hpp>
#include <mmm/openapi.hpp>
#include <mmm/services.hpp>
#include <mmm/sessions.hpp>
#include <mmm/store.hpp>

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

namespace Poco::JSON {
class Object;
}
namespace YAML {
class Node;
}
namespace spdlog {
class logger;
}

namespace mmm {

struct RateLimit;
class RateLimiter;

/// An offline command-line action a plugin declares (see Host::command): runs with the
/// flag's value, writes what it has to say to `out` (errors to `err`) and returns the
/// process's exit code.
using CommandAction = std::function<int(const std::string& value, std::ostream& out, std::ostream& err)>;

/// What Host::onClientFrame hands a plugin: the sender and the frame, a parsed JSON object.
using ClientFrameHandler = std::function<void(std::int64_t userId, const Poco::JSON::Object& frame)>;
/// What Host::onPresence hands a plugin: a user came online (true) or went offline.
using PresenceHandler = std::function<void(std::int64_t userId, bool online)>;

class MMM_EXPORT Host {
 public:
  virtual ~Host() = default;

  /// The plugin's name as configured.
  virtual const std::string& name() const = 0;
  /// The plugin's `config:` node, validated against Plugin::configSchema, defaults filled in.
  virtual const YAML::Node& config() const = 0;
  /// A logger named after the plugin, writing where the server's logs go.
  virtual std::shared_ptr<spdlog::logger> logger() const = 0;
  /// Adds a route. `pattern` is a path whose segments may be `{name}` parameters, e.g.
  /// "/v1/users/{id}"; a literal segment wins over a parameter. Throws on a duplicate. A
  /// parameter named `token` (or ending in `Token` or `_token`) holds a credential: the
  /// access log shows `***` in its place. Routes are added in start(): once it has
  /// returned, route() throws std::logic_error (the routes were published by then).
  virtual void route(const std::string& method, const std::string& pattern, Handler handler) = 0;
  virtual Services& services() = 0;
  /// The relational store (SQLite or MariaDB, as configured).
  virtual Store& store() = 0;
  /// Sign-in sessions and the session store.
  virtual Sessions& sessions() = 0;
  /// The bus shared by every node.
  virtual Bus& bus() = 0;
  /// Pushes to the browsers' WebSockets, on every node.
  virtual Pusher& pusher() = 0;

  // 3.2
  /// Adds a route whose requests first count against `limit` (see mmm/rate_limit.hpp):
  /// past it the answer is 429 with Retry-After and `handler` does not run. A limit that
  /// is off (count 0) adds the route as it is.
  virtual void route(const std::string& method, const std::string& pattern, Handler handler,
                     const RateLimit& limit) = 0;
  /// The rate limiter, for counting what is not a whole request (say, one kind of change).
  virtual RateLimiter& limiter() = 0;

  // 3.3
  /// Declares `mmm-server --config FILE --FLAG VALUE`: an offline action (say, granting a
  /// role). For it the server loads the config and starts the plugins on the store and the
  /// session store, but serves nothing: no HTTP server, no hub, the bus not connected. It
  /// runs `action`, stops the plugins and exits with the action's code. `flag` is lowercase
  /// letters, digits and '-' (without the leading "--"); a flag the core has, or another
  /// plugin declared, throws. Declared at start, like routes.
  virtual void command(const std::string& flag, const std::string& help, CommandAction action) = 0;

  // 4.3
  /// Claims the frames browsers send on their WebSockets that are JSON objects with
  /// `"type": type` (say, {"type":"typing","channelID":7}): each one, from a socket of this
  /// node, is handed to `handler` with its sender's user id. Handlers run on a small pool of
  /// their own, never on the hub's threads, so they may read the store; frames come in no
  /// guaranteed order, and when that pool's queue is full they are dropped (and counted in
  /// /metrics, as are frames nobody claimed). A handler that throws is logged and counted;
  /// the socket stays open. `type` is lowercase letters, digits, '-' and '_'; claiming one
  /// another plugin claimed throws. Declared at start, like routes.
  virtual void onClientFrame(const std::string& type, ClientFrameHandler handler) = 0;
  /// Calls `handler` when a user comes online (their first WebSocket on any node) or goes
  /// offline (their last one closed), on the same pool as the client frames: once per
  /// change, by the node where it happened (a node that dies takes its users offline
  /// silently, within three heartbeats).
  virtual void onPresence(PresenceHandler handler) = 0;
  /// Those of `userIds` online now (holding a WebSocket on some node), in the order given.
  /// This node's view: a change on another node shows within the bus's delay.
  virtual std::vector<std::int64_t> online(const std::vector<std::int64_t>& userIds) = 0;

  // 4.5
  /// Where users reach the site (the core setting `server.public_url`, say
  /// "https://meet.example.org", no trailing slash), for absolute links a plugin hands out
  /// (calendar feeds, mails); empty when it is not set, and the request's Host is all there is.
  virtual const std::string& publicUrl() const = 0;

  // 4.6
  /// Documents a route this plugin added (see mmm/openapi.hpp) for `GET /v1/openapi.json`.
  /// Throws std::invalid_argument when this plugin has no such route, when it is
  /// documented twice, or when a schema is not a JSON object.
  virtual void describe(const std::string& method, const std::string& pattern, const RouteDoc& doc) = 0;
  /// Declares the named schema `#/components/schemas/NAME` (NAME: letters, digits, '.', '-',
  /// '_'). Throws std::invalid_argument when `jsonSchema` is not a JSON object, or when an
  /// enabled plugin declared NAME with another schema.
  virtual void schema(const std::string& name, const std::string& jsonSchema) = 0;
};

}  // namespace mmm
