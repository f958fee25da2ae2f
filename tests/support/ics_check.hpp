// Test support: calendar feeds read back by real iCalendar parsers. ics_check.py (Debian's
// python3-icalendar) and ics_check.mjs (Mozilla's ical.js, installed with the browser tests'
// npm packages) check the raw bytes (CRLF, 75 octets, UTF-8, BEGIN/END) and the VEVENTs'
// properties, then print the same JSON summary:
//   {"name": X-WR-CALNAME or null, "events": [{"uid", "summary", "location", "description",
//    "url", "status", "sequence", "start", "end", "stamp" ("2026-12-06T18:00:00Z"),
//    "geo": [lat, lon] or null}]}
// The scripts' paths come from tests/CMakeLists.txt (MMM_ICS_CHECK_PY, MMM_ICS_CHECK_MJS,
// MMM_NODE when node was found).
#pragma once

#include "test_http.hpp"

#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>
#include <sys/wait.h>

namespace mmm::test {

struct IcsCheckRun {
  int exitCode = -1;  // -1: the checker did not exit normally
  std::string out;    // the JSON summary (exit 0)
  std::string err;    // the reason (exit 1)
};

/// Runs the checker of `parser` ("python" or "icaljs") on `icsBytes`, whatever it answers.
inline IcsCheckRun runIcsCheck(const std::string& icsBytes, const std::string& parser) {
  const auto quote = [](const std::string& text) {
    std::string out = "'";
    for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
  };
  std::string command;
  if (parser == "python") {
    // Debian's python (python3-icalendar), not whatever python3 is first on the PATH.
    command = quote("/usr/bin/python3") + " " + quote(MMM_ICS_CHECK_PY);
  } else if (parser == "icaljs") {
#ifdef MMM_NODE
    command = quote(MMM_NODE) + " " + quote(MMM_ICS_CHECK_MJS);
#else
    throw std::runtime_error("node was not found when the tests were configured: ./scripts/test installs it");
#endif
  } else {
    throw std::invalid_argument("no iCalendar checker called " + parser);
  }
  static int counter = 0;
  const std::string base = tempDir() + "/feed-" + std::to_string(++counter);
  const std::string input = base + ".ics", errors = base + ".err";
  std::ofstream(input, std::ios::binary) << icsBytes;
  command += " " + quote(input) + " 2>" + quote(errors);
  IcsCheckRun run;
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
}

/// The JSON summary `parser` ("python" or "icaljs") prints for `icsBytes`; a feed it rejects
/// throws (the test fails with the checker's reason and the feed).
inline std::string checkIcs(const std::string& icsBytes, const std::string& parser) {
  IcsCheckRun run = runIcsCheck(icsBytes, parser);
  if (run.exitCode != 0)
    throw std::runtime_error("the " + parser + " iCalendar checker rejects the feed (exit " +
                             std::to_string(run.exitCode) + "): " + run.err + "the feed (its first 4000 octets):\n" + icsBytes.substr(0, 4000));
  return run.out;
}

}  // namespace mmm::test
