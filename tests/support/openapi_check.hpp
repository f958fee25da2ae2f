// Test support: an OpenAPI document read by a real validator. openapi_check.mjs runs
// @seriousme/openapi-schema-validator (installed with the browser tests' npm packages) and
// checks the local $refs and every JSON Schema in the document (ajv, 2020-12). The script's
// path comes from tests/CMakeLists.txt (MMM_OPENAPI_CHECK_MJS, MMM_NODE when node was found).
#pragma once

#include "checker_run.hpp"

#include <stdexcept>
#include <string>

namespace mmm::test {

/// `out`: "valid 3.1" (exit 0); `err`: one problem a line (exit 1).
using OpenApiCheckRun = CheckerRun;

/// Runs the checker on `document` (JSON text), whatever it answers.
inline OpenApiCheckRun runOpenApiCheck(const std::string& document) {
#ifndef MMM_NODE
  (void)document;
  throw std::runtime_error("node was not found when the tests were configured: ./scripts/test installs it");
#else
  return runChecker(shellQuote(MMM_NODE) + " " + shellQuote(MMM_OPENAPI_CHECK_MJS), "openapi", "json", document);
#endif
}

}  // namespace mmm::test
