#include "pipeline.hpp"

#include <Poco/Net/HTTPResponse.h>

#include <mmm/text.hpp>

#include <cstdio>

namespace mmm::core {

Handler chain(const std::vector<Middleware>& middlewares, Handler terminal) {
  Handler next = std::move(terminal);
  for (auto it = middlewares.rbegin(); it != middlewares.rend(); ++it) {
    next = [middleware = *it, inner = std::move(next)](Request& request) {
      return middleware(request, inner);
    };
  }
  return next;
}

std::string jsonQuote(const std::string& raw) {
  // Details may quote the client's bytes: keep the output valid UTF-8 whatever they were.
  std::string text;
  if (isValidUtf8(raw)) {
    text = raw;
  } else {
    for (unsigned char c : raw) text += c < 0x80 ? std::string(1, static_cast<char>(c)) : "\xEF\xBF\xBD";
  }
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

Response problem(int status, const std::string& detail) {
  const std::string title = Poco::Net::HTTPResponse::getReasonForStatus(
      static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
  Response response;
  response.status = status;
  response.body = "{\"type\":\"about:blank\",\"title\":" + jsonQuote(title) +
                  ",\"status\":" + std::to_string(status) + ",\"detail\":" + jsonQuote(detail) +
                  "}";
  response.set("Content-Type", "application/problem+json");
  return response;
}

}  // namespace mmm::core
