#include "settings.hpp"

#include "client_ip.hpp"
#include "config.hpp"
#include "cpu_limit.hpp"
#include "session_store_impl.hpp"
#include "store_impl.hpp"
#include "tokens.hpp"

#include <mmm/error.hpp>

#include <Poco/Exception.h>
#include <Poco/URI.h>

#include <sched.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <thread>

namespace mmm::core {

const ConfigSchema& settingsSchema() {
  using S = ConfigSchema;
  static const ConfigSchema schema = S::map({
      {"server", S::map({
                     {"listen", S::string().withDefault("127.0.0.1:8080")},
                     {"io_threads", S::integer().range(1, 64).withDefault("2")},
                     {"threads", S::integer().range(0, 1024).withDefault("0")},  // 0: workersFor()
                     {"active_workers", S::integer().range(0, 1024).withDefault("0")},  // 0: the CPUs + 1
                     {"queue", S::integer().range(1, 1000000).withDefault("1024")},
                     {"backlog", S::integer().range(1, 65535).withDefault("1024")},
                     {"max_connections", S::integer().range(1, 10000000).withDefault("16384")},
                     {"keep_alive", S::boolean().withDefault("true")},
                     {"keep_alive_timeout_s", S::integer().range(1, 3600).withDefault("5")},
                     {"max_keep_alive_requests", S::integer().range(0, 1000000).withDefault("1000")},
                     {"header_timeout_s", S::integer().range(1, 3600).withDefault("10")},
                     {"request_timeout_s", S::integer().range(1, 3600).withDefault("15")},
                     {"body_min_rate_bytes_s", S::integer().range(1, 1 << 30).withDefault("1024")},
                     {"send_timeout_s", S::integer().range(1, 3600).withDefault("30")},
                     {"max_header_bytes", S::integer().range(1024, 1 << 20).withDefault("16384")},
                     {"max_body_bytes", S::integer().range(0, 1LL << 30).withDefault("1048576")},
                     {"shutdown_timeout_s", S::integer().range(0, 3600).withDefault("30")},
                     {"trusted_proxies", S::list(S::string()).withDefault("[]")},
                     // Where users reach the site (behind a proxy: the proxy's address).
                     {"public_url", S::string().withDefault("''")},
                 }).withDefault("{}")},
      {"cors", S::map({
                   {"allowed_origins", S::list(S::string()).withDefault("[]")},
                   {"max_age_s", S::integer().range(0, 86400).withDefault("600")},
               }).withDefault("{}")},
      {"log", S::map({
                  {"level", S::string()
                                .oneOf({"trace", "debug", "info", "warn", "error", "critical", "off"})
                                .withDefault("info")},
                  {"format", S::string().oneOf({"text", "json"}).withDefault("text")},
                  {"access", S::boolean().withDefault("true")},
              }).withDefault("{}")},
      {"web", S::map({
                  {"enabled", S::boolean().withDefault("true")},
                  {"root", S::string().withDefault("web")},
                  {"max_age_s", S::integer().range(0, 31536000).withDefault("300")},
                  // No inline script or style, nothing from elsewhere but avatars, no framing.
                  {"content_security_policy", S::string().withDefault("\"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https://www.gravatar.com; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'\"")},
              }).withDefault("{}")},
      {"metrics", S::map({
                      // Client addresses (after trusted proxies) that may read /metrics.
                      {"allow", S::list(S::string()).withDefault("['127.0.0.0/8', '::1']")},
                  }).withDefault("{}")},
      {"store", S::map({
                    {"url", S::string().withDefault("'sqlite:data/mmm.db'")},
                    {"pool_size", S::integer().range(1, 1024).withDefault("8")},
                    {"acquire_timeout_ms", S::integer().range(1, 60000).withDefault("1000")},
                    {"idle_timeout_s", S::integer().range(1, 86400).withDefault("60")},
                    {"connect_timeout_s", S::integer().range(1, 60).withDefault("2")},
                    {"connect_wait_s", S::integer().range(0, 3600).withDefault("0")},
                    {"sqlite_exclusive", S::boolean().withDefault("true")},
                }).withDefault("{}")},
      {"sessions", S::map({
                       {"url", S::string().withDefault("memory")},
                       {"signing_key", S::string().withDefault("''")},
                       {"ttl_s", S::integer().range(60, 365LL * 24 * 3600).withDefault("604800")},
                       {"pool_size", S::integer().range(1, 1024).withDefault("8")},
                       {"timeout_ms", S::integer().range(1, 60000).withDefault("1000")},
                       {"connect_wait_s", S::integer().range(0, 3600).withDefault("0")},
                       {"cookie_name", S::string().withDefault("mmm_session")},
                       {"cookie_secure", S::boolean().withDefault("false")},
                   }).withDefault("{}")},
      {"bus", S::map({
                  {"mode", S::string().oneOf({"inproc", "cluster"}).withDefault("inproc")},
                  {"publish", S::string().withDefault("'tcp://127.0.0.1:5555'")},
                  {"subscribe", S::string().withDefault("'tcp://127.0.0.1:5556'")},
                  {"high_water_mark", S::integer().range(100, 10000000).withDefault("10000")},
                  {"start_timeout_ms", S::integer().range(0, 600000).withDefault("5000")},
              }).withDefault("{}")},
      {"hub", S::map({
                  {"path", S::string().withDefault("/v1/ws")},
                  {"threads", S::integer().range(1, 64).withDefault("2")},
                  {"max_frame_bytes", S::integer().range(125, 16 << 20).withDefault("65536")},
                  {"max_queued_frames", S::integer().range(1, 1000000).withDefault("1024")},
                  {"max_queued_bytes", S::integer().range(1024, 1 << 30).withDefault("4194304")},
                  {"ping_interval_s", S::integer().range(1, 3600).withDefault("30")},
                  {"idle_timeout_s", S::integer().range(2, 7200).withDefault("75")},
                  {"send_buffer_bytes", S::integer().range(0, 64 << 20).withDefault("0")},
                  {"session_check_s", S::integer().range(1, 3600).withDefault("30")},
                  {"max_sockets_per_user", S::integer().range(0, 100000).withDefault("20")},
                  {"max_client_frames_per_s", S::integer().range(0, 1000000).withDefault("10")},
              }).withDefault("{}")},
      {"plugins", S::list(S::map({
                              {"name", S::string().required()},
                              {"enabled", S::boolean().withDefault("true")},
                              {"library", S::string()},
                              {"config", S::any()},
                          }))
                      .withDefault("[]")},
  });
  return schema;
}

void parseListen(const std::string& text, const std::string& where, std::string& host, int& port) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0)
    throw ConfigError(where + ": expected HOST:PORT, got '" + text + "'");
  std::string h = text.substr(0, colon), p = text.substr(colon + 1);
  if (h.size() > 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  int value = -1;
  auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
  if (p.empty() || ec != std::errc() || end != p.data() + p.size() || value < 0 || value > 65535)
    throw ConfigError(where + ": expected a port from 0 to 65535 in '" + text + "'");
  host = h;
  port = value;
}

int usableCpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  int cpus = ::sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0
                 ? CPU_COUNT(&set)
                 : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (const int quota = cgroupCpuLimit(); quota > 0) cpus = std::min(cpus, quota);
  return cpus;
}

int workersFor(Dialect store, int cpus) {
  // SQLite runs in the worker itself, on the CPU: about two workers a core keep the cores
  // busy. MariaDB's workers mostly wait for answers from across a network. Never fewer than
  // 16, so that a burst of slow requests (sign-ins hashing passwords) cannot take every
  // worker: on 2 cores, 4 workers served cheap reads 28 % faster than 16 at 1,024
  // connections, but 64 clients signing in then held all four, and other requests waited
  // seconds behind them in the queue, where with 16 the password hasher's own bound turned
  // the excess away at once.
  return std::clamp((store == Dialect::SQLite ? 2 : 8) * cpus, 16, 1024);  // 1024: the schema's maximum
}

namespace {

// "file:line:col" of raw[section][key] when written, else of the file.
std::string whereOf(const YAML::Node& raw, const char* section, const char* key, const std::string& origin) {
  if (raw[section] && raw[section].IsMap() && raw[section][key]) return where(raw[section][key], origin);
  return origin;
}

// Runs `check`; turns its std::invalid_argument into a ConfigError at section.key.
template <class Check>
void checkValue(const YAML::Node& raw, const char* section, const char* key, const std::string& origin,
                Check&& check) {
  try {
    check();
  } catch (const std::invalid_argument& e) {
    throw ConfigError(whereOf(raw, section, key, origin) + ": " + section + "." + key + ": " + e.what());
  }
}

// An absolute http(s) URL with a host and nothing after the path, without its trailing
// slash; empty stays empty (not set).
std::string checkPublicUrl(const std::string& text) {
  if (text.empty()) return text;
  Poco::URI uri;
  try {
    uri = Poco::URI(text);
  } catch (const Poco::Exception&) {
    throw std::invalid_argument("not a URL: expected like https://meetup.example.org");
  }
  if ((uri.getScheme() != "http" && uri.getScheme() != "https") || uri.getHost().empty())
    throw std::invalid_argument("expected an http:// or https:// URL with a host, like https://meetup.example.org");
  if (!uri.getRawQuery().empty() || !uri.getFragment().empty() || !uri.getUserInfo().empty() ||
      text.find_first_of("?#") != std::string::npos)
    throw std::invalid_argument("expected no user, query or fragment: only scheme, host, port and path");
  std::string url = uri.getScheme() + text.substr(text.find(':'));  // the scheme in lower case
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

}  // namespace

Settings readSettings(const YAML::Node& raw, const std::string& origin, const std::string& base, int cpus) {
  YAML::Node root = validate(raw, settingsSchema(), origin);
  // A relative path in a file means relative to that file's folder, wherever the server
  // was started from.
  const auto resolve = [&base](const std::string& path) {
    if (base.empty() || path.empty() || path.front() == '/') return path;
    return (std::filesystem::path(base) / path).lexically_normal().string();
  };
  Settings s;
  const auto server = root["server"];
  std::string listenWhere = origin;
  if (raw["server"] && raw["server"]["listen"]) listenWhere = where(raw["server"]["listen"], origin);
  parseListen(server["listen"].as<std::string>(), listenWhere, s.http.host, s.http.port);
  s.http.ioThreads = server["io_threads"].as<int>();
  s.http.threads = server["threads"].as<int>();  // 0 until the store is known (below)
  s.http.activeWorkers = server["active_workers"].as<int>();
  s.http.queue = server["queue"].as<int>();
  s.http.backlog = server["backlog"].as<int>();
  s.http.maxConnections = server["max_connections"].as<int>();
  s.http.keepAlive = server["keep_alive"].as<bool>();
  s.http.keepAliveTimeoutSeconds = server["keep_alive_timeout_s"].as<int>();
  s.http.maxKeepAliveRequests = server["max_keep_alive_requests"].as<int>();
  s.http.headerTimeoutSeconds = server["header_timeout_s"].as<int>();
  s.http.requestTimeoutSeconds = server["request_timeout_s"].as<int>();
  s.http.bodyMinRateBytes = server["body_min_rate_bytes_s"].as<int>();
  s.http.sendTimeoutSeconds = server["send_timeout_s"].as<int>();
  s.http.maxHeaderBytes = server["max_header_bytes"].as<int>();
  s.http.maxBodyBytes = server["max_body_bytes"].as<long long>();
  s.http.shutdownTimeoutSeconds = server["shutdown_timeout_s"].as<int>();
  s.http.trustedProxies = server["trusted_proxies"].as<std::vector<std::string>>();
  checkValue(raw, "server", "trusted_proxies", origin, [&] { TrustedProxies check(s.http.trustedProxies); });
  s.http.publicUrl = server["public_url"].as<std::string>();
  checkValue(raw, "server", "public_url", origin, [&] { s.http.publicUrl = checkPublicUrl(s.http.publicUrl); });

  s.cors.allowedOrigins = root["cors"]["allowed_origins"].as<std::vector<std::string>>();
  s.cors.maxAgeSeconds = root["cors"]["max_age_s"].as<int>();

  s.log.level = root["log"]["level"].as<std::string>();
  s.log.format = root["log"]["format"].as<std::string>();
  s.log.access = root["log"]["access"].as<bool>();

  s.web.enabled = root["web"]["enabled"].as<bool>();
  s.web.root = resolve(root["web"]["root"].as<std::string>());
  s.web.maxAgeSeconds = root["web"]["max_age_s"].as<int>();
  s.web.contentSecurityPolicy = root["web"]["content_security_policy"].as<std::string>();
  checkValue(raw, "web", "content_security_policy", origin, [&] {
    if (s.web.contentSecurityPolicy.find_first_of("\r\n") != std::string::npos)
      throw std::invalid_argument("must be one line");
  });
  s.metrics.allow = root["metrics"]["allow"].as<std::vector<std::string>>();
  checkValue(raw, "metrics", "allow", origin, [&] { AddressRanges check(s.metrics.allow); });

  const auto store = root["store"];
  s.store.url = store["url"].as<std::string>();
  if (s.store.url.rfind("sqlite:", 0) == 0) s.store.url = "sqlite:" + resolve(s.store.url.substr(7));
  s.store.poolSize = store["pool_size"].as<int>();
  s.store.acquireTimeoutMs = store["acquire_timeout_ms"].as<int>();
  s.store.idleTimeoutSeconds = store["idle_timeout_s"].as<int>();
  s.store.connectTimeoutSeconds = store["connect_timeout_s"].as<int>();
  s.store.connectWaitSeconds = store["connect_wait_s"].as<int>();
  s.store.sqliteExclusive = store["sqlite_exclusive"].as<bool>();

  const auto sessions = root["sessions"];
  s.sessions.url = sessions["url"].as<std::string>();
  s.sessions.signingKey = sessions["signing_key"].as<std::string>();
  s.sessions.ttlSeconds = sessions["ttl_s"].as<long long>();
  s.sessions.poolSize = sessions["pool_size"].as<int>();
  s.sessions.timeoutMs = sessions["timeout_ms"].as<int>();
  s.sessions.connectWaitSeconds = sessions["connect_wait_s"].as<int>();
  s.sessions.cookieName = sessions["cookie_name"].as<std::string>();
  // A site served over HTTPS never sends its session cookie in the clear (the browser would
  // refuse a Secure cookie over plain http, so loopback and plain-http set-ups leave it off).
  s.sessions.cookieSecure = sessions["cookie_secure"].as<bool>() || s.http.publicUrl.rfind("https://", 0) == 0;
  checkValue(raw, "sessions", "cookie_name", origin, [&] {
    if (s.sessions.cookieName.empty() ||
        s.sessions.cookieName.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") !=
            std::string::npos)
      throw std::invalid_argument("letters, digits, '_' and '-' only");
  });

  Dialect dialect{};
  checkValue(raw, "store", "url", origin, [&] { dialect = parseStoreUrl(s.store.url).dialect; });
  if (s.http.threads == 0) s.http.threads = workersFor(dialect, cpus);
  // One more than the CPUs: a loop thread or a short unmarked wait leaves a core free now and then.
  if (s.http.activeWorkers == 0) s.http.activeWorkers = cpus + 1;
  s.http.activeWorkers = std::min(s.http.activeWorkers, s.http.threads);
  checkValue(raw, "sessions", "url", origin, [&] {
    if (s.sessions.url != "memory") parseRedisUrl(s.sessions.url);
  });
  checkValue(raw, "sessions", "signing_key", origin, [&] {
    if (!s.sessions.signingKey.empty()) TokenSigner::parseKey(s.sessions.signingKey);
    else if (s.sessions.url != "memory")
      throw std::invalid_argument(
          "required with a Redis session store: every node must sign tokens with the same key");
  });

  const auto bus = root["bus"];
  s.bus.cluster = bus["mode"].as<std::string>() == "cluster";
  if (s.bus.cluster) {
    s.bus.publish = bus["publish"].as<std::string>();
    s.bus.subscribe = bus["subscribe"].as<std::string>();
  }
  s.bus.highWaterMark = bus["high_water_mark"].as<int>();
  s.bus.startTimeoutMs = bus["start_timeout_ms"].as<int>();
  for (const char* key : {"publish", "subscribe"})
    checkValue(raw, "bus", key, origin, [&] {
      const auto value = bus[key].as<std::string>();
      if (s.bus.cluster && value.rfind("tcp://", 0) != 0) throw std::invalid_argument("expected tcp://HOST:PORT");
    });

  const auto hub = root["hub"];
  s.hub.path = hub["path"].as<std::string>();
  s.hub.threads = hub["threads"].as<int>();
  s.hub.maxFrameBytes = hub["max_frame_bytes"].as<int>();
  s.hub.maxQueuedFrames = hub["max_queued_frames"].as<int>();
  s.hub.maxQueuedBytes = hub["max_queued_bytes"].as<int>();
  s.hub.pingIntervalSeconds = hub["ping_interval_s"].as<int>();
  s.hub.idleTimeoutSeconds = hub["idle_timeout_s"].as<int>();
  s.hub.sendBufferBytes = hub["send_buffer_bytes"].as<int>();
  s.hub.sessionCheckSeconds = hub["session_check_s"].as<int>();
  s.hub.maxSocketsPerUser = hub["max_sockets_per_user"].as<int>();
  s.hub.maxClientFramesPerSecond = hub["max_client_frames_per_s"].as<int>();
  checkValue(raw, "hub", "path", origin, [&] {
    if (s.hub.path.empty() || s.hub.path[0] != '/') throw std::invalid_argument("must start with '/'");
  });

  const auto plugins = root["plugins"];
  const auto rawPlugins = raw["plugins"];
  for (std::size_t i = 0; i < plugins.size(); ++i) {
    PluginEntry entry;
    entry.name = plugins[i]["name"].as<std::string>();
    entry.enabled = plugins[i]["enabled"].as<bool>();
    if (plugins[i]["library"]) {
      entry.library = plugins[i]["library"].as<std::string>();
      // A bare file name is looked up next to the executable; a path is the file's.
      if (entry.library.find('/') != std::string::npos) entry.library = resolve(entry.library);
    }
    if (auto config = plugins[i]["config"]) entry.config = config;
    entry.where = where(rawPlugins[i], origin);
    if (entry.name.empty() ||
        entry.name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") != std::string::npos)
      throw ConfigError(where(rawPlugins[i]["name"], origin) +
                        ": plugin names are lower-case letters, digits and '_', got '" +
                        entry.name + "'");
    s.plugins.push_back(std::move(entry));
  }
  return s;
}

}  // namespace mmm::core
