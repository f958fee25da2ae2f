// The one error type a handler throws to answer a client error. The core turns it into an
// application/problem+json response (RFC 9457); anything else thrown becomes a logged 500.
#pragma once

#include <mmm/abi.hpp>
#include <mmm/http.hpp>

#include <stdexcept>
#include <string>

namespace mmm {

// Default visibility: the host must be able to catch these when a plugin throws them.
class MMM_EXPORT HttpError : public std::runtime_error {
 public:
  HttpError(int status, std::string detail, Headers headers = {})
      : std::runtime_error(detail),
        status_(status),
        detail_(std::move(detail)),
        headers_(std::move(headers)) {}

  int status() const noexcept { return status_; }
  const std::string& detail() const noexcept { return detail_; }
  /// Extra response headers, e.g. Allow on 405 or Retry-After on 429.
  const Headers& headers() const noexcept { return headers_; }

 private:
  int status_;
  std::string detail_;
  Headers headers_;
};

/// A dependency (database, session store, bus) cannot be reached right now: answered 503
/// with Retry-After. Thrown by the store and session store; handlers normally let it pass.
class MMM_EXPORT Unavailable : public HttpError {
 public:
  explicit Unavailable(std::string detail) : HttpError(503, std::move(detail), {{"Retry-After", "1"}}) {}
};

/// A configuration that cannot be used; `what()` starts with "file:line:column: ".
class MMM_EXPORT ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A plugin that cannot be loaded or started (ABI, dependencies, missing symbol, …).
class MMM_EXPORT PluginError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace mmm
