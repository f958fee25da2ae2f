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
#include "tokens.hpp"
#include "ws_frame.hpp"
#include "zmq_bus.hpp"

#include <mmm/auth.hpp>
#include <mmm/error.hpp>
#include <mmm/json.hpp>

#include <spdlog/logger.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <ostream>
#include <random>
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

struct Server::Impl {
  Impl(YAML::Node raw, std::string origin, const std::string& base = {})
      : origin(std::move(origin)),
        settings(readSettings(raw, this->origin, base)),
        logging(settings.log.level, settings.log.format),
        log(logging.make("server")),
        accessLog(logging.make("http")),
        docs(ApiDocs::Info{"Music Maker Meetup", serverVersion(), settings.http.publicUrl,
                           settings.sessions.cookieName},
             logging.make("openapi")),
        plugins(
            logging,
            [this](const std::string& plugin, const std::string& method, const std::string& pattern,
                   Handler handler) {
              try {
                router.add(method, pattern, std::move(handler));
                docs.addRoute(plugin, method, pattern);
              } catch (const std::invalid_argument& e) {
                throw PluginError("plugin '" + plugin + "': " + e.what());
              }
            },
            DocSink{[this](const std::string& plugin, const std::string& method, const std::string& pattern,
                           const RouteDoc& doc) { docs.describe(plugin, method, pattern, doc); },
                    [this](const std::string& plugin, const std::string& name, const std::string& json) {
                      docs.schema(plugin, name, json);
                    },
                    [this](const std::string& plugin, const std::string& method, const std::string& pattern) {
                      docs.rateLimited(plugin, method, pattern);
                    }}) {}

  std::string origin;
  Settings settings;
  Logging logging;
  std::shared_ptr<spdlog::logger> log;
  std::shared_ptr<spdlog::logger> accessLog;
  Router router;
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
  std::unique_ptr<StaticFiles> web;
  std::unique_ptr<HttpServer> http;
  bool loaded = false;
  bool randomSigningKey = false;
  bool running = false;
  bool started = false;  // once: a server is not started again after stop()
  // What start() has brought up, as undo actions in start order: stop() and a start that
  // fails unwind the same list in reverse.
  std::vector<std::function<void()>> teardown;

  std::vector<Middleware> outerMiddleware();
  Handler buildPipeline();
  EarlyAnswer buildEarlyAnswer();
  Response dispatch(Request& request);
  void addCoreRoutes();
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
  const auto& allowed = settings.cors.allowedOrigins;
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
  try {
    Poco::JSON::Parser parser;
    auto object = parser.parse(info.state).extract<Poco::JSON::Object::Ptr>();
    if (object && object->has("id")) info.userId = object->getValue<Poco::Int64>("id");
  } catch (const std::exception&) {
    // A state that is not a JSON object with an id: a session without a user id.
  }
  request.session = std::move(info);
}

void Server::Impl::createBackEnds() {
  const auto& st = settings.store;
  StoreOptions storeOptions;
  storeOptions.poolSize = static_cast<std::size_t>(st.poolSize);
  storeOptions.acquireTimeout = std::chrono::milliseconds(st.acquireTimeoutMs);
  storeOptions.maxIdle = std::chrono::seconds(st.idleTimeoutSeconds);
  storeOptions.connectTimeoutSeconds = st.connectTimeoutSeconds;
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
  clientFrames = std::make_unique<ClientFrames>(2, 4096, logging.make("frames"));
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
  auto match = router.match(request.method, request.path);
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
  if (web && (request.method == "GET" || request.method == "HEAD")) {
    if (auto file = web->serve(request)) {
      request.route = "static";
      return *file;
    }
  }
  throw HttpError(404, "no such resource: " + request.path);
}

// The middleware every answer passes through, early ones included (a malformed request,
// a full worker queue, a timeout): request id, access log and metrics, CORS.
std::vector<Middleware> Server::Impl::outerMiddleware() {
  std::vector<Middleware> middlewares;

  // Request id: echoed when the client sent a sane one, generated otherwise.
  middlewares.push_back([](Request& request, const Next& next) {
    if (!validRequestId(request.id)) request.id = newRequestId();
    Response response = next(request);
    response.set("X-Request-Id", request.id);
    return response;
  });

  // Access log and metrics, labelled by route pattern (bounded), never by raw path.
  middlewares.push_back([this](Request& request, const Next& next) {
    auto begin = std::chrono::steady_clock::now();
    Response response = next(request);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
    metrics.observe(methodLabel(request.method), request.route.empty() ? "unmatched" : request.route,
                    response.status, seconds);
    if (settings.log.access)  // the client's bytes, escaped: no control characters in the log
      accessLog->info("{} {} \"{} {}\" {} {} {:.1f}ms", request.id, request.clientAddress,
                      escapeForLog(request.method), escapeForLog(pathForLog(request.rawPath, request.route)),
                      response.status,
                      response.body.size(), seconds * 1000);
    return response;
  });

  // CORS: only origins in the allow-list get CORS headers; preflights are answered here.
  middlewares.push_back([this](Request& request, const Next& next) {
    auto origin = request.header("Origin");
    const auto& allowed = settings.cors.allowedOrigins;
    // A listed origin may act with the visitor's credentials; "*" lets any site read
    // answers, but never with credentials (else every site could act as the signed-in user).
    const bool listed = origin && std::find(allowed.begin(), allowed.end(), std::string(*origin)) != allowed.end();
    const bool ok = listed || (origin && std::find(allowed.begin(), allowed.end(), "*") != allowed.end());
    auto decorate = [&](Response& response) {
      if (!ok) return;
      response.set("Access-Control-Allow-Origin", listed ? std::string(*origin) : "*");
      if (listed) response.set("Access-Control-Allow-Credentials", "true");
      response.set("Access-Control-Expose-Headers", "Authorization, X-Request-Id");
      response.set("Vary", "Origin");
    };
    auto requestedMethod = request.header("Access-Control-Request-Method");
    if (request.method == "OPTIONS" && origin && requestedMethod) {
      if (!ok) return problem(403, "origin " + std::string(*origin) + " is not allowed");
      auto match = router.match(std::string(*requestedMethod), request.path);
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
      response.set("Access-Control-Max-Age", std::to_string(settings.cors.maxAgeSeconds));
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
  auto add = [this](const std::string& method, const std::string& pattern, Handler handler) {
    router.add(method, pattern, std::move(handler));
    docs.addRoute("", method, pattern);
  };
  add("GET", "/healthz", [](Request&) { return Response::json(200, "{\"status\":\"ok\"}"); });
  add("GET", "/readyz", [this](Request&) { return readiness(); });
  add("GET", settings.hub.path, [this](Request& request) { return acceptWebSocket(request); });
  // Public, like the API it describes; revalidated (it changes when a plugin starts or stops).
  add("GET", "/v1/openapi.json", [this](Request& request) {
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
  add("GET", "/metrics", [this, allowed = AddressRanges(settings.metrics.allow)](Request& request) {
    if (!allowed.contains(request.clientIp))
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
  return std::unique_ptr<Server>(new Server(std::make_unique<Impl>(loadYamlFile(path), path, base)));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { stop(); }

void Server::setListen(const std::string& hostPort) {
  parseListen(hostPort, "--listen", impl_->settings.http.host, impl_->settings.http.port);
}

void Server::add(const mmm_plugin_descriptor* descriptor) { impl_->plugins.addStatic(descriptor); }

void Server::load() {
  if (impl_->loaded) return;
  impl_->plugins.load(impl_->settings.plugins, impl_->origin);
  impl_->createBackEnds();
  if (impl_->settings.web.enabled) {
    try {
      impl_->web = std::make_unique<StaticFiles>(impl_->settings.web.root, impl_->settings.web.maxAgeSeconds,
                                                 impl_->settings.web.contentSecurityPolicy);
    } catch (const std::exception& e) {
      throw ConfigError(impl_->origin + ": web.root: " + e.what() +
                        " (a relative path is relative to the config file's folder)");
    }
    const auto storeUrl = parseStoreUrl(impl_->settings.store.url);
    if (storeUrl.dialect == Dialect::SQLite) {
      // The folder, not just the file: the -wal and -shm files sit beside it.
      auto folder = std::filesystem::path(storeUrl.path).parent_path();
      if (folder.empty()) folder = ".";
      if (impl_->web->contains(folder.string()))
        throw ConfigError(impl_->origin + ": web.root '" + impl_->settings.web.root +
                          "' contains the SQLite store's folder '" + folder.string() +
                          "', so the database would be served: put one outside the other");
    }
  }
  impl_->loaded = true;
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
  impl_->teardown.push_back([this] {
    impl_->router.clear();
    impl_->docs.clear();
  });
  if (impl_->store->dialect() == Dialect::SQLite) {
    impl_->storeLock = std::make_unique<StoreLock>(impl_->store->url().path);
    impl_->teardown.push_back([this] { impl_->storeLock.reset(); });
  }
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

void Server::Impl::startParts() {
  addCoreRoutes();
  teardown.push_back([this] {  // the plugins' routes go with them
    router.clear();
    docs.clear();
  });
  if (store->dialect() == Dialect::SQLite) {
    storeLock = std::make_unique<StoreLock>(store->url().path);
    teardown.push_back([this] { storeLock.reset(); });
  }
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
    bool toAll = false;
    std::vector<std::int64_t> users;
    std::string text;
    if (BusPusher::decode(payload, toAll, users, text)) hub->deliver(users, toAll, text);
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
  impl_->log->info("stopping: finishing requests in flight");
  impl_->unwind();
  impl_->running = false;
  impl_->log->info("stopped");
  impl_->logging.flush();
}

void Server::hangUp(const std::string& configPath) {
  auto& log = *impl_->log;
  if (configPath.empty()) {
    log.warn("SIGHUP: running on the embedded default configuration, there is no file to reload");
    return;
  }
  try {
    auto candidate = fromFile(configPath);
    candidate->load();
    log.warn("SIGHUP: {} loads, but live reload is not built yet: the running configuration stays until a restart",
             configPath);
  } catch (const std::exception& e) {
    log.error("SIGHUP: {} does not load, and nothing changed: {}", configPath, e.what());
  }
  impl_->logging.flush();
}

std::uint16_t Server::port() const { return impl_->http ? impl_->http->port() : 0; }

std::vector<std::string> Server::pluginOrder() const { return impl_->plugins.order(); }

}  // namespace mmm
