#include "pipeline.hpp"

#include <Poco/Net/HTTPResponse.h>

#include <mmm/json_writer.hpp>

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
  // Details may quote the client's bytes: the output stays valid UTF-8 whatever they were.
  std::string out;
  out.reserve(raw.size() + 2);
  appendJsonString(out, raw);
  return out;
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
