#include "router.hpp"

#include <algorithm>
#include <set>
#include <stdexcept>

namespace mmm::core {

struct Router::Node {
  std::map<std::string, std::unique_ptr<Node>> literals;
  std::unique_ptr<Node> param;  // one parameter child; its name is per route
  struct Route {
    Handler handler;
    std::string pattern;
    std::vector<std::string> paramNames;
  };
  std::map<std::string, Route> methods;
};

namespace {

std::vector<std::string> splitPath(const std::string& path) {
  std::vector<std::string> segments;
  std::size_t start = 1;  // skip the leading '/'
  while (start <= path.size()) {
    auto slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    segments.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return segments;
}

bool isParam(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

}  // namespace

Router::Router() : root_(std::make_unique<Node>()) {}
Router::~Router() = default;

void Router::clear() { root_ = std::make_unique<Node>(); }

void Router::add(const std::string& method, const std::string& pattern, Handler handler) {
  if (pattern.empty() || pattern[0] != '/')
    throw std::invalid_argument("route pattern must start with '/': " + pattern);
  if (method.empty()) throw std::invalid_argument("route method is empty: " + pattern);
  Node* node = root_.get();
  std::vector<std::string> names;
  for (const auto& segment : splitPath(pattern)) {
    if (isParam(segment)) {
      names.push_back(segment.substr(1, segment.size() - 2));
      if (!node->param) node->param = std::make_unique<Node>();
      node = node->param.get();
    } else {
      if (segment.find_first_of("{}") != std::string::npos)
        throw std::invalid_argument("malformed route segment '" + segment + "' in " + pattern);
      auto& child = node->literals[segment];
      if (!child) child = std::make_unique<Node>();
      node = child.get();
    }
  }
  if (node->methods.count(method))
    throw std::invalid_argument("duplicate route " + method + " " + pattern + " (already " +
                                node->methods[method].pattern + ")");
  node->methods[method] = Node::Route{std::move(handler), pattern, std::move(names)};
}

Router::Match Router::match(const std::string& method, const std::string& path) const {
  Match result;
  if (path.empty() || path[0] != '/') return result;
  auto segments = splitPath(path);
  // Collect every node that matches the path: the best one with the method wins; if none
  // has it, the union of their methods is the Allow list.
  struct Candidate {
    const Node* node;
    std::vector<std::string> values;
  };
  std::vector<Candidate> candidates;
  std::vector<std::string> values;
  auto walk = [&](auto&& self, const Node* node, std::size_t index) -> void {
    if (index == segments.size()) {
      if (!node->methods.empty()) candidates.push_back({node, values});
      return;
    }
    const auto& segment = segments[index];
    if (auto it = node->literals.find(segment); it != node->literals.end())
      self(self, it->second.get(), index + 1);
    if (node->param && !segment.empty()) {
      values.push_back(segment);
      self(self, node->param.get(), index + 1);
      values.pop_back();
    }
  };
  walk(walk, root_.get(), 0);

  for (const auto& candidate : candidates) {
    auto it = candidate.node->methods.find(method);
    if (it == candidate.node->methods.end() && method == "HEAD")
      it = candidate.node->methods.find("GET");
    if (it == candidate.node->methods.end()) continue;
    result.kind = Match::Kind::Found;
    result.handler = &it->second.handler;
    result.pattern = it->second.pattern;
    for (std::size_t i = 0; i < it->second.paramNames.size(); ++i)
      result.params[it->second.paramNames[i]] = candidate.values[i];
    return result;
  }
  if (candidates.empty()) return result;
  std::set<std::string> allow;
  for (const auto& candidate : candidates)
    for (const auto& entry : candidate.node->methods) {
      allow.insert(entry.first);
      if (entry.first == "GET") allow.insert("HEAD");
    }
  allow.insert("OPTIONS");
  result.kind = Match::Kind::MethodNotAllowed;
  // The shape the path has (a route of another method): for the access log and metrics.
  for (const auto& candidate : candidates)
    if (!candidate.node->methods.empty()) {
      result.pattern = candidate.node->methods.begin()->second.pattern;
      break;
    }
  result.allow.assign(allow.begin(), allow.end());
  return result;
}

bool isSecretParam(std::string_view name) {
  const auto endsWith = [&](std::string_view tail) {
    return name.size() > tail.size() && name.substr(name.size() - tail.size()) == tail;
  };
  return name == "token" || endsWith("Token") || endsWith("_token");
}

std::string pathForLog(const std::string& rawPath, const std::string& pattern) {
  if (pattern.find('{') == std::string::npos || rawPath.empty() || rawPath[0] != '/') return rawPath;
  const auto raw = splitPath(rawPath), parts = splitPath(pattern);
  const auto secret = [&](std::size_t i) {
    return i < parts.size() && isParam(parts[i]) && isSecretParam(parts[i].substr(1, parts[i].size() - 2));
  };
  std::string out;
  if (raw.size() != parts.size()) {  // an encoded '/' in a parameter: only the literal prefix is sure
    bool anySecret = false;
    for (std::size_t i = 0; i < parts.size(); ++i) anySecret = anySecret || secret(i);
    if (!anySecret) return rawPath;
    for (std::size_t i = 0; i < parts.size() && i < raw.size() && !isParam(parts[i]); ++i) out += '/' + raw[i];
    return out + "/***";
  }
  for (std::size_t i = 0; i < raw.size(); ++i) out += '/' + (secret(i) ? std::string("***") : raw[i]);
  return out;
}

}  // namespace mmm::core
