// libFuzzer target: the router and the SDK's request helpers over arbitrary methods, paths,
// patterns and query strings. The first byte picks what the rest is.
#include "router.hpp"

#include <mmm/http.hpp>

#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>

using mmm::core::Router;

namespace {

const Router& routes() {
  static const Router* router = [] {
    auto* r = new Router;  // lives as long as the fuzzer
    mmm::Handler ok = [](mmm::Request&) { return mmm::Response::text(200, "ok"); };
    for (const char* pattern : {"/v1/users/{id}", "/v1/users/me", "/v1/events/{id}/members/{userID}",
                                "/v1/channels/{id}", "/v1/channels/{id}/members", "/v1/calendar/feed/{token}",
                                "/healthz", "/"})
      for (const char* method : {"GET", "POST", "DELETE"}) r->add(method, pattern, ok);
    return r;
  }();
  return *router;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 3) {
    case 0: {  // "METHOD PATH"
      const auto space = text.find(' ');
      const std::string method = text.substr(0, space);
      const std::string path = space == std::string::npos ? "/" : text.substr(space + 1);
      auto match = routes().match(method, path);
      if (match.kind == Router::Match::Kind::Found && (!match.handler || match.pattern.empty())) std::abort();
      if (match.kind == Router::Match::Kind::MethodNotAllowed && match.allow.empty()) std::abort();
      // The access log's path (the path is its own raw form here): a matched secret never in it.
      if (match.kind == Router::Match::Kind::Found) {
        const auto logged = mmm::core::pathForLog(path, match.pattern);
        const bool secret = match.params.count("token") != 0;  // the last segment of its route
        if (secret && (logged.size() < 4 || logged.compare(logged.size() - 4, 4, "/***") != 0)) std::abort();
        if (!secret && logged != path) std::abort();
      }
      break;
    }
    case 1: {  // patterns added to a router of its own: refused cleanly or matchable
      Router router;
      try {
        router.add("GET", text, [](mmm::Request&) { return mmm::Response(); });
        router.match("GET", text);
        router.add("GET", text, [](mmm::Request&) { return mmm::Response(); });
        std::abort();  // a duplicate must be refused
      } catch (const std::invalid_argument&) {
      }
      break;
    }
    default: {  // query strings and percent-decoding
      mmm::Request request;
      request.query = text;
      for (const char* name : {"a", "limit", "", "q"}) request.queryParam(name);
      if (auto decoded = mmm::percentDecode(text, true); decoded && decoded->size() > text.size()) std::abort();
    }
  }
  return 0;
}
