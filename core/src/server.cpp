// mmm::Server: settings, logging, router, middleware, plugins and the HTTP server, wired.
#include <mmm/server.hpp>

#include "api_docs.hpp"
#include "client_ip.hpp"
#include "config.hpp"
#include "errors.hpp"
#include "http_parser.hpp"
#include "http_server.hpp"
#include "client_frames.hpp"
#include "hub.hpp"
#include "presence.hpp"
#include "logging.hpp"
#include "metrics.hpp"
#include "pipeline.hpp"
#include "plugin_gate.hpp"
#include "plugin_host.hpp"
#include "rate_limiter.hpp"
#include "router.hpp"
#include "session_store_impl.hpp"
#include "socket_quota.hpp"
#include "settings.hpp"
#include "static_files.hpp"
#include "store_impl.hpp"
#include "store_lock.hpp"
#include "ticker.hpp"
#include "session_state.hpp"
#include "tokens.hpp"
#include "tracing.hpp"
#include "ws_frame.hpp"
#include "zmq_bus.hpp"

#include <mmm/auth.hpp>
#include <mmm/error.hpp>
#include <mmm/json.hpp>
#include <mmm/moderation.hpp>

#include <spdlog/logger.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <optional>
#include <ostream>
#include <random>
#include <set>
#include <stdexcept>
#include <thread>

namespace mmm {

using namespace mmm::core;

namespace {

bool validRequestId(const std::string& id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.' && c != ':')
      return false;
  return true;
}

std::string newRequestId() {
  thread_local std::mt19937_64 random(std::random_device{}());
  static const char* hex = "0123456789abcdef";
  std::string id(16, '0');
  auto bits = random();
  for (auto& c : id) {
    c = hex[bits & 0xf];
    bits >>= 4;
  }
  return id;
}

// Methods come from the client: a fixed set of labels keeps the metric series bounded.
const char* methodLabel(const std::string& method) {
  for (const char* known : {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
    if (method == known) return known;
  return "other";
}

constexpr const char* kSessionEnded = "mmm.session.ended";

std::string join(const std::vector<std::string>& items, const char* separator) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : separator) + item;
  return out;
}

// Runs `check` until it succeeds or `waitSeconds` have passed, backing off from 100 ms to
// 5 s between tries; then throws a start-up error naming `what`.
void waitUntilReachable(const std::string& what, int waitSeconds, spdlog::logger& log,
                        const std::function<void()>& check) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(waitSeconds);
  auto backoff = std::chrono::milliseconds(100);
  for (;;) {
    try {
      check();
      return;
    } catch (const std::exception& e) {
      const std::string reason = describe(e);
      if (std::chrono::steady_clock::now() + backoff > deadline)
        throw std::runtime_error("cannot reach " + what + ": " + reason);
      log.warn("cannot reach {} yet ({}); retrying in {} ms", what, reason, backoff.count());
      std::this_thread::sleep_for(backoff);
      backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
    }
  }
}

}  // namespace

// What a live reload changes in the core, read per request: swapped whole, never edited.
struct LiveSettings {
  Settings::Cors cors;
  bool accessLog = true;
  std::shared_ptr<const StaticFiles> web;  // null when web.enabled is false
  AddressRanges metricsAllow;
};

// One route as registered, by whom ("" for the core).
struct RouteRecord {
  std::string owner, method, pattern;
  Handler handler;
};

struct Server::Impl {
  Impl(YAML::Node raw, std::string origin, const std::string& base = {})
      : origin(std::move(origin)),
        base(base),
        raw(YAML::Clone(raw)),  // a Node is a handle: assigning to one would rewrite the other
        appliedRaw(YAML::Clone(raw)),
        settings(readSettings(raw, this->origin, base)),
        logging(settings.log.level, settings.log.format),
        log(logging.make("server")),
        accessLog(logging.make("http")),
        tracing(log),
        docs(ApiDocs::Info{"Music Maker Meetup", serverVersion(), settings.http.publicUrl,
                           settings.sessions.cookieName},
             logging.make("openapi")),
        plugins(
            logging,
            [this](const std::string& plugin, const std::string& method, const std::string& pattern,
                   Handler handler) {
              try {
                addRoute(plugin, method, pattern, std::move(handler));
              } catch (const std::invalid_argument& e) {
                throw PluginError(e.what());  // in the plugin's start(), which names the plugin
              }
            },
            [this](const std::string& plugin) { forgetRoutes(plugin); },
            DocSink{[this](const std::string& plugin, const std::string& method, const std::string& pattern,
                           const RouteDoc& doc) { docs.describe(plugin, method, pattern, doc); },
                    [this](const std::string& plugin, const std::string& name, const std::string& json) {
                      docs.schema(plugin, name, json);
                    },
                    [this](const std::string& plugin, const std::string& method, const std::string& pattern) {
                      docs.rateLimited(plugin, method, pattern);
                    }}) {}

  std::string origin;
  std::string base;  // the folder relative paths in the config mean
  YAML::Node raw;         // the configuration as started: what needs a restart is compared with it
  YAML::Node appliedRaw;  // as last applied (started, or reloaded)
  Settings settings;
  Logging logging;
  std::shared_ptr<spdlog::logger> log;
  std::shared_ptr<spdlog::logger> accessLog;
  Tracing tracing;  // traceparent in, traceresponse out, the trace in the log and on the bus
  PluginGate gate;  // plugin code runs inside; a reload closes it
  std::mutex routesMutex;                 // guards routeRecords and checker
  std::vector<RouteRecord> routeRecords;  // every route, by owner
  Router checker;                         // every recorded route: refuses a duplicate as it comes
  std::shared_ptr<const Router> routes = std::make_shared<Router>();  // what requests match (atomic_load)
  std::shared_ptr<const LiveSettings> live;                          // likewise
  std::set<std::string> corePatterns;     // the core's routes (outside the gate); filled at start only
  std::mutex reloadMutex;                 // one reload at a time
  bool stopping = false;                  // with reloadMutex: no reload once stop() began
  std::atomic<std::uint64_t> reloadsApplied{0}, reloadsUnchanged{0}, reloadsRefused{0}, reloadsFailed{0};
  ApiDocs docs;  // what `GET /v1/openapi.json` says about the router's routes, by owner
  Metrics metrics;
  std::unique_ptr<PocoStore> store;
  std::unique_ptr<StoreLock> storeLock;  // SQLite only, while started
  std::shared_ptr<MemorySessionStore> memorySessions;  // one of these two
  std::shared_ptr<RedisSessionStore> redisSessions;
  std::unique_ptr<TokenSessions> sessions;
  std::unique_ptr<SessionRateLimiter> limiter;
  std::unique_ptr<ZmqBus> bus;
  std::unique_ptr<BusPusher> pusher;
  std::unique_ptr<ClientFrames> clientFrames;    // what clients send, to the plugins (made before the hub)
  std::unique_ptr<Presence> presence;            // who holds a socket on some node
  std::unique_ptr<Hub> hub;
  std::unique_ptr<Bus::Subscription> hubFeed;      // the hub's subscription to pushes
  std::unique_ptr<Bus::Subscription> sessionFeed;  // …and to sessions ended
  std::unique_ptr<Ticker> sessionWatch;            // closes sockets whose session is gone
  std::unique_ptr<SocketQuota> socketQuota;        // WebSockets per user, on every node
  std::unique_ptr<Ticker> quotaKeeper;             // renews and frees the quota's slots
  PluginHost plugins;
  std::unique_ptr<HttpServer> http;
  bool loaded = false;
  bool randomSigningKey = false;
  bool running = false;
  bool started = false;  // once: a server is not started again after stop()
  // What start() has brought up, as undo actions in start order: stop() and a start that
  // fails unwind the same list in reverse.
  std::vector<std::function<void()>> teardown;

  void addRoute(const std::string& owner, const std::string& method, const std::string& pattern, Handler handler);
  void holdStore();
  void forgetRoutes(const std::string& owner);
  void clearRoutes();
  void publishRoutes();
  std::shared_ptr<const Router> currentRoutes() const { return std::atomic_load(&routes); }
  std::shared_ptr<const LiveSettings> currentLive() const { return std::atomic_load(&live); }
  std::shared_ptr<const LiveSettings> makeLive(const Settings& next) const;
  struct ReloadOutcome {
    std::string result;  // "applied", "unchanged", "refused" (the config does not load), "failed" (a start failed)
    PluginChange change;
    std::vector<std::string> warnings;  // settings that need a restart
    std::string error;
  };
  ReloadOutcome reload(const std::string& path);
  std::string configFile;  // the file the server was made from; empty for inline YAML
  std::vector<Middleware> outerMiddleware();
  Handler buildPipeline();
  EarlyAnswer buildEarlyAnswer();
  Response dispatch(Request& request);
  void addCoreRoutes();
  void addAdminRoutes();
  void createBackEnds();
  void createMessaging();
  void startParts();
  void unwind();
  Response readiness();
  void resolveSession(Request& request);
  bool originAllowed(const Request& request) const;
  Response acceptWebSocket(Request& request);
};

namespace {

// The token from "Authorization: Bearer T", the "auth=Bearer T" query parameter (for the
// WebSocket upgrade, where a header cannot be set) or the session cookie, in that order.
std::optional<std::string> bearer(std::string_view value) {
  if (value.size() > 7 && iequals(value.substr(0, 7), "Bearer ")) {
    auto token = value.substr(7);
    while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
    return std::string(token);
  }
  return std::nullopt;
}

std::optional<std::string> cookieValue(std::string_view header, const std::string& name) {
  while (!header.empty()) {
    auto semi = header.find(';');
    std::string_view pair = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    auto eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) return std::string(pair.substr(eq + 1));
  }
  return std::nullopt;
}

bool unsafeMethod(const std::string& method) {
  return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

}  // namespace

// A cookie-only session with an unsafe method must come from an allowed origin: the
// server's own (the Host it was addressed as) or one on the CORS allow-list ("*" does not
// count: that would let any site act with a visitor's cookie).
bool Server::Impl::originAllowed(const Request& request) const {
  auto origin = request.header("Origin");
  if (!origin) return false;
  const auto live = currentLive();
  const auto& allowed = live->cors.allowedOrigins;
  if (std::find(allowed.begin(), allowed.end(), std::string(*origin)) != allowed.end()) return true;
  auto host = request.header("Host");
  if (!host) return false;
  auto scheme = origin->find("://");
  return scheme != std::string_view::npos && origin->substr(scheme + 3) == *host;
}

// The WebSocket upgrade: checked like any request (origin, session), then answered 101;
// the HTTP adapter hands the socket to the hub.
Response Server::Impl::acceptWebSocket(Request& request) {
  auto upgrade = request.header("Upgrade");
  auto connection = request.header("Connection");
  auto key = request.header("Sec-WebSocket-Key");
  auto version = request.header("Sec-WebSocket-Version");
  std::string connectionLower(connection.value_or(""));
  for (auto& c : connectionLower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!upgrade || !iequals(*upgrade, "websocket") || connectionLower.find("upgrade") == std::string::npos || !key ||
      key->size() != 24)
    throw HttpError(400, "expected a WebSocket upgrade");
  if (!version || *version != "13") throw HttpError(426, "WebSocket version 13 only", {{"Sec-WebSocket-Version", "13"}});
  if (request.header("Origin") && !originAllowed(request))
    throw HttpError(403, "origin " + std::string(*request.header("Origin")) + " is not allowed");
  const auto& session = authenticated(request);
  Response response;
  response.status = 101;
  response.set("Upgrade", "websocket");
  response.set("Connection", "Upgrade");
  response.set("Sec-WebSocket-Accept", ws::acceptKey(*key));
  std::string slot = "-";
  if (socketQuota) {
    auto claimed = socketQuota->claim(session.userId);
    if (!claimed)
      throw HttpError(429,
                      "at most " + std::to_string(socketQuota->perUser()) +
                          " WebSockets per user may be open at once; close one first",
                      {{"Retry-After", "5"}});
    slot = std::move(*claimed);
  }
  response.set(kUpgradeUserHeader,
               std::to_string(session.userId) + " " + slot + " " + TokenSigner::storageKey(session.token));
  return response;
}

void Server::Impl::resolveSession(Request& request) {
  std::optional<std::string> token;
  bool viaCookie = false;
  if (auto header = request.header("Authorization")) token = bearer(*header);
  // A token in the URL ends up in logs and histories: only the WebSocket upgrade, where a
  // browser cannot set a header, may carry one there.
  if (!token && request.path == settings.hub.path)
    if (auto query = request.queryParam("auth")) token = bearer(*query);
  if (!token)
    if (auto cookies = request.header("Cookie")) {
      token = cookieValue(*cookies, sessions->cookieName());
      viaCookie = token.has_value();
    }
  if (!token) return;
  auto state = sessions->find(*token);
  if (!state) return;
  if (viaCookie && unsafeMethod(request.method) && !originAllowed(request)) {
    request.sessionRefusal = "a request authenticated by the session cookie with " + request.method +
                             " must come from an allowed Origin";
    return;
  }
  SessionInfo info;
  info.token = std::move(*token);
  info.state = std::move(*state);
  info.viaCookie = viaCookie;
  info.userId = sessionUserId(info.state);
  request.session = std::move(info);
}

void Server::Impl::createBackEnds() {
  const auto& st = settings.store;
  StoreOptions storeOptions;
  storeOptions.poolSize = static_cast<std::size_t>(st.poolSize);
  storeOptions.acquireTimeout = std::chrono::milliseconds(st.acquireTimeoutMs);
  storeOptions.maxIdle = std::chrono::seconds(st.idleTimeoutSeconds);
  storeOptions.connectTimeoutSeconds = st.connectTimeoutSeconds;
  storeOptions.sqliteExclusive = st.sqliteExclusive;
  store = std::make_unique<PocoStore>(parseStoreUrl(st.url), storeOptions, logging.make("store"));

  const auto& ss = settings.sessions;
  std::shared_ptr<SessionStore> backEnd;
  if (ss.url == "memory") {
    backEnd = memorySessions = std::make_shared<MemorySessionStore>();
  } else {
    RedisOptions redisOptions;
    redisOptions.poolSize = static_cast<std::size_t>(ss.poolSize);
    redisOptions.timeout = redisOptions.acquireTimeout = std::chrono::milliseconds(ss.timeoutMs);
    backEnd = redisSessions =
        std::make_shared<RedisSessionStore>(parseRedisUrl(ss.url), redisOptions, logging.make("sessions"));
  }
  std::vector<unsigned char> key;
  if (ss.signingKey.empty()) {
    key = TokenSigner::randomKey();
    randomSigningKey = true;
  } else {
    key = TokenSigner::parseKey(ss.signingKey);
  }

  sessions = std::make_unique<TokenSessions>(backEnd, TokenSigner(std::move(key)),
                                             std::chrono::seconds(ss.ttlSeconds),
                                             CookieOptions{ss.cookieName, ss.cookieSecure});
  limiter = std::make_unique<SessionRateLimiter>(*backEnd, logging.make("limits"));
}

// The bus and the hub hold threads once started, so they are made at start (not at load,
// which --check-config runs) and made afresh by a start that follows a failed one.
void Server::Impl::createMessaging() {
  BusOptions busOptions;
  busOptions.cluster = settings.bus.cluster;
  busOptions.publish = settings.bus.publish;
  busOptions.subscribe = settings.bus.subscribe;
  busOptions.highWaterMark = settings.bus.highWaterMark;
  bus = std::make_unique<ZmqBus>(busOptions, logging.make("bus"));
  pusher = std::make_unique<BusPusher>(*bus);

  HubOptions hubOptions;
  hubOptions.threads = settings.hub.threads;
  hubOptions.maxFrameBytes = static_cast<std::size_t>(settings.hub.maxFrameBytes);
  hubOptions.maxQueuedFrames = static_cast<std::size_t>(settings.hub.maxQueuedFrames);
  hubOptions.maxQueuedBytes = static_cast<std::size_t>(settings.hub.maxQueuedBytes);
  hubOptions.pingInterval = std::chrono::seconds(settings.hub.pingIntervalSeconds);
  hubOptions.idleTimeout = std::chrono::seconds(settings.hub.idleTimeoutSeconds);
  hubOptions.sendBufferBytes = settings.hub.sendBufferBytes;
  hubOptions.maxClientFramesPerSecond = settings.hub.maxClientFramesPerSecond;
  // Two threads for the plugins' frame handlers, apart from the HTTP workers: a flood of
  // frames waits (or is dropped) there without taking a worker from a request.
  clientFrames = std::make_unique<ClientFrames>(2, 4096, logging.make("frames"), gate);
  hubOptions.onText = [frames = clientFrames.get()](std::int64_t userId, std::string text) {
    frames->dispatch(userId, std::move(text));
  };
  presence = std::make_unique<Presence>(*bus, std::chrono::seconds(10), std::chrono::milliseconds(1500),
                                        logging.make("presence"));
  presence->onChange([frames = clientFrames.get()](std::int64_t userId, bool online) {
    frames->presenceChanged(userId, online);
  });
  hubOptions.onPresence = [presence = presence.get()](std::int64_t userId, bool online) {
    presence->local(userId, online);
  };
  hub = std::make_unique<Hub>(hubOptions, logging.make("hub"));
}

void Server::Impl::unwind() {
  while (!teardown.empty()) {
    auto undo = std::move(teardown.back());
    teardown.pop_back();
    try {
      undo();
    } catch (const std::exception& e) {
      log->error("while stopping: {}", describe(e));
    }
  }
}

// 200 when every dependency answers, else 503; the body says which one is down.
Response Server::Impl::readiness() {
  Poco::JSON::Object checks;
  bool ready = true;
  auto probe = [&](const char* name, const std::function<void()>& check) {
    try {
      check();
      checks.set(name, "ok");
    } catch (const std::exception& e) {
      ready = false;
      checks.set(name, "unavailable");
      log->warn("readiness: {} is unavailable: {}", name, describe(e));
    }
  };
  probe("store", [&] { store->check(); });
  probe("sessions", [&] {
    if (redisSessions) redisSessions->check();
  });
  probe("bus", [&] {
    if (!bus->healthy()) throw std::runtime_error("our own heartbeats are not coming back through the bus");
  });
  Poco::JSON::Object body;
  body.set("status", ready ? "ready" : "not ready");
  body.set("checks", checks);
  return jsonResponse(ready ? 200 : 503, body);
}

Response Server::Impl::dispatch(Request& request) {
  auto routes = currentRoutes();
  auto match = routes->match(request.method, request.path);
  // A plugin's route runs inside the gate, matched again there: a reload never stops a
  // plugin under a request, and a request that waited for one matches the routes it left.
  // The core's routes (health, metrics, the WebSocket, the admin's reload) never wait.
  std::optional<PluginGate::Pass> pass;
  if (match.kind == Router::Match::Kind::Found && !corePatterns.count(match.pattern)) {
    pass.emplace(gate);
    routes = currentRoutes();
    match = routes->match(request.method, request.path);
  }
  switch (match.kind) {
    case Router::Match::Kind::Found:
      request.route = std::move(match.pattern);
      request.params = std::move(match.params);
      return (*match.handler)(request);
    case Router::Match::Kind::MethodNotAllowed: {
      request.route = std::move(match.pattern);  // for the access log's redaction and metrics
      const std::string allow = join(match.allow, ", ");
      if (request.method == "OPTIONS") {
        Response response;
        response.status = 204;
        response.set("Allow", allow);
        return response;
      }
      throw HttpError(405, request.method + " is not allowed on " + request.path,
                      {{"Allow", allow}});
    }
    case Router::Match::Kind::NotFound:
      break;
  }
  pass.reset();
  const auto live = currentLive();
  if (live->web && (request.method == "GET" || request.method == "HEAD")) {
    if (auto file = live->web->serve(request)) {
      request.route = "static";
      return *file;
    }
  }
  throw HttpError(404, "no such resource: " + request.path);
}

// The middleware every answer passes through, early ones included (a malformed request,
// a full worker queue, a timeout): request id, trace, access log and metrics, CORS.
std::vector<Middleware> Server::Impl::outerMiddleware() {
  std::vector<Middleware> middlewares;

  // Request id: echoed when the client sent a sane one, generated otherwise.
  middlewares.push_back([](Request& request, const Next& next) {
    if (!validRequestId(request.id)) request.id = newRequestId();
    Response response = next(request);
    response.set("X-Request-Id", request.id);
    return response;
  });

  // W3C Trace Context: current while the rest runs, so the access log line carries it too.
  middlewares.push_back(tracing.middleware());

  // Access log and metrics, labelled by route pattern (bounded), never by raw path.
  middlewares.push_back([this](Request& request, const Next& next) {
    auto begin = std::chrono::steady_clock::now();
    Response response = next(request);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
    metrics.observe(methodLabel(request.method), request.route.empty() ? "unmatched" : request.route,
                    response.status, seconds);
    if (currentLive()->accessLog)  // the client's bytes, escaped: no control characters in the log
      accessLog->info("{} {} \"{} {}\" {} {} {:.1f}ms", request.id, request.clientAddress,
                      escapeForLog(request.method), escapeForLog(pathForLog(request.rawPath, request.route)),
                      response.status,
                      response.body.size(), seconds * 1000);
    return response;
  });

  // CORS: only origins in the allow-list get CORS headers; preflights are answered here.
  middlewares.push_back([this](Request& request, const Next& next) {
    auto origin = request.header("Origin");
    const auto live = currentLive();
    const auto& allowed = live->cors.allowedOrigins;
    // A listed origin may act with the visitor's credentials; "*" lets any site read
    // answers, but never with credentials (else every site could act as the signed-in user).
    const bool listed = origin && std::find(allowed.begin(), allowed.end(), std::string(*origin)) != allowed.end();
    const bool ok = listed || (origin && std::find(allowed.begin(), allowed.end(), "*") != allowed.end());
    auto decorate = [&](Response& response) {
      if (!ok) return;
      response.set("Access-Control-Allow-Origin", listed ? std::string(*origin) : "*");
      if (listed) response.set("Access-Control-Allow-Credentials", "true");
      response.set("Access-Control-Expose-Headers", "Authorization, X-Request-Id, traceresponse");
      response.set("Vary", "Origin");
    };
    auto requestedMethod = request.header("Access-Control-Request-Method");
    if (request.method == "OPTIONS" && origin && requestedMethod) {
      if (!ok) return problem(403, "origin " + std::string(*origin) + " is not allowed");
      auto match = currentRoutes()->match(std::string(*requestedMethod), request.path);
      request.route = match.pattern;  // for the access log's redaction and metrics
      std::vector<std::string> methods = match.allow;
      if (match.kind == Router::Match::Kind::Found) methods = {std::string(*requestedMethod)};
      if (methods.empty()) methods = {"GET", "HEAD"};  // static files
      Response response;
      response.status = 204;
      response.set("Access-Control-Allow-Methods", join(methods, ", "));
      auto headers = request.header("Access-Control-Request-Headers");
      response.set("Access-Control-Allow-Headers",
                   headers ? std::string(*headers) : "Authorization, Content-Type, X-Request-Id");
      response.set("Access-Control-Max-Age", std::to_string(live->cors.maxAgeSeconds));
      decorate(response);
      return response;
    }
    Response response = next(request);
    decorate(response);
    return response;
  });
  return middlewares;
}

Handler Server::Impl::buildPipeline() {
  std::vector<Middleware> middlewares = outerMiddleware();

  // Errors: an HttpError is the client's problem; anything else is ours, logged with the id.
  middlewares.push_back([this](Request& request, const Next& next) {
    try {
      return next(request);
    } catch (const HttpError& e) {
      Response response = problem(e.status(), e.detail());
      for (const auto& [name, value] : e.headers()) response.set(name, value);
      return response;
    } catch (const std::exception& e) {
      log->error("{} {} {}: unhandled exception: {}", request.id, request.method,
                 escapeForLog(pathForLog(request.rawPath, request.route)), e.what());
    } catch (...) {
      log->error("{} {} {}: unhandled non-standard exception", request.id, request.method,
                 escapeForLog(pathForLog(request.rawPath, request.route)));
    }
    return problem(500, "internal server error (request id " + request.id + ")");
  });

  // Sessions are looked up lazily (mmm::authenticated): public routes never wait on them.
  middlewares.push_back([this](Request& request, const Next& next) {
    request.resolveSession = [this](Request& r) { resolveSession(r); };
    return next(request);
  });

  return chain(middlewares, [this](Request& request) { return dispatch(request); });
}

EarlyAnswer Server::Impl::buildEarlyAnswer() {
  // The answer travels in a thread-local slot: the chain is built once, not per answer.
  static thread_local Response* pending = nullptr;
  Handler outer = chain(outerMiddleware(), [](Request&) { return std::move(*pending); });
  return [outer = std::move(outer)](Request& request, Response answer) {
    pending = &answer;
    return outer(request);
  };
}

void Server::Impl::addCoreRoutes() {
  addRoute("", "GET", "/healthz", [](Request&) { return Response::json(200, "{\"status\":\"ok\"}"); });
  addRoute("", "GET", "/readyz", [this](Request&) { return readiness(); });
  addRoute("", "GET", settings.hub.path, [this](Request& request) { return acceptWebSocket(request); });
  addAdminRoutes();
  // Public, like the API it describes; revalidated (it changes when a plugin starts or stops).
  addRoute("", "GET", "/v1/openapi.json", [this](Request& request) {
    auto document = docs.render();
    Response response;
    // If-None-Match may list several validators (or be "*"); ours is strong, so W/ matches too.
    if (auto held = request.header("If-None-Match");
        held && (*held == "*" || held->find(document->etag) != std::string_view::npos)) {
      response.status = 304;
    } else {
      response.body = document->json;
      response.set("Content-Type", "application/json");
    }
    response.set("ETag", document->etag);
    response.set("Cache-Control", "no-cache");
    return response;
  });
  addRoute("", "GET", "/metrics", [this](Request& request) {
    if (!currentLive()->metricsAllow.contains(request.clientIp))
      throw HttpError(403, "metrics are served to the addresses in metrics.allow only");
    Response response;
    response.body = metrics.render(http ? http->openConnections() : 0, http ? http->inFlight() : 0);
    if (http) response.body += http->metricsText();
    auto& out = response.body;
    appendMetric(out, "mmm_ws_connections", "gauge", "Open WebSocket connections.",
                 static_cast<std::uint64_t>(hub->connections()));
    appendMetric(out, "mmm_ws_slow_closed_total", "counter", "WebSockets closed for not draining their queue.",
                 hub->droppedSlow());
    appendMetric(out, "mmm_ws_chatty_closed_total", "counter",
                 "WebSockets closed for sending too many frames per second.", hub->droppedChatty());
    appendMetric(out, "mmm_ws_errors_total", "counter",
                 "Unexpected errors the hub survived (each drops its connection).", hub->errors());
    out += "# HELP mmm_ws_client_frames_total Frames clients sent (but pings), by what became of them.\n"
           "# TYPE mmm_ws_client_frames_total counter\n"
           "mmm_ws_client_frames_total{outcome=\"handled\"} " + std::to_string(clientFrames->handled()) + "\n"
           "mmm_ws_client_frames_total{outcome=\"dropped\"} " + std::to_string(clientFrames->dropped()) + "\n"
           "mmm_ws_client_frames_total{outcome=\"unclaimed\"} " + std::to_string(clientFrames->unclaimed()) + "\n"
           "mmm_ws_client_frames_total{outcome=\"failed\"} " + std::to_string(clientFrames->failed()) + "\n";
    out += "# HELP mmm_bus_dropped_total Bus messages dropped, by where.\n# TYPE mmm_bus_dropped_total counter\n"
           "mmm_bus_dropped_total{reason=\"outbox_full\"} " + std::to_string(bus->droppedOutbox()) + "\n"
           "mmm_bus_dropped_total{reason=\"send_refused\"} " + std::to_string(bus->droppedSend()) + "\n";
    appendMetric(out, "mmm_bus_errors_total", "counter", "Errors the bus loop and its subscribers survived.",
                 bus->errors());
    appendMetric(out, "mmm_store_full_errors_total", "counter", "Writes the database refused for want of room.",
                 store->storageFullErrors());
    appendMetric(out, "mmm_store_deadlocks_total", "counter",
                 "Transactions chosen as a deadlock's victim (each run again).", store->deadlocks());
    appendMetric(out, "mmm_store_lock_timeouts_total", "counter",
                 "Units of work given up (503) after waiting their time for a lock.", store->lockTimeouts());
    appendMetric(out, "mmm_store_transactions_total", "counter", "Transactions run on the store.",
                 store->transactions());
    appendMetric(out, "mmm_store_reads_total", "counter", "Units of work run on the store outside a transaction.",
                 store->reads());
    out += limiter->metricsText();
    tracing.appendMetrics(out);
    out += "# HELP mmm_config_reloads_total Live reloads (SIGHUP, POST /v1/admin/reload), by outcome.\n"
           "# TYPE mmm_config_reloads_total counter\n"
           "mmm_config_reloads_total{result=\"applied\"} " + std::to_string(reloadsApplied.load()) + "\n"
           "mmm_config_reloads_total{result=\"unchanged\"} " + std::to_string(reloadsUnchanged.load()) + "\n"
           "mmm_config_reloads_total{result=\"refused\"} " + std::to_string(reloadsRefused.load()) + "\n"
           "mmm_config_reloads_total{result=\"failed\"} " + std::to_string(reloadsFailed.load()) + "\n";
    response.set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    return response;
  });
  documentCoreRoutes(docs, settings.hub.path);
}

std::unique_ptr<Server> Server::fromYaml(const std::string& yaml, const std::string& origin) {
  return std::unique_ptr<Server>(new Server(std::make_unique<Impl>(parseYaml(yaml, origin), origin)));
}

std::unique_ptr<Server> Server::fromYaml(const std::string& yaml, const std::string& origin,
                                         const std::string& baseDirectory) {
  return std::unique_ptr<Server>(new Server(std::make_unique<Impl>(parseYaml(yaml, origin), origin, baseDirectory)));
}

std::unique_ptr<Server> Server::fromFile(const std::string& path) {
  // Relative paths in the file are the file's (std::filesystem::absolute: the folder stays
  // right even if the working directory changes later).
  const auto base = std::filesystem::absolute(path).parent_path().string();
  auto impl = std::make_unique<Impl>(loadYamlFile(path), path, base);
  impl->configFile = path;
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { stop(); }

void Server::setListen(const std::string& hostPort) {
  parseListen(hostPort, "--listen", impl_->settings.http.host, impl_->settings.http.port);
}

void Server::add(const mmm_plugin_descriptor* descriptor) { impl_->plugins.addStatic(descriptor); }

void Server::onSpan(std::function<void(const Span&)> sink) {
  // The middleware reads the sink without a lock: swapping it under running workers would race.
  if (impl_->running) throw std::logic_error("Server::onSpan is for a server not yet started");
  impl_->tracing.onSpan(std::move(sink));
}

void Server::load() {
  if (impl_->loaded) return;
  impl_->plugins.load(impl_->settings.plugins, impl_->origin);
  impl_->createBackEnds();
  impl_->live = impl_->makeLive(impl_->settings);
  impl_->loaded = true;
}

// The settings a reload may change, checked (a web root that is missing, or that holds
// the SQLite store, is refused with the reason).
std::shared_ptr<const LiveSettings> Server::Impl::makeLive(const Settings& next) const {
  auto made = std::make_shared<LiveSettings>();
  made->cors = next.cors;
  made->accessLog = next.log.access;
  try {
    made->metricsAllow = AddressRanges(next.metrics.allow);
  } catch (const std::exception& e) {
    throw ConfigError(origin + ": metrics.allow: " + e.what());
  }
  if (next.web.enabled) {
    std::shared_ptr<StaticFiles> web;
    try {
      web = std::make_shared<StaticFiles>(next.web.root, next.web.maxAgeSeconds, next.web.contentSecurityPolicy);
    } catch (const std::exception& e) {
      throw ConfigError(origin + ": web.root: " + e.what() + " (a relative path is relative to the config file's folder)");
    }
    const auto storeUrl = parseStoreUrl(next.store.url);
    if (storeUrl.dialect == Dialect::SQLite) {
      // The folder, not just the file: the -wal and -shm files sit beside it.
      auto folder = std::filesystem::path(storeUrl.path).parent_path();
      if (folder.empty()) folder = ".";
      if (web->contains(folder.string()))
        throw ConfigError(origin + ": web.root '" + next.web.root + "' contains the SQLite store's folder '" +
                          folder.string() + "', so the database would be served: put one outside the other");
    }
    made->web = std::move(web);
  }
  return made;
}

void Server::Impl::addRoute(const std::string& owner, const std::string& method, const std::string& pattern,
                            Handler handler) {
  std::lock_guard lock(routesMutex);
  // The core's paths are its own whatever the method: dispatch tells a core route (which
  // never waits at the plugins' gate) by its pattern.
  if (!owner.empty() && corePatterns.count(pattern))
    throw std::invalid_argument("the path " + pattern + " is the core's");
  checker.add(method, pattern, handler);  // throws on a malformed pattern or a duplicate
  routeRecords.push_back({owner, method, pattern, std::move(handler)});
  docs.addRoute(owner, method, pattern);
  if (owner.empty()) corePatterns.insert(pattern);
}

void Server::Impl::forgetRoutes(const std::string& owner) {
  std::lock_guard lock(routesMutex);
  routeRecords.erase(std::remove_if(routeRecords.begin(), routeRecords.end(),
                                    [&](const RouteRecord& r) { return r.owner == owner; }),
                     routeRecords.end());
  checker.clear();
  for (const auto& r : routeRecords) checker.add(r.method, r.pattern, r.handler);
  docs.removeOwner(owner);  // its paths and schemas leave /v1/openapi.json
}

void Server::Impl::clearRoutes() {
  {
    std::lock_guard lock(routesMutex);
    routeRecords.clear();
    checker.clear();
  }
  docs.clear();
  std::atomic_store(&routes, std::shared_ptr<const Router>(std::make_shared<Router>()));
}

// Requests match against a router built from the records now; those matching the one
// before keep it until they are done.
void Server::Impl::publishRoutes() {
  auto next = std::make_shared<Router>();
  {
    std::lock_guard lock(routesMutex);
    for (const auto& r : routeRecords) next->add(r.method, r.pattern, r.handler);
  }
  std::atomic_store(&routes, std::shared_ptr<const Router>(std::move(next)));
}

void Server::start() {
  if (impl_->started) throw std::logic_error("an mmm::Server can be started only once");
  load();
  try {
    impl_->startParts();
  } catch (...) {
    impl_->unwind();
    throw;
  }
  impl_->started = impl_->running = true;
  impl_->log->info("listening on {}:{} (plugins: {})", impl_->settings.http.host, port(),
                   join(impl_->plugins.order(), ", "));
}

std::vector<std::string> Server::coreFlags() {
  return {"config", "listen", "check-config", "bus-proxy", "help"};
}

int Server::runCommand(const std::string& flag, const std::string& value, std::ostream& out, std::ostream& err) {
  if (impl_->started) throw std::logic_error("runCommand is not for a started server");
  load();
  impl_->started = true;
  // Only the back ends plugins reach at start: the store (locked, as a serving node locks
  // it) and the session store. The bus and the hub are made but never started, so nothing
  // is published and no socket is opened; no HTTP server is made at all.
  struct Unwind {
    Impl& impl;
    ~Unwind() { impl.unwind(); }
  } unwindAtEnd{*impl_};
  impl_->teardown.push_back([this] { impl_->clearRoutes(); });
  impl_->holdStore();
  waitUntilReachable("the store at " + impl_->store->url().redacted, impl_->settings.store.connectWaitSeconds,
                     *impl_->log, [&] { impl_->store->check(); });
  if (impl_->redisSessions)
    waitUntilReachable("the session store at " + parseRedisUrl(impl_->settings.sessions.url).redacted,
                       impl_->settings.sessions.connectWaitSeconds, *impl_->log,
                       [&] { impl_->redisSessions->check(); });
  impl_->createMessaging();
  impl_->plugins.reserveFlags(coreFlags());
  impl_->plugins.start(
      BackEnds{*impl_->store, *impl_->sessions, *impl_->bus, *impl_->pusher, *impl_->limiter, *impl_->clientFrames,
               *impl_->presence, impl_->settings.http.publicUrl});
  impl_->teardown.push_back([this] { impl_->plugins.stop(); });
  const auto* command = impl_->plugins.command(flag);
  if (!command) {
    err << "mmm-server: unknown argument '--" << flag << "' (no enabled plugin declares it)\n";
    return 64;
  }
  impl_->log->info("running --{} of plugin {}", flag, command->plugin);
  return command->action(value, out, err);
}

// The store's lock file (SQLite), and among the last steps of a stop, before that lock
// goes: closing the store's connections, so that a stopped server holds neither its SQLite
// file nor MariaDB connections.
void Server::Impl::holdStore() {
  if (store->dialect() == Dialect::SQLite) {
    storeLock = std::make_unique<StoreLock>(store->url().path);
    teardown.push_back([this] { storeLock.reset(); });
  }
  teardown.push_back([this] { store->close(); });
}

void Server::Impl::startParts() {
  addCoreRoutes();
  teardown.push_back([this] { clearRoutes(); });  // the plugins' routes go with them
  holdStore();
  waitUntilReachable("the store at " + store->url().redacted, settings.store.connectWaitSeconds, *log,
                     [&] { store->check(); });
  if (redisSessions)
    waitUntilReachable("the session store at " + parseRedisUrl(settings.sessions.url).redacted,
                       settings.sessions.connectWaitSeconds, *log, [&] { redisSessions->check(); });
  if (randomSigningKey)
    log->warn("sessions.signing_key is not set: using a random key, so sessions end with the process");
  createMessaging();
  // The bus and the hub outlive their stop (a late push finds them stopped, not gone);
  // createMessaging replaces them at the next start. The client frames' threads stop here
  // too if the start fails (and, once all is up, between the hub and the plugins: below).
  teardown.push_back([this] { clientFrames->stop(); });
  teardown.push_back([this] { bus->stop(); });
  if (!bus->start(std::chrono::milliseconds(settings.bus.startTimeoutMs)))
    log->warn("the bus is not up yet ({} → {}); it keeps trying, /readyz reports it", settings.bus.publish,
              settings.bus.subscribe);
  hubFeed = bus->subscribe(BusPusher::kTopic, [hub = hub.get()](const std::string&, const std::string& payload) {
    if (const auto push = BusPusher::decode(payload))
      hub->deliver(push->userIds, push->toAll, push->text, push->except);
  });
  // A sign-out on any node closes that session's WebSockets on every node.
  sessions->onDestroyed([bus = bus.get()](const std::string& key) { bus->publish(kSessionEnded, key); });
  sessionFeed = bus->subscribe(kSessionEnded, [hub = hub.get()](const std::string&, const std::string& key) {
    hub->endSession(key);
  });
  // A session that expired (or vanished without a sign-out message) closes its sockets too:
  // validity is not only checked at the upgrade. A store that cannot answer closes nothing.
  sessionWatch = std::make_unique<Ticker>(
      "session watch", std::chrono::seconds(settings.hub.sessionCheckSeconds),
      [hub = hub.get(), sessions = sessions.get()] {
        for (const auto& key : hub->sessionKeys())
          if (!sessions->store().get(key)) hub->endSession(key);
      },
      log);
  // Each open socket's quota slot is renewed well within its lease; a closed one's is freed
  // within a second (the hub's threads never wait on the session store themselves).
  if (settings.hub.maxSocketsPerUser > 0) {
    socketQuota = std::make_unique<SocketQuota>(sessions->store(), settings.hub.maxSocketsPerUser, std::chrono::seconds(60));
    quotaKeeper = std::make_unique<Ticker>(
        "socket quota", std::chrono::seconds(1),
        [hub = hub.get(), quota = socketQuota.get(), nextRenewal = std::chrono::steady_clock::now()]() mutable {
          auto released = hub->takeReleasedSlots();
          if (const auto now = std::chrono::steady_clock::now(); now >= nextRenewal) {
            quota->renew(hub->slots());
            nextRenewal = now + quota->lease() / 3;
          }
          quota->release(released);
        },
        log);
  }
  teardown.push_back([this] {
    quotaKeeper.reset();
    sessionWatch.reset();
    hubFeed.reset();
    sessionFeed.reset();
    sessions->onDestroyed(nullptr);
  });
  plugins.reserveFlags(Server::coreFlags());
  // Stops those it started if one fails.
  plugins.start(BackEnds{*store, *sessions, *bus, *pusher, *limiter, *clientFrames, *presence, settings.http.publicUrl});
  teardown.push_back([this] { plugins.stop(); });
  publishRoutes();
  for (const auto& route : docs.undocumented()) log->warn("route {} is not documented in /v1/openapi.json", route);
  docs.render();  // warns of a $ref to a schema nobody declared
  // After the hub stops (no more frames) and before the plugins do (their handlers).
  teardown.push_back([this] { clientFrames->stop(); });
  presence->start();
  teardown.push_back([this] { presence->stop(); });
  // Started after the plugins so that it stops before them: sockets close with 1001 first.
  hub->start();
  teardown.push_back([this] {
    hub->stop();  // closes every WebSocket with 1001
    if (socketQuota) {
      try {
        socketQuota->release(hub->takeReleasedSlots());
      } catch (const std::exception& e) {
        log->warn("the WebSockets' quota slots were not freed (they expire within a minute): {}", e.what());
      }
    }
  });
  http = std::make_unique<HttpServer>(
      settings.http, buildPipeline(), buildEarlyAnswer(), logging.make("front"),
      [hub = hub.get()](int fd, std::int64_t userId, std::string key, std::string response, std::string pending,
                        std::string slot) {
        hub->adopt(fd, userId, std::move(key), std::move(response), std::move(pending), std::move(slot));
      });
  teardown.push_back([this] { http.reset(); });  // if it fails to start
  http->start();
  // Stops accepting and finishes requests in flight; kept, so port() answers after stop().
  teardown.back() = [this] { http->stop(); };
}

void Server::stop() {
  if (!impl_ || !impl_->running) return;
  {
    std::lock_guard reloading(impl_->reloadMutex);  // waits for a reload under way to finish
    impl_->stopping = true;
  }
  impl_->log->info("stopping: finishing requests in flight");
  impl_->unwind();
  impl_->running = false;
  impl_->log->info("stopped");
  impl_->logging.flush();
}

void Server::hangUp(const std::string& configPath) {
  if (configPath.empty()) {
    impl_->log->warn("SIGHUP: running on the embedded default configuration, there is no file to reload");
    return;
  }
  if (!impl_->running) {
    impl_->log->warn("SIGHUP: the server is not running, there is nothing to reload");
    return;
  }
  try {
    impl_->reload(configPath);
  } catch (const std::exception& e) {
    impl_->log->error("SIGHUP: the reload failed: {}", e.what());
  }
  impl_->logging.flush();
}

namespace {

std::string dump(const YAML::Node& node) {
  if (!node.IsDefined()) return {};
  YAML::Emitter out;
  out << node;
  return out.c_str();
}

// The settings that differ between two configurations among those a running server cannot
// change: "server.listen", "store.url", …
std::vector<std::string> restartOnlyChanges(const YAML::Node& before, const YAML::Node& after) {
  std::vector<std::string> changed;
  for (const char* section : {"server", "store", "sessions", "bus", "hub", "log"}) {
    const YAML::Node a = before[section], b = after[section];
    std::set<std::string> keys;
    for (const auto* node : {&a, &b})
      if (node->IsDefined() && node->IsMap())  // a missing section is an invalid node: Type() throws
        for (const auto& item : *node) keys.insert(item.first.as<std::string>());
    if (keys.empty()) {
      if (dump(a) != dump(b)) changed.push_back(section);
      continue;
    }
    for (const auto& key : keys) {
      if (std::string(section) == "log" && key != "format") continue;  // level and access reload
      if (dump(a[key]) != dump(b[key])) changed.push_back(std::string(section) + "." + key);
    }
  }
  return changed;
}

std::string joinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
  return out.empty() ? "none" : out;
}

}  // namespace

// Re-reads `path` and applies it: nothing changes unless all of it loads (settings,
// plugins' libraries and configs, dependencies); then the core's reloadable settings
// change and the plugins that changed stop and start (PluginHost::apply) with the gate
// closed, so no request or client frame is in their code meanwhile.
Server::Impl::ReloadOutcome Server::Impl::reload(const std::string& path) {
  std::lock_guard reloading(reloadMutex);
  ReloadOutcome out;
  if (stopping) {
    out.result = "refused";
    out.error = "the server is stopping";
    return out;
  }
  YAML::Node nextRaw;
  std::shared_ptr<const LiveSettings> nextLive;
  std::shared_ptr<PluginHost::Plan> plan;
  std::string level;
  try {
    nextRaw = loadYamlFile(path);
    const Settings next = readSettings(nextRaw, path, std::filesystem::absolute(path).parent_path().string());
    nextLive = makeLive(next);
    level = next.log.level;
    plan = plugins.prepare(next.plugins, path);
  } catch (const std::exception& e) {
    out.result = "refused";
    out.error = describe(e);
    reloadsRefused++;
    log->error("reload: {} does not load, so nothing changed: {}", path, out.error);
    return out;
  }
  out.change = plugins.change(*plan);
  out.warnings = restartOnlyChanges(raw, nextRaw);
  for (const auto& name : out.warnings)
    log->warn("reload: {} changed, which takes a restart: the running value stays until then", name);
  bool coreChanged = false;
  for (const char* section : {"cors", "log", "web", "metrics"})
    coreChanged = coreChanged || dump(appliedRaw[section]) != dump(nextRaw[section]);
  if (out.change.empty() && !coreChanged) {
    out.result = "unchanged";
    reloadsUnchanged++;
    log->info("reload: {} loads and changes nothing that can change while running", path);
    return out;
  }
  if (!out.change.empty()) {
    for (const auto& [name, why] : out.change.why) log->info("reload: plugin {}: {}", name, why);
    const auto patience = std::chrono::seconds(settings.http.shutdownTimeoutSeconds);
    if (!gate.close(std::chrono::seconds(1), std::chrono::steady_clock::now() + patience, [&](std::size_t inside) {
          log->info("reload: waiting for {} request(s) or frame(s) in plugin code to finish", inside);
        })) {
      out.result = "busy";
      out.error = "requests in plugin code did not finish within server.shutdown_timeout_s (" +
                  std::to_string(patience.count()) + " s)";
      reloadsFailed++;
      log->error("reload: {}, so nothing changed", out.error);
      return out;
    }
    struct Reopen {
      PluginGate& gate;
      ~Reopen() { gate.open(); }
    } reopen{gate};
    try {
      plugins.apply(std::move(plan));
    } catch (const std::exception& e) {
      publishRoutes();  // the routes of what runs again
      out.result = "failed";
      out.error = describe(e);
      reloadsFailed++;
      log->error("reload: {}; the core's settings did not change", out.error);
      return out;
    }
    publishRoutes();
  }
  std::atomic_store(&live, nextLive);
  logging.setLevel(level);
  appliedRaw = YAML::Clone(nextRaw);  // a copy: `raw`, the config as started, must not follow
  out.result = "applied";
  reloadsApplied++;
  log->info("reload: applied {} (started: {}; stopped: {}; restarted: {}; plugins now: {})", path,
            joinNames(out.change.started), joinNames(out.change.stopped), joinNames(out.change.restarted),
            joinNames(plugins.order()));
  return out;
}

// Admins only: the plugins and their state, and a reload of the config file.
void Server::Impl::addAdminRoutes() {
  // The role is the users plugin's: asked inside the gate, so that a reload never stops
  // that plugin under the question.
  auto requireAdmin = [this](Request& request) {
    const auto& session = authenticated(request);
    PluginGate::Pass pass(gate);
    auto roles = plugins.services().find<UserRoles>();
    if (!roles || !roles->isAdmin(session.userId)) throw HttpError(403, "admins only");
  };
  addRoute("", "GET", "/v1/admin/plugins", [this, requireAdmin](Request& request) {
    requireAdmin(request);
    Poco::JSON::Array list;
    std::vector<PluginState> states;
    {
      std::lock_guard reloading(reloadMutex);  // a reload changes the list
      states = plugins.states();
    }
    for (const auto& p : states) {
      Poco::JSON::Object item;
      item.set("name", p.name);
      item.set("version", p.version.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(p.version));
      item.set("library", p.library.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(p.library));
      item.set("state", p.state);
      list.add(item);
    }
    return jsonResponse(200, list);
  });
  addRoute("", "POST", "/v1/admin/reload", [this, requireAdmin](Request& request) {
    requireAdmin(request);
    if (configFile.empty())
      throw HttpError(409, "this server runs on a configuration that is not a file: there is nothing to reload");
    const auto outcome = reload(configFile);
    if (outcome.result == "refused") throw HttpError(422, "the configuration does not load, so nothing changed: " + outcome.error);
    if (outcome.result == "failed") throw HttpError(500, "the reload failed: " + outcome.error);
    if (outcome.result == "busy")
      throw HttpError(503, outcome.error + ": nothing changed; try again", {{"Retry-After", "5"}});
    Poco::JSON::Object body;
    body.set("result", outcome.result);
    auto names = [](const std::vector<std::string>& items) {
      Poco::JSON::Array array;
      for (const auto& item : items) array.add(item);
      return array;
    };
    body.set("started", names(outcome.change.started));
    body.set("stopped", names(outcome.change.stopped));
    body.set("restarted", names(outcome.change.restarted));
    body.set("needRestart", names(outcome.warnings));
    return jsonResponse(200, body);
  });
}

std::uint16_t Server::port() const { return impl_->http ? impl_->http->port() : 0; }

std::vector<std::string> Server::pluginOrder() const {
  std::lock_guard reloading(impl_->reloadMutex);  // a reload changes the order
  return impl_->plugins.order();
}

}  // namespace mmm
