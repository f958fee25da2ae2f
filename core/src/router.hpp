// Method + path routing with `{name}` parameters. Literal segments win over parameters;
// a path that matches with another method gives 405 and the Allow list.
#pragma once

#include <mmm/http.hpp>

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mmm::core {

class Router {
 public:
  Router();
  ~Router();

  /// Throws std::invalid_argument on a malformed pattern or a duplicate route.
  void add(const std::string& method, const std::string& pattern, Handler handler);

  /// Removes every route (a server that failed to start registers them again).
  void clear();

  struct Match {
    enum class Kind { Found, NotFound, MethodNotAllowed } kind = Kind::NotFound;
    const Handler* handler = nullptr;
    std::string pattern;                        // the route, when Found; one of its shape when MethodNotAllowed
    std::map<std::string, std::string> params;  // when Found
    std::vector<std::string> allow;             // sorted, when MethodNotAllowed
  };
  /// `path` is the decoded path. HEAD falls back to GET.
  Match match(const std::string& method, const std::string& path) const;

 private:
  struct Node;
  std::unique_ptr<Node> root_;
};

/// Whether a route parameter holds a credential, by its name: `token`, or a name ending in
/// `Token` or `_token` (say `/v1/calendar/feed/{token}`). The access log never shows one.
bool isSecretParam(std::string_view name);

/// `rawPath` as the access log shows it once it matched `pattern`: the segments that secret
/// parameters matched become `***` (and, should the raw path have more segments than the
/// pattern, through an encoded '/', everything after its literal prefix).
std::string pathForLog(const std::string& rawPath, const std::string& pattern);

}  // namespace mmm::core
