#include "api_docs.hpp"

#include <mmm/abi.hpp>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <spdlog/logger.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cctype>
#include <sstream>
#include <stdexcept>

#ifndef MMM_SERVER_VERSION
#define MMM_SERVER_VERSION ""
#endif

namespace mmm::core {

using Poco::JSON::Array;
using Poco::JSON::Object;
using Var = Poco::Dynamic::Var;

const char* serverVersion() { return MMM_SERVER_VERSION; }

namespace {

constexpr const char* kRefPrefix = "#/components/schemas/";

Object::Ptr newObject() { return new Object(Poco::JSON_PRESERVE_KEY_ORDER); }

// A schema as declared: a JSON object (key order kept, so the document reads as written).
Var parseSchema(const std::string& text, const std::string& what) {
  Var value;
  try {
    Poco::JSON::Parser parser(new Poco::JSON::ParseHandler(true));
    value = parser.parse(text);
  } catch (const std::exception& e) {
    throw std::invalid_argument(what + " is not valid JSON: " + text.substr(0, 200));
  }
  if (value.type() != typeid(Object::Ptr) || !value.extract<Object::Ptr>())
    throw std::invalid_argument(what + " is not a JSON object: " + text.substr(0, 200));
  return value;
}

void collectRefs(const Var& value, std::set<std::string>& out) {
  if (value.type() == typeid(Object::Ptr)) {
    auto object = value.extract<Object::Ptr>();
    if (!object) return;
    for (const auto& [key, member] : *object) {
      if (key == "$ref" && member.isString()) {
        const auto ref = member.extract<std::string>();
        if (ref.rfind(kRefPrefix, 0) == 0) out.insert(ref.substr(std::char_traits<char>::length(kRefPrefix)));
      } else {
        collectRefs(member, out);
      }
    }
  } else if (value.type() == typeid(Array::Ptr)) {
    auto array = value.extract<Array::Ptr>();
    if (!array) return;
    for (const auto& item : *array) collectRefs(item, out);
  }
}

std::vector<std::string> pathParams(const std::string& pattern) {
  std::vector<std::string> names;
  for (std::size_t open = pattern.find('{'); open != std::string::npos; open = pattern.find('{', open + 1)) {
    auto close = pattern.find('}', open);
    if (close == std::string::npos) break;
    names.push_back(pattern.substr(open + 1, close - open - 1));
  }
  return names;
}

std::string lower(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

const std::set<std::string>& methods() {
  static const std::set<std::string> known{"GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"};
  return known;
}

std::string operationId(const std::string& method, const std::string& pattern) {
  std::string id = lower(method);
  bool gap = true;
  for (char c : pattern) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      if (gap) id += '_';
      id += c;
      gap = false;
    } else {
      gap = true;
    }
  }
  return id;
}

Object::Ptr problemSchema() {
  // What problem() (pipeline.cpp) and every HttpError send: RFC 9457's members.
  auto properties = newObject();
  auto field = [](const char* type, const char* description) {
    auto o = newObject();
    o->set("type", type);
    o->set("description", description);
    return o;
  };
  auto type = field("string", "Always about:blank: the status says what kind of problem it is");
  type->set("format", "uri-reference");
  properties->set("type", type);
  properties->set("title", field("string", "The status's reason phrase"));
  auto status = field("integer", "The HTTP status, repeated");
  status->set("minimum", 400);
  status->set("maximum", 599);
  properties->set("status", status);
  properties->set("detail", field("string", "What went wrong, for a person to read"));
  auto schema = newObject();
  schema->set("type", "object");
  schema->set("description", "A problem document (RFC 9457), as every error answer is");
  Array::Ptr required = new Array;
  for (const char* name : {"type", "title", "status", "detail"}) required->add(name);
  schema->set("required", required);
  schema->set("properties", properties);
  return schema;
}

}  // namespace

struct ApiDocs::Route {
  std::string owner;
  bool rateLimited = false;
  bool documented = false;
  RouteDoc doc;
  // The doc's schemas, parsed: parameters (in order), request body, answers (in order).
  std::vector<Var> parameterSchemas;
  Var requestSchema;
  std::vector<Var> answerSchemas;  // empty Var: no schema
};

struct ApiDocs::Schema {
  std::string text;
  Var value;
  std::set<std::string> owners;
};

ApiDocs::ApiDocs() = default;
ApiDocs::ApiDocs(Info info, std::shared_ptr<spdlog::logger> log) : info_(std::move(info)), log_(std::move(log)) {}
ApiDocs::~ApiDocs() = default;

void ApiDocs::setInfo(Info info) {
  std::lock_guard lock(mutex_);
  info_ = std::move(info);
  cache_.reset();
}

void ApiDocs::addRoute(const std::string& owner, const std::string& method, const std::string& pattern) {
  std::lock_guard lock(mutex_);
  auto [it, added] = routes_.try_emplace({pattern, method});
  if (!added) throw std::invalid_argument("duplicate route " + method + " " + pattern);
  it->second.owner = owner;
  cache_.reset();
}

void ApiDocs::rateLimited(const std::string& owner, const std::string& method, const std::string& pattern) {
  std::lock_guard lock(mutex_);
  auto it = routes_.find({pattern, method});
  if (it == routes_.end() || it->second.owner != owner) return;
  it->second.rateLimited = true;
  cache_.reset();
}

void ApiDocs::describe(const std::string& owner, const std::string& method, const std::string& pattern,
                       const RouteDoc& doc) {
  const std::string route = method + " " + pattern;
  // Parsed before the lock: a schema's text is the caller's and may be long.
  Route parsed;
  const auto names = pathParams(pattern);
  std::set<std::string> seen;
  for (const auto& p : doc.parameters) {
    if (p.name.empty()) throw std::invalid_argument(route + ": a parameter without a name");
    if (p.in != "path" && p.in != "query" && p.in != "header")
      throw std::invalid_argument(route + ": parameter '" + p.name + "' is in '" + p.in +
                                  "' (path, query or header)");
    if (!seen.insert(p.in + ":" + p.name).second)
      throw std::invalid_argument(route + ": parameter '" + p.name + "' is declared twice");
    if (p.in == "path" && std::find(names.begin(), names.end(), p.name) == names.end())
      throw std::invalid_argument(route + ": the pattern has no path parameter '" + p.name + "'");
    parsed.parameterSchemas.push_back(parseSchema(p.schema, route + ": the schema of parameter '" + p.name + "'"));
  }
  if (!doc.requestSchema.empty()) parsed.requestSchema = parseSchema(doc.requestSchema, route + ": the request schema");
  if (doc.answers.empty()) throw std::invalid_argument(route + ": documents no answer");
  std::set<int> statuses;
  for (const auto& a : doc.answers) {
    if (a.status < 100 || a.status > 599)
      throw std::invalid_argument(route + ": " + std::to_string(a.status) + " is not an HTTP status");
    if (!statuses.insert(a.status).second)
      throw std::invalid_argument(route + ": answer " + std::to_string(a.status) + " is documented twice");
    parsed.answerSchemas.push_back(
        a.schema.empty() ? Var() : parseSchema(a.schema, route + ": the schema of answer " + std::to_string(a.status)));
  }

  std::lock_guard lock(mutex_);
  auto it = routes_.find({pattern, method});
  if (it == routes_.end() || it->second.owner != owner)
    throw std::invalid_argument(route + " is not a route of " +
                                (owner.empty() ? std::string("the core") : "plugin '" + owner + "'"));
  if (it->second.documented) throw std::invalid_argument(route + " is documented already");
  auto& r = it->second;
  r.documented = true;
  r.doc = doc;
  r.parameterSchemas = std::move(parsed.parameterSchemas);
  r.requestSchema = std::move(parsed.requestSchema);
  r.answerSchemas = std::move(parsed.answerSchemas);
  cache_.reset();
}

void ApiDocs::schema(const std::string& owner, const std::string& name, const std::string& jsonSchema) {
  if (name.empty() || name.size() > 100 ||
      name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") != std::string::npos)
    throw std::invalid_argument("schema names are letters, digits, '.', '-' and '_': '" + name + "'");
  if (name == "Problem") throw std::invalid_argument("schema 'Problem' is the server's own");
  Var value = parseSchema(jsonSchema, "schema '" + name + "'");
  std::lock_guard lock(mutex_);
  auto [it, added] = schemas_.try_emplace(name);
  auto& s = it->second;
  if (!added && s.text != jsonSchema) {
    std::string by;
    for (const auto& o : s.owners) by += (by.empty() ? "" : ", ") + (o.empty() ? std::string("the core") : "'" + o + "'");
    throw std::invalid_argument("schema '" + name + "' is declared already, differently, by " + by);
  }
  s.text = jsonSchema;
  s.value = std::move(value);
  s.owners.insert(owner);
  cache_.reset();
}

void ApiDocs::removeOwner(const std::string& owner) {
  std::lock_guard lock(mutex_);
  for (auto it = routes_.begin(); it != routes_.end();)
    it = it->second.owner == owner ? routes_.erase(it) : std::next(it);
  for (auto it = schemas_.begin(); it != schemas_.end();) {
    it->second.owners.erase(owner);
    it = it->second.owners.empty() ? schemas_.erase(it) : std::next(it);
  }
  cache_.reset();
}

void ApiDocs::clear() {
  std::lock_guard lock(mutex_);
  routes_.clear();
  schemas_.clear();
  cache_.reset();
}

std::vector<std::string> ApiDocs::undocumented() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& [key, r] : routes_)
    if (!r.documented)
      out.push_back(key.second + " " + key.first + " (" + (r.owner.empty() ? std::string("core") : r.owner) + ")");
  return out;
}

std::vector<std::string> ApiDocs::problems() const {
  std::lock_guard lock(mutex_);
  return problemsLocked();
}

std::vector<std::string> ApiDocs::problemsLocked() const {
  std::map<std::string, std::set<std::string>> usedBy;  // schema → who refers to it
  auto note = [&](const Var& value, const std::string& where) {
    std::set<std::string> refs;
    collectRefs(value, refs);
    for (const auto& ref : refs) usedBy[ref].insert(where);
  };
  for (const auto& [key, r] : routes_) {
    const std::string where = key.second + " " + key.first;
    for (const auto& v : r.parameterSchemas) note(v, where);
    note(r.requestSchema, where);
    for (const auto& v : r.answerSchemas) note(v, where);
  }
  for (const auto& [name, s] : schemas_) note(s.value, "schema " + name);
  std::vector<std::string> out;
  for (const auto& [ref, where] : usedBy) {
    if (ref == "Problem" || schemas_.count(ref)) continue;
    std::string list;
    for (const auto& w : where) list += (list.empty() ? "" : ", ") + w;
    out.push_back("schema '" + ref + "' is referred to (by " + list + ") but no enabled plugin declares it");
  }
  return out;
}

std::shared_ptr<const ApiDocs::Document> ApiDocs::render() const {
  std::lock_guard lock(mutex_);
  if (cache_) return cache_;
  for (const auto& problem : problemsLocked())
    if (log_) log_->warn("OpenAPI document: {}", problem);

  auto doc = newObject();
  doc->set("openapi", "3.1.0");
  auto info = newObject();
  info->set("title", info_.title);
  info->set("version", info_.version.empty() ? std::string(serverVersion()) : info_.version);
  info->set("description",
            "Generated at run time from the routes of the enabled plugins and what each declares about them. "
            "Every error answer is a problem document (RFC 9457).");
  doc->set("info", info);
  if (!info_.publicUrl.empty()) {
    Array::Ptr servers = new Array;
    auto server = newObject();
    server->set("url", info_.publicUrl);
    servers->add(server);
    doc->set("servers", servers);
  }

  std::set<std::string> owners;
  auto paths = newObject();
  std::string currentPattern;
  Object::Ptr pathItem;
  for (const auto& [key, r] : routes_) {
    const auto& [pattern, method] = key;
    if (!methods().count(method)) continue;  // OpenAPI has no place for other methods
    if (pattern != currentPattern) {
      pathItem = newObject();
      paths->set(pattern, pathItem);
      currentPattern = pattern;
    }
    const std::string tag = r.owner.empty() ? "core" : r.owner;
    owners.insert(tag);
    auto op = newObject();
    Array::Ptr tags = new Array;
    tags->add(tag);
    op->set("tags", tags);
    op->set("operationId", operationId(method, pattern));
    const auto& d = r.doc;
    if (!r.documented) {
      op->set("summary", "(not documented)");
      op->set("x-mmm-undocumented", true);
    } else {
      if (!d.summary.empty()) op->set("summary", d.summary);
      if (!d.description.empty()) op->set("description", d.description);
    }

    Array::Ptr parameters = new Array;
    std::set<std::string> declaredPath;
    for (std::size_t i = 0; i < d.parameters.size(); ++i) {
      const auto& p = d.parameters[i];
      auto param = newObject();
      param->set("name", p.name);
      param->set("in", p.in);
      if (!p.description.empty()) param->set("description", p.description);
      param->set("required", p.in == "path" ? true : p.required);
      param->set("schema", r.parameterSchemas[i]);
      if (p.in == "path") declaredPath.insert(p.name);
      parameters->add(param);
    }
    // A path parameter nobody declared is a string (and always required).
    for (const auto& name : pathParams(pattern)) {
      if (declaredPath.count(name)) continue;
      auto param = newObject();
      param->set("name", name);
      param->set("in", "path");
      param->set("required", true);
      auto schema = newObject();
      schema->set("type", "string");
      param->set("schema", schema);
      parameters->add(param);
    }
    if (parameters->size() > 0) op->set("parameters", parameters);

    if (!d.requestSchema.empty()) {
      auto body = newObject();
      body->set("required", true);
      auto content = newObject();
      auto media = newObject();
      media->set("schema", r.requestSchema);
      content->set(d.requestContentType.empty() ? "application/json" : d.requestContentType, media);
      body->set("content", content);
      op->set("requestBody", body);
    }

    auto problemContent = [] {
      auto content = newObject();
      auto media = newObject();
      auto ref = newObject();
      ref->set("$ref", std::string(kRefPrefix) + "Problem");
      media->set("schema", ref);
      content->set("application/problem+json", media);
      return content;
    };
    std::map<int, Object::Ptr> answers;
    for (std::size_t i = 0; i < d.answers.size(); ++i) {
      const auto& a = d.answers[i];
      auto response = newObject();
      response->set("description", a.description.empty() ? std::string("Status ") + std::to_string(a.status)
                                                          : a.description);
      if (!a.schema.empty()) {
        auto content = newObject();
        auto media = newObject();
        media->set("schema", r.answerSchemas[i]);
        content->set(a.contentType.empty() ? (a.status >= 400 ? "application/problem+json" : "application/json")
                                           : a.contentType,
                     media);
        response->set("content", content);
      } else if (a.status >= 400) {
        response->set("content", problemContent());
      } else if (!a.contentType.empty()) {
        auto content = newObject();
        content->set(a.contentType, newObject());
        response->set("content", content);
      }
      answers[a.status] = response;
    }
    if (d.signedIn && !answers.count(401)) {
      auto response = newObject();
      response->set("description", "No valid session: sign in first");
      response->set("content", problemContent());
      answers[401] = response;
    }
    if (r.rateLimited && !answers.count(429)) {
      auto response = newObject();
      response->set("description", "The rate limit is spent: try again after Retry-After seconds");
      auto headers = newObject();
      auto retry = newObject();
      auto schema = newObject();
      schema->set("type", "integer");
      schema->set("minimum", 1);
      retry->set("schema", schema);
      retry->set("description", "Seconds until the next request may pass");
      headers->set("Retry-After", retry);
      response->set("headers", headers);
      response->set("content", problemContent());
      answers[429] = response;
    }
    auto responses = newObject();
    if (answers.empty()) {
      auto response = newObject();
      response->set("description", "Not documented");
      responses->set("default", response);
    }
    for (const auto& [status, response] : answers) responses->set(std::to_string(status), response);
    op->set("responses", responses);
    if (d.signedIn) {
      Array::Ptr security = new Array;
      for (const char* scheme : {"bearer", "sessionCookie"}) {
        auto requirement = newObject();
        requirement->set(scheme, Array::Ptr(new Array));
        security->add(requirement);
      }
      op->set("security", security);
    }
    pathItem->set(lower(method), op);
  }

  Array::Ptr tags = new Array;
  for (const auto& owner : owners) {
    auto tag = newObject();
    tag->set("name", owner);
    tag->set("description", owner == "core" ? std::string("The server itself") : "Plugin " + owner);
    tags->add(tag);
  }
  doc->set("tags", tags);
  doc->set("paths", paths);

  auto components = newObject();
  auto schemas = newObject();
  schemas->set("Problem", problemSchema());
  for (const auto& [name, s] : schemas_) schemas->set(name, s.value);
  components->set("schemas", schemas);
  auto securitySchemes = newObject();
  auto bearer = newObject();
  bearer->set("type", "http");
  bearer->set("scheme", "bearer");
  bearer->set("description", "The token POST /v1/sessions answers with, as `Authorization: Bearer TOKEN`");
  securitySchemes->set("bearer", bearer);
  auto cookie = newObject();
  cookie->set("type", "apiKey");
  cookie->set("in", "cookie");
  cookie->set("name", info_.cookieName);
  cookie->set("description",
              "The session cookie a browser sign-in sets; requests other than GET, HEAD and OPTIONS that rely "
              "on it must come from an allowed Origin");
  securitySchemes->set("sessionCookie", cookie);
  components->set("securitySchemes", securitySchemes);
  doc->set("components", components);

  std::ostringstream out;
  Poco::JSON::Stringifier::condense(doc, out);
  Document rendered;
  rendered.json = out.str();
  // FNV-1a: stable across processes, so every node of a cluster gives the same ETag.
  std::uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : rendered.json) hash = (hash ^ c) * 1099511628211ull;
  char etag[24];
  std::snprintf(etag, sizeof etag, "\"%016llx\"", static_cast<unsigned long long>(hash));
  rendered.etag = etag;
  cache_ = std::make_shared<const Document>(std::move(rendered));
  return cache_;
}

void documentCoreRoutes(ApiDocs& docs, const std::string& hubPath) {
  docs.describe("", "GET", "/healthz",
                RouteDoc("Liveness: the process answers")
                    .answer(200, "Alive",
                            R"({"type":"object","required":["status"],"properties":{"status":{"const":"ok"}}})"));
  const std::string check = R"({"enum":["ok","unavailable"]})";
  const std::string readiness =
      R"({"type":"object","required":["status","checks"],"properties":{"status":{"enum":["ready","not ready"]},)"
      R"("checks":{"type":"object","description":"Each dependency: ok or unavailable","properties":{)"
      R"("store":)" + check + R"(,"sessions":)" + check + R"(,"bus":)" + check + "}}}}";
  docs.describe("", "GET", "/readyz",
                RouteDoc("Readiness: the store, the session store and the bus answer")
                    .answer(200, "Ready", readiness)
                    .answer(503, "A dependency is down; the body says which", readiness, "application/json"));
  docs.describe("", "GET", "/metrics",
                RouteDoc("Prometheus metrics (text exposition format 0.0.4)")
                    .describe("Served to the addresses in `metrics.allow` only.")
                    .answer(200, "The metrics", R"({"type":"string"})", "text/plain")
                    .answer(403, "The client's address is not in metrics.allow"));
  docs.describe(
      "", "GET", hubPath,
      RouteDoc("The WebSocket: pushes to the signed-in user, and frames from them")
          .describe("An upgrade (RFC 6455, version 13). A browser that cannot set the Authorization header "
                    "may pass `auth=Bearer TOKEN` in the query or rely on the session cookie.")
          .needsSession()
          .query("auth", R"({"type":"string","pattern":"^Bearer "})", "`Bearer TOKEN`, when no header can be set")
          .header("Upgrade", R"({"const":"websocket"})", {}, true)
          .header("Sec-WebSocket-Key", R"({"type":"string","minLength":24,"maxLength":24})", {}, true)
          .header("Sec-WebSocket-Version", R"({"const":"13"})", {}, true)
          .answer(101, "Switching Protocols: the socket is open")
          .answer(400, "Not a WebSocket upgrade")
          .answer(403, "The Origin is not allowed, or the session was refused")
          .answer(426, "Another WebSocket version than 13")
          .answer(429, "The user has as many WebSockets open as hub.max_sockets_per_user allows"));
  const std::string names = R"({"type":"array","items":{"type":"string"}})";
  docs.describe("", "GET", "/v1/admin/plugins",
                RouteDoc("The plugins configured or registered, and their state (admins)")
                    .needsSession()
                    .answer(200, "Every plugin",
                            RouteDoc::arrayOf(
                                R"({"type":"object","required":["name","version","library","state"],"properties":{)"
                                R"("name":{"type":"string"},"version":{"type":["string","null"]},)"
                                R"("library":{"type":["string","null"],"description":"The library file; for a plugin linked in, the word static in parentheses"},)"
                                R"("state":{"enum":["running","stopped","disabled"]}}})"))
                    .answer(403, "The caller is not an admin"));
  docs.describe("", "POST", "/v1/admin/reload",
                RouteDoc("Re-reads the configuration file and applies it live (admins)")
                    .describe("As SIGHUP does: plugins enabled, disabled and restarted without dropping a "
                              "WebSocket or a request; nothing changes unless all of the file loads.")
                    .needsSession()
                    .answer(200, "Applied, or nothing to change",
                            R"({"type":"object","required":["result","started","stopped","restarted","needRestart"],)"
                            R"("properties":{"result":{"enum":["applied","unchanged"]},"started":)" + names +
                                R"(,"stopped":)" + names + R"(,"restarted":)" + names + R"(,"needRestart":)" + names +
                                "}}")
                    .answer(403, "The caller is not an admin")
                    .answer(409, "The server runs on a configuration that is not a file")
                    .answer(422, "The file does not load: nothing changed")
                    .answer(500, "A plugin failed to start: the plugins run as before")
                    .answer(503, "Requests in plugin code did not finish in time: nothing changed"));
  docs.describe("", "GET", "/v1/openapi.json",
                RouteDoc("This document: OpenAPI 3.1 of the routes the enabled plugins serve")
                    .header("If-None-Match", R"({"type":"string"})", "The ETag of a copy the client holds")
                    .answer(200, "The document", R"({"type":"object"})")
                    .answer(304, "The client's copy is current"));
}

}  // namespace mmm::core
