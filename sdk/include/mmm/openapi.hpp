// What a plugin says about its routes, from which the server builds its OpenAPI 3.1
// document (`GET /v1/openapi.json`) at run time: only the enabled plugins' routes, so a
// disabled plugin's paths are absent. Schemas are JSON Schema (2020-12, as OpenAPI 3.1
// has it) written as JSON text, checked when declared:
//
//   host.schema("Event", R"({"type":"object","properties":{"id":{"type":"integer"}, …}})");
//   host.route("GET", "/v1/events/{id}", getEvent);
//   host.describe("GET", "/v1/events/{id}",
//                 RouteDoc("An event, with its line-up")
//                     .path("id", R"({"type":"integer","minimum":1})")
//                     .answer(200, "The event", RouteDoc::ref("Event"))
//                     .answer(404, "No such event"));
//
// An answer of 400 and up without a schema is a problem document (application/problem+json,
// RFC 9457), as every error the host sends is. A path parameter not declared with path() is
// a string. `{"$ref":"#/components/schemas/NAME"}` (RouteDoc::ref) names a schema that some
// enabled plugin declared with Host::schema.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace mmm {

struct RouteDoc {
  struct Parameter {
    std::string name;
    std::string in;      // "path", "query" or "header"
    std::string schema;  // JSON Schema text
    bool required = false;
    std::string description;
  };
  struct Answer {
    int status = 200;
    std::string description;
    std::string schema;       // JSON Schema text; empty: no body (or a problem document, for ≥ 400)
    std::string contentType;  // empty: application/json (application/problem+json for ≥ 400)
  };

  std::string summary;      // one line
  std::string description;  // optional, CommonMark
  bool signedIn = false;    // needs a session (Bearer token or the session cookie)
  std::vector<Parameter> parameters;
  std::string requestSchema;  // JSON Schema text of the request body; empty: no body
  std::string requestContentType = "application/json";
  std::vector<Answer> answers;

  RouteDoc() = default;
  explicit RouteDoc(std::string summaryLine) : summary(std::move(summaryLine)) {}

  /// `{"$ref":"#/components/schemas/NAME"}`.
  static std::string ref(const std::string& name) {
    return "{\"$ref\":\"#/components/schemas/" + name + "\"}";
  }
  /// A JSON array of `itemSchema`.
  static std::string arrayOf(const std::string& itemSchema) {
    return "{\"type\":\"array\",\"items\":" + itemSchema + "}";
  }

  RouteDoc& describe(std::string text) {
    description = std::move(text);
    return *this;
  }
  /// The route needs a session: 401 without one (documented for you).
  RouteDoc& needsSession() {
    signedIn = true;
    return *this;
  }
  RouteDoc& path(std::string name, std::string schema = R"({"type":"string"})", std::string text = {}) {
    parameters.push_back({std::move(name), "path", std::move(schema), true, std::move(text)});
    return *this;
  }
  RouteDoc& query(std::string name, std::string schema = R"({"type":"string"})", std::string text = {},
                  bool required = false) {
    parameters.push_back({std::move(name), "query", std::move(schema), required, std::move(text)});
    return *this;
  }
  RouteDoc& header(std::string name, std::string schema = R"({"type":"string"})", std::string text = {},
                   bool required = false) {
    parameters.push_back({std::move(name), "header", std::move(schema), required, std::move(text)});
    return *this;
  }
  RouteDoc& body(std::string schema, std::string contentType = "application/json") {
    requestSchema = std::move(schema);
    requestContentType = std::move(contentType);
    return *this;
  }
  RouteDoc& answer(int status, std::string text, std::string schema = {}, std::string contentType = {}) {
    answers.push_back({status, std::move(text), std::move(schema), std::move(contentType)});
    return *this;
  }
};

}  // namespace mmm
