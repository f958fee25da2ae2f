// JSON helpers for handlers: the 415 rule, parsing into a 400 on bad input, serializing.
#pragma once

#include <mmm/error.hpp>
#include <mmm/http.hpp>
#include <mmm/text.hpp>

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <sstream>
#include <string>

namespace mmm {

/// True when the Content-Type names application/json (parameters such as charset allowed).
inline bool isJsonContentType(std::string_view contentType) {
  auto semi = contentType.find(';');
  std::string_view type = contentType.substr(0, semi);
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.remove_prefix(1);
  return iequals(type, "application/json");
}

/// Throws 415 unless the request declares a JSON body.
inline void requireJson(const Request& request) {
  auto type = request.header("Content-Type");
  if (!type || !isJsonContentType(*type))
    throw HttpError(415, "the request body must be application/json");
}

/// Applies the 415 rule, then parses the body as a JSON object (400 if it is not one).
inline Poco::JSON::Object::Ptr parseJsonObject(const Request& request) {
  requireJson(request);
  if (!isValidUtf8(request.body)) throw HttpError(400, "the request body is not valid UTF-8");
  Poco::Dynamic::Var value;
  try {
    Poco::JSON::Parser parser;  // default nesting limit (128) kept on purpose
    value = parser.parse(request.body);
  } catch (const Poco::Exception& e) {
    throw HttpError(400, "malformed JSON: " + e.message());
  }
  if (value.type() != typeid(Poco::JSON::Object::Ptr))
    throw HttpError(400, "the request body must be a JSON object");
  return value.extract<Poco::JSON::Object::Ptr>();
}

inline std::string toJson(const Poco::Dynamic::Var& value) {
  std::ostringstream out;
  Poco::JSON::Stringifier::condense(value, out);
  return out.str();
}

inline Response jsonResponse(int status, const Poco::Dynamic::Var& value) {
  return Response::json(status, toJson(value));
}

}  // namespace mmm
