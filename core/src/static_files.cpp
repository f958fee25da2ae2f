#include "static_files.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <cctype>
#include <climits>
#include <cstdlib>
#include <ctime>
#include <sys/stat.h>

namespace mmm::core {
namespace {

std::optional<std::string> canonical(const std::string& path) {
  char resolved[PATH_MAX];
  if (!::realpath(path.c_str(), resolved)) return std::nullopt;
  return std::string(resolved);
}

std::string httpDate(time_t when) {
  char buf[64];
  struct tm tm;
  gmtime_r(&when, &tm);
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

// Rejects anything that could name a file outside the root before touching the disk:
// "." and ".." segments (the path is already percent-decoded, so %2e%2e lands here),
// backslashes and NUL bytes; and every segment starting with '.', which names what a
// folder keeps to itself (.git, .env, .htpasswd), never something to publish.
bool safeRelativePath(const std::string& path) {
  if (path.empty() || path[0] != '/') return false;
  if (path.find('\0') != std::string::npos || path.find('\\') != std::string::npos) return false;
  std::size_t start = 1;
  while (start <= path.size()) {
    auto slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    std::string segment = path.substr(start, slash - start);
    if (!segment.empty() && segment[0] == '.') return false;
    start = slash + 1;
  }
  return true;
}

}  // namespace

std::string contentTypeFor(const std::string& path) {
  static const std::pair<const char*, const char*> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".htm", "text/html; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".webmanifest", "application/manifest+json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".webp", "image/webp"},
      {".ico", "image/x-icon"},
      {".woff", "font/woff"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
      {".wasm", "application/wasm"},
  };
  auto dot = path.rfind('.');
  auto slash = path.rfind('/');
  if (dot != std::string::npos && (slash == std::string::npos || dot > slash)) {
    std::string ext = path.substr(dot);
    for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (const auto& [suffix, type] : kTypes)
      if (ext == suffix) return type;
  }
  return "application/octet-stream";
}

StaticFiles::StaticFiles(const std::string& root, int maxAgeSeconds, std::string contentSecurityPolicy)
    : maxAgeSeconds_(maxAgeSeconds), contentSecurityPolicy_(std::move(contentSecurityPolicy)) {
  auto resolved = canonical(root);
  struct stat st;
  if (!resolved || ::stat(resolved->c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    throw std::runtime_error("web root '" + root + "' is not a directory");
  root_ = *resolved;
  if (root_.size() > 1 && root_.back() == '/') root_.pop_back();
}

bool StaticFiles::contains(const std::string& path) const {
  std::error_code error;
  // weakly_canonical: the folder may not exist yet (the store makes it at its first use).
  const std::string resolved = std::filesystem::weakly_canonical(std::filesystem::absolute(path), error).string();
  if (error) return false;
  return resolved == root_ || resolved.rfind(root_ == "/" ? root_ : root_ + "/", 0) == 0;
}

std::optional<Response> StaticFiles::serve(const Request& request) const {
  if (!safeRelativePath(request.path)) return std::nullopt;
  auto resolved = canonical(root_ + request.path);
  // A symlink inside the root may still point outside it: check the resolved path.
  if (!resolved || (*resolved != root_ && resolved->rfind(root_ + "/", 0) != 0))
    return std::nullopt;
  struct stat st;
  if (::stat(resolved->c_str(), &st) != 0) return std::nullopt;
  std::string file = *resolved;
  if (S_ISDIR(st.st_mode)) {
    if (request.path.back() != '/') {
      // Redirect so that relative links inside index.html resolve against the directory.
      // One leading '/' only: "//js/" would be a protocol-relative URL, i.e. another host.
      const auto firstNonSlash = request.rawPath.find_first_not_of('/');
      const std::string path = "/" + request.rawPath.substr(std::min(firstNonSlash, request.rawPath.size()));
      Response redirect = Response::text(301, "moved\n");
      redirect.set("Location", path + "/" + (request.query.empty() ? "" : "?" + request.query));
      return redirect;
    }
    file += "/index.html";
    if (::stat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  } else if (!S_ISREG(st.st_mode)) {
    return std::nullopt;
  }

  const std::string etag = "\"" + std::to_string(st.st_size) + "-" +
                           std::to_string(static_cast<long long>(st.st_mtim.tv_sec)) + "-" +
                           std::to_string(st.st_mtim.tv_nsec) + "\"";
  const auto type = contentTypeFor(file);
  // HTML, scripts and styles are revalidated every time (a 304 when unchanged), so a new
  // release shows at once and whole: their names carry no version, and a module cached from
  // the last release beside one of this release would break the page. Other files (images,
  // fonts) may be cached for web.max_age_s.
  const bool revalidated = type.rfind("text/html", 0) == 0 || type.rfind("text/javascript", 0) == 0 ||
                           type.rfind("text/css", 0) == 0;
  Response response;
  response.set("ETag", etag);
  response.set("Last-Modified", httpDate(st.st_mtim.tv_sec));
  response.set("Cache-Control", revalidated ? "no-cache" : "public, max-age=" + std::to_string(maxAgeSeconds_));
  response.set("X-Content-Type-Options", "nosniff");
  if (!contentSecurityPolicy_.empty()) response.set("Content-Security-Policy", contentSecurityPolicy_);
  response.set("Referrer-Policy", "same-origin");
  response.set("X-Frame-Options", "DENY");  // for browsers without CSP's frame-ancestors
  auto ifNoneMatch = request.header("If-None-Match");
  if (ifNoneMatch && (*ifNoneMatch == etag || *ifNoneMatch == "*")) {
    response.status = 304;
    return response;
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream body;
  body << in.rdbuf();
  response.status = 200;
  response.body = body.str();
  response.set("Content-Type", contentTypeFor(file));
  return response;
}

}  // namespace mmm::core
