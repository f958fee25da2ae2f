// The request and response a handler sees: plain values, independent of Poco's streams,
// so the whole pipeline is a function from Request to Response (and testable as one).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mmm {

using Headers = std::vector<std::pair<std::string, std::string>>;

/// Case-insensitive ASCII comparison, as HTTP header names need.
inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

/// First value of a header, if present.
inline std::optional<std::string_view> findHeader(const Headers& headers, std::string_view name) {
  for (const auto& [key, value] : headers)
    if (iequals(key, name)) return std::string_view(value);
  return std::nullopt;
}

/// The caller's session, when the request carried a valid token.
struct SessionInfo {
  std::string token;
  std::string state;        // what was stored at sign-in (the users plugin: the profile as JSON)
  std::int64_t userId = 0;  // the state's "id", by convention
  bool viaCookie = false;   // the token came from the session cookie only
};

struct Request {
  std::string method;         // "GET", "POST", …
  std::string path;           // percent-decoded path, without the query
  std::string rawPath;        // as received, before decoding
  std::string query;          // raw query string, without '?'
  Headers headers;            // in arrival order
  std::string body;           // whole body, already capped at the configured limit
  std::string id;             // request id (X-Request-Id, echoed or generated)
  std::string clientAddress;  // peer address "host:port"
  std::string clientIp;       // the client's IP: the peer, or X-Forwarded-For from a trusted proxy
  std::string route;          // the matched route pattern, e.g. "/v1/users/{id}"
  std::map<std::string, std::string> params;  // path parameters of the matched route
  // The caller's session is looked up on first use (mmm::authenticated), so that routes
  // that need none never wait on the session store.
  std::optional<SessionInfo> session;
  std::string sessionRefusal;                     // why a presented session was refused, if so
  std::function<void(Request&)> resolveSession;  // set by the core; fills the two above

  std::optional<std::string_view> header(std::string_view name) const {
    return findHeader(headers, name);
  }
  /// Path parameter by name; empty if the route has no such parameter.
  const std::string& param(const std::string& name) const {
    static const std::string empty;
    auto it = params.find(name);
    return it == params.end() ? empty : it->second;
  }
  /// Decoded query parameter (first occurrence), if present.
  std::optional<std::string> queryParam(std::string_view name) const;
};

struct Response {
  int status = 200;
  Headers headers;  // Content-Type included
  std::string body;

  Response& set(std::string name, std::string value) {
    for (auto& [key, old] : headers)
      if (iequals(key, name)) {
        old = std::move(value);
        return *this;
      }
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
  std::optional<std::string_view> header(std::string_view name) const {
    return findHeader(headers, name);
  }

  static Response text(int status, std::string body) {
    Response r;
    r.status = status;
    r.body = std::move(body);
    r.set("Content-Type", "text/plain; charset=utf-8");
    return r;
  }
  /// `json` must already be serialized JSON (see mmm/json.hpp for helpers).
  static Response json(int status, std::string json) {
    Response r;
    r.status = status;
    r.body = std::move(json);
    r.set("Content-Type", "application/json");
    return r;
  }
};

using Handler = std::function<Response(Request&)>;

namespace detail {
inline int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace detail

/// Percent-decodes `in`; '+' becomes a space when `plusIsSpace` (query strings).
/// Returns nullopt on a malformed escape.
inline std::optional<std::string> percentDecode(std::string_view in, bool plusIsSpace) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return std::nullopt;
      int hi = detail::hexValue(in[i + 1]), lo = detail::hexValue(in[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plusIsSpace) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

inline std::optional<std::string> Request::queryParam(std::string_view name) const {
  std::string_view rest(query);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    auto eq = pair.find('=');
    auto key = percentDecode(pair.substr(0, eq), true);
    if (!key || *key != name) continue;
    if (eq == std::string_view::npos) return std::string();
    return percentDecode(pair.substr(eq + 1), true);
  }
  return std::nullopt;
}

}  // namespace mmm
