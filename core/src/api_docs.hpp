// The documentation of the routes the server serves, by owner (a plugin's name, or "" for the
// core), rendered as the OpenAPI 3.1 document of `GET /v1/openapi.json`. An owner that stops
// takes its routes, their documentation and its schemas with it (removeOwner), so the
// document only ever shows what is routed.
#pragma once

#include <mmm/openapi.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace spdlog {
class logger;
}

namespace mmm::core {

class ApiDocs {
 public:
  struct Info {
    std::string title = "Music Maker Meetup";
    std::string version;          // the server's
    std::string publicUrl;        // server.public_url; empty: no `servers`
    std::string cookieName = "mmm_session";
  };

  /// Warnings (a $ref to no declared schema) go to `log`, which may be null.
  ApiDocs();
  ApiDocs(Info info, std::shared_ptr<spdlog::logger> log);
  ~ApiDocs();

  void setInfo(Info info);

  /// A route `owner` added to the router. Throws std::invalid_argument if it is there already.
  void addRoute(const std::string& owner, const std::string& method, const std::string& pattern);
  /// The route answers 429 when its rate limit is spent (documented for it).
  void rateLimited(const std::string& owner, const std::string& method, const std::string& pattern);
  /// Throws std::invalid_argument when `owner` added no such route, when the route is
  /// documented already, when a schema in `doc` is not a JSON object, when a path parameter
  /// is not in the pattern, or when `doc` has no answer.
  void describe(const std::string& owner, const std::string& method, const std::string& pattern,
                const RouteDoc& doc);
  /// Declares `#/components/schemas/NAME`. Throws std::invalid_argument on a bad name, a
  /// schema that is not a JSON object, or NAME declared by another owner with another schema.
  void schema(const std::string& owner, const std::string& name, const std::string& jsonSchema);

  /// Forgets the routes, documentation and schemas of `owner` (a schema that other owners
  /// declared too stays).
  void removeOwner(const std::string& owner);
  void clear();

  struct Document {
    std::string json;
    std::string etag;  // a strong validator, quoted
  };
  /// The OpenAPI 3.1.0 document, rendered once per change.
  std::shared_ptr<const Document> render() const;
  /// "METHOD pattern (owner)" of the routes nobody documented.
  std::vector<std::string> undocumented() const;
  /// What is wrong with the document: $refs to schemas that no owner declared.
  std::vector<std::string> problems() const;

 private:
  struct Route;
  struct Schema;
  mutable std::mutex mutex_;
  Info info_;
  std::shared_ptr<spdlog::logger> log_;
  std::map<std::pair<std::string, std::string>, Route> routes_;  // (pattern, method)
  std::map<std::string, Schema> schemas_;
  mutable std::shared_ptr<const Document> cache_;

  std::vector<std::string> problemsLocked() const;
};

/// Adds the core's own routes' documentation (they must be added already). `hubPath`: the
/// WebSocket upgrade's path.
void documentCoreRoutes(ApiDocs& docs, const std::string& hubPath);

/// The server's version (CMake's project version).
const char* serverVersion();

}  // namespace mmm::core
