// Test support: an OpenAPI document read by a real validator. openapi_check.mjs runs
// @seriousme/openapi-schema-validator (installed with the browser tests' npm packages) and
// checks the local $refs and every JSON Schema in the document (ajv, 2020-12). The script's
// path comes from tests/CMakeLists.txt (MMM_OPENAPI_CHECK_MJS, MMM_NODE when node was found).
#pragma once

#include "test_http.hpp"

#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>
#include <sys/wait.h>

namespace mmm::test {

struct OpenApiCheckRun {
  int exitCode = -1;  // -1: the checker did not exit normally
  std::string out;    // "valid 3.1" (exit 0)
  std::string err;    // one problem a line (exit 1)
};

/// Runs the checker on `document` (JSON text), whatever it answers.
inline OpenApiCheckRun runOpenApiCheck(const std::string& document) {
#ifndef MMM_NODE
  (void)document;
  throw std::runtime_error("node was not found when the tests were configured: ./scripts/test installs it");
#else
  const auto quote = [](const std::string& text) {
    std::string out = "'";
    for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
  };
  static int counter = 0;
  const std::string base = tempDir() + "/openapi-" + std::to_string(++counter);
  const std::string input = base + ".json", errors = base + ".err";
  std::ofstream(input, std::ios::binary) << document;
  const std::string command =
      quote(MMM_NODE) + " " + quote(MMM_OPENAPI_CHECK_MJS) + " " + quote(input) + " 2>" + quote(errors);
  OpenApiCheckRun run;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) throw std::runtime_error("cannot run " + command);
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) run.out.append(buffer, n);
  const int status = ::pclose(pipe);
  run.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.err = readFile(errors);
  std::remove(input.c_str());
  std::remove(errors.c_str());
  return run;
#endif
}

}  // namespace mmm::test
