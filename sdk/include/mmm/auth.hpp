// The caller, for handlers of routes that need a session.
#pragma once

#include <mmm/error.hpp>
#include <mmm/http.hpp>

namespace mmm {

/// The request's session (looked up now if not yet), or a 401 (403 when a cookie-only session came with an unsafe
/// method from an origin that is not allowed).
inline const SessionInfo& authenticated(Request& request) {
  if (!request.session && request.resolveSession) {
    auto resolve = std::move(request.resolveSession);
    request.resolveSession = nullptr;
    resolve(request);  // may throw Unavailable (503) when the session store is down
  }
  if (request.session) return *request.session;
  if (!request.sessionRefusal.empty()) throw HttpError(403, request.sessionRefusal);
  throw HttpError(401, "sign in first: no valid session token", {{"WWW-Authenticate", "Bearer"}});
}

}  // namespace mmm
