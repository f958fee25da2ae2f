// Serves files under one root directory: content types, index.html for directories,
// ETag/Last-Modified revalidation, no way out of the root and no dot-files.
#pragma once

#include <mmm/http.hpp>

#include <optional>
#include <string>

namespace mmm::core {

class StaticFiles {
 public:
  /// Throws std::runtime_error if `root` is not a readable directory.
  /// `contentSecurityPolicy` (if not empty) goes with every file, with the other
  /// protective headers (nosniff, Referrer-Policy, X-Frame-Options).
  StaticFiles(const std::string& root, int maxAgeSeconds, std::string contentSecurityPolicy = {});

  /// True when `path` (a file or folder, which need not exist) is the root or under it.
  bool contains(const std::string& path) const;

  /// nullopt when there is no such file under the root (the caller answers 404).
  /// `request.path` must be the decoded path.
  std::optional<Response> serve(const Request& request) const;

 private:
  std::string root_;  // canonical, without a trailing '/'
  int maxAgeSeconds_;
  std::string contentSecurityPolicy_;
};

/// The content type for a file name, by extension.
std::string contentTypeFor(const std::string& path);

}  // namespace mmm::core
