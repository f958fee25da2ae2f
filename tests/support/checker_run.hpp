// Test support: runs an outside checker (a python or node script) on a file holding what the
// server produced, and keeps its exit code, standard output and standard error.
#pragma once

#include "test_http.hpp"

#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>
#include <sys/wait.h>

namespace mmm::test {

struct CheckerRun {
  int exitCode = -1;  // -1: the checker did not exit normally
  std::string out;    // what it printed
  std::string err;    // its standard error (the reasons, when it rejects)
};

/// `text` in single quotes for /bin/sh.
inline std::string shellQuote(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

/// Writes `content` to a fresh temporary file `<name>-N.<extension>`, runs `command FILE`
/// (`command` already quoted), and removes the file again.
inline CheckerRun runChecker(const std::string& command, const std::string& name, const std::string& extension,
                             const std::string& content) {
  static int counter = 0;
  const std::string base = tempDir() + "/" + name + "-" + std::to_string(++counter);
  const std::string input = base + "." + extension, errors = base + ".err";
  std::ofstream(input, std::ios::binary) << content;
  const std::string line = command + " " + shellQuote(input) + " 2>" + shellQuote(errors);
  CheckerRun run;
  FILE* pipe = ::popen(line.c_str(), "r");
  if (!pipe) throw std::runtime_error("cannot run " + line);
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) run.out.append(buffer, n);
  const int status = ::pclose(pipe);
  run.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.err = readFile(errors);
  std::remove(input.c_str());
  std::remove(errors.c_str());
  return run;
}

}  // namespace mmm::test
