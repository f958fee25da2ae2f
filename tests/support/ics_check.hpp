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

#include "checker_run.hpp"

#include <stdexcept>
#include <string>

namespace mmm::test {

/// `out`: the JSON summary (exit 0); `err`: the reason (exit 1).
using IcsCheckRun = CheckerRun;

/// Runs the checker of `parser` ("python" or "icaljs") on `icsBytes`, whatever it answers.
inline IcsCheckRun runIcsCheck(const std::string& icsBytes, const std::string& parser) {
  std::string command;
  if (parser == "python") {
    // Debian's python (python3-icalendar), not whatever python3 is first on the PATH.
    command = shellQuote("/usr/bin/python3") + " " + shellQuote(MMM_ICS_CHECK_PY);
  } else if (parser == "icaljs") {
#ifdef MMM_NODE
    command = shellQuote(MMM_NODE) + " " + shellQuote(MMM_ICS_CHECK_MJS);
#else
    throw std::runtime_error("node was not found when the tests were configured: ./scripts/test installs it");
#endif
  } else {
    throw std::invalid_argument("no iCalendar checker called " + parser);
  }
  return runChecker(command, "feed", "ics", icsBytes);
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
