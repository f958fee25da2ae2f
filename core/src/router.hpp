// Method + path routing with `{name}` parameters. Literal segments win over parameters;
// a path that matches with another method gives 405 and the Allow list.
#pragma once

#include <mmm/http.hpp>

#include <map>
#include <memory>
#include <string>
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
    std::string pattern;                        // the route, when Found
    std::map<std::string, std::string> params;  // when Found
    std::vector<std::string> allow;             // sorted, when MethodNotAllowed
  };
  /// `path` is the decoded path. HEAD falls back to GET.
  Match match(const std::string& method, const std::string& path) const;

 private:
  struct Node;
  std::unique_ptr<Node> root_;
};

}  // namespace mmm::core
