// The request pipeline: a chain of middleware around a terminal handler, built once.
#pragma once

#include <mmm/http.hpp>

#include <functional>
#include <string>
#include <vector>

namespace mmm::core {

using Next = std::function<Response(Request&)>;
using Middleware = std::function<Response(Request&, const Next&)>;

/// Composes `middlewares` (outermost first) around `terminal`.
Handler chain(const std::vector<Middleware>& middlewares, Handler terminal);

/// An application/problem+json response (RFC 9457) with the standard title for `status`.
Response problem(int status, const std::string& detail);

/// JSON string escaping (quotes included), for the few places that write JSON by hand.
std::string jsonQuote(const std::string& text);

}  // namespace mmm::core
