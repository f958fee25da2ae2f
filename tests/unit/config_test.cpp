#include "config.hpp"
#include "settings.hpp"

#include <mmm/error.hpp>

#include <gtest/gtest.h>

#include <cstdlib>

using mmm::ConfigError;
using mmm::ConfigSchema;
using mmm::core::parseYaml;
using mmm::core::readSettings;
using mmm::core::validate;

namespace {

// The ConfigError message for `yaml` against the core schema, or "" if it is valid.
std::string settingsError(const std::string& yaml) {
  try {
    readSettings(parseYaml(yaml, "mmm.yaml"), "mmm.yaml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Config, UnknownKeyIsReportedWithFileLineAndColumn) {
  EXPECT_EQ(settingsError("server:\n  listen: '127.0.0.1:1'\n  treads: 4\n"),
            "mmm.yaml:3:3: unknown key 'treads' (expected one of: listen, io_threads, threads, active_workers, queue, "
            "backlog, max_connections, keep_alive, keep_alive_timeout_s, max_keep_alive_requests, "
            "header_timeout_s, request_timeout_s, body_min_rate_bytes_s, send_timeout_s, max_header_bytes, "
            "max_body_bytes, shutdown_timeout_s, trusted_proxies, public_url)");
  EXPECT_EQ(settingsError("logging: {}\n"),
            "mmm.yaml:1:1: unknown key 'logging' (expected one of: server, cors, log, web, metrics, "
            "store, sessions, bus, hub, plugins)");
}

TEST(Config, WrongTypeIsReportedWithFileLineAndColumn) {
  EXPECT_EQ(settingsError("server:\n  threads: many\n"),
            "mmm.yaml:2:12: expected an integer, got 'many'");
  EXPECT_EQ(settingsError("log:\n  access: yes please\n"),
            "mmm.yaml:2:11: expected a boolean (true or false), got 'yes please'");
  EXPECT_EQ(settingsError("cors:\n  allowed_origins: 'x'\n"),
            "mmm.yaml:2:20: expected a list, got 'x'");
  EXPECT_EQ(settingsError("server: [1, 2]\n"), "mmm.yaml:1:9: expected a mapping, got a list");
}

TEST(Config, MissingRequiredValueIsReported) {
  EXPECT_EQ(settingsError("plugins:\n  - enabled: true\n"),
            "mmm.yaml:2:5: missing required key 'name' (a string)");
  EXPECT_EQ(settingsError("plugins:\n  - name:\n"), "mmm.yaml:2:5: missing value for 'name'");
}

TEST(Config, RangesAndChoicesAreChecked) {
  EXPECT_EQ(settingsError("server: {threads: -1}\n"),
            "mmm.yaml:1:19: expected a value from 0 to 1024, got -1");
  EXPECT_EQ(settingsError("log: {format: xml}\n"),
            "mmm.yaml:1:15: expected one of text, json, got 'xml'");
  EXPECT_EQ(settingsError("server: {listen: 'localhost'}\n"),
            "mmm.yaml:1:18: expected HOST:PORT, got 'localhost'");
  EXPECT_EQ(settingsError("plugins: [{name: 'Bad Name'}]\n"),
            "mmm.yaml:1:18: plugin names are lower-case letters, digits and '_', got 'Bad Name'");
}

TEST(Config, ZeroThreadsSizesTheWorkersToTheCpusAndTheStore) {
  using mmm::Dialect;
  using mmm::core::workersFor;
  // Handlers run SQLite themselves: about two workers a CPU. MariaDB's mostly wait. Never
  // fewer than 16, room for a burst of slow requests.
  EXPECT_EQ(workersFor(Dialect::SQLite, 1), 16);
  EXPECT_EQ(workersFor(Dialect::SQLite, 2), 16);
  EXPECT_EQ(workersFor(Dialect::SQLite, 32), 64);
  EXPECT_EQ(workersFor(Dialect::MySQL, 2), 16);
  EXPECT_EQ(workersFor(Dialect::MySQL, 4), 32);
  EXPECT_EQ(workersFor(Dialect::MySQL, 256), 1024);  // the most server.threads may say
  ASSERT_GE(mmm::core::usableCpus(), 1);
  // Read as on 8 CPUs, where the two kinds of store differ (16 and 64).
  const auto read = [](const std::string& yaml) {
    return readSettings(parseYaml(yaml, "t.yaml"), "t.yaml", {}, 8).http.threads;
  };
  EXPECT_EQ(read("server: {threads: 0}\n"), 16);
  EXPECT_EQ(read("{}\n"), 16);  // the default
  EXPECT_EQ(read("store: {url: 'mysql://u:p@127.0.0.1:3306/db'}\n"), 64);
  EXPECT_EQ(read("server: {threads: 3}\nstore: {url: 'mysql://u:p@127.0.0.1:3306/db'}\n"), 3);  // as written
  // Without a count, the machine's own.
  EXPECT_EQ(readSettings(parseYaml("{}\n", "t.yaml"), "t.yaml").http.threads,
            workersFor(Dialect::SQLite, mmm::core::usableCpus()));
}

// Of the workers, as many as the CPUs and one more run handlers at once (waits aside); never
// more than there are workers.
TEST(Config, ActiveWorkersDefaultToOneMoreThanTheCpus) {
  const auto active = [](const std::string& yaml, int cpus) {
    return readSettings(parseYaml(yaml, "t.yaml"), "t.yaml", {}, cpus).http.activeWorkers;
  };
  EXPECT_EQ(active("{}\n", 2), 3);
  EXPECT_EQ(active("{}\n", 8), 9);
  EXPECT_EQ(active("store: {url: 'mysql://u:p@127.0.0.1:3306/db'}\n", 8), 9);
  EXPECT_EQ(active("server: {active_workers: 5}\n", 8), 5);  // as written
  EXPECT_EQ(active("server: {threads: 4}\n", 8), 4);          // no more than the workers
  EXPECT_EQ(active("server: {threads: 4, active_workers: 12}\n", 8), 4);
}

TEST(Config, SyntaxErrorIsReportedWithPosition) {
  auto error = settingsError("server:\n  listen: [\n");
  EXPECT_EQ(error.rfind("mmm.yaml:", 0), 0u) << error;
  EXPECT_NE(error.find(":3:"), std::string::npos) << error;
}

TEST(Config, DefaultsAreFilledIn) {
  auto settings = readSettings(parseYaml("", "empty.yaml"), "empty.yaml");
  EXPECT_EQ(settings.http.host, "127.0.0.1");
  EXPECT_EQ(settings.http.port, 8080);
  EXPECT_EQ(settings.http.maxBodyBytes, 1048576);
  EXPECT_EQ(settings.log.format, "text");
  EXPECT_TRUE(settings.plugins.empty());
}

TEST(Config, APublicHttpsUrlMakesTheSessionCookieSecure) {
  auto secure = [](const std::string& yaml) {
    return readSettings(parseYaml(yaml, "mmm.yaml"), "mmm.yaml").sessions.cookieSecure;
  };
  EXPECT_FALSE(secure(""));  // plain-http loopback: a Secure cookie would never come back
  EXPECT_FALSE(secure("server: {public_url: 'http://127.0.0.1:8080'}\n"));
  EXPECT_TRUE(secure("server: {public_url: 'https://meetup.example.org'}\n"));
  EXPECT_TRUE(secure("server: {public_url: 'HTTPS://Meetup.example.org/'}\n"));
  EXPECT_TRUE(secure("sessions: {cookie_secure: true}\n"));
  EXPECT_TRUE(secure("server: {public_url: 'https://meetup.example.org'}\nsessions: {cookie_secure: false}\n"));
  const auto settings = readSettings(parseYaml("server: {public_url: 'https://x.example.org/mmm/'}\n", "a.yaml"), "a.yaml");
  EXPECT_EQ(settings.http.publicUrl, "https://x.example.org/mmm");  // no trailing slash
  for (const char* bad : {"meetup.example.org", "ftp://x.example.org", "https://", "https://x.example.org/?a=1",
                          "https://x.example.org/#top", "https://user@x.example.org"})
    EXPECT_NE(settingsError(std::string("server: {public_url: '") + bad + "'}\n").find("server.public_url: expected"),
              std::string::npos)
        << bad << ": " << settingsError(std::string("server: {public_url: '") + bad + "'}\n");
}

TEST(Config, EnvironmentVariablesAreSubstituted) {
  ::setenv("MMM_TEST_THREADS", "7", 1);
  ::unsetenv("MMM_TEST_UNSET");
  auto settings = readSettings(
      parseYaml("server:\n  threads: ${MMM_TEST_THREADS}\n  listen: '${MMM_TEST_UNSET:-0.0.0.0}:${MMM_TEST_UNSET:-9}'\n",
                "env.yaml"),
      "env.yaml");
  EXPECT_EQ(settings.http.threads, 7);
  EXPECT_EQ(settings.http.host, "0.0.0.0");
  EXPECT_EQ(settings.http.port, 9);
  EXPECT_EQ(settingsError("server: {listen: '${MMM_TEST_UNSET}'}\n"),
            "mmm.yaml:1:18: environment variable MMM_TEST_UNSET is not set (write "
            "${MMM_TEST_UNSET:-default} to give a default)");
  // Substituted values are type-checked like written ones.
  ::setenv("MMM_TEST_THREADS", "lots", 1);
  EXPECT_EQ(settingsError("server: {threads: '${MMM_TEST_THREADS}'}\n"),
            "mmm.yaml:1:19: expected an integer, got 'lots'");
  EXPECT_EQ(mmm::core::substituteEnv("cost $${HOME}", "x"), "cost ${HOME}");
}

TEST(Config, PluginEntriesKeepTheirOwnConfigForTheirSchema) {
  auto settings = readSettings(parseYaml("plugins:\n  - name: hello\n    enabled: false\n"
                                         "    config: {greeting: hi, extra: 1}\n",
                                         "p.yaml"),
                               "p.yaml");
  ASSERT_EQ(settings.plugins.size(), 1u);
  EXPECT_EQ(settings.plugins[0].name, "hello");
  EXPECT_FALSE(settings.plugins[0].enabled);
  EXPECT_EQ(settings.plugins[0].where, "p.yaml:2:5");
  auto schema = ConfigSchema::map({{"greeting", ConfigSchema::string().required()}});
  try {
    validate(settings.plugins[0].config, schema, "p.yaml");
    FAIL() << "extra key accepted";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "p.yaml:4:28: unknown key 'extra' (expected one of: greeting)");
  }
}

TEST(Config, EmbeddedDefaultIsValid) {
  auto settings = readSettings(parseYaml(mmm::core::embeddedDefaultConfig(), "mmm.yaml"), "mmm.yaml");
  EXPECT_EQ(settings.http.port, 8080);
  EXPECT_TRUE(settings.web.enabled);
}

// yaml-cpp 0.7 stops at 500 levels instead of overflowing the stack (CVE-2017-5950), with the
// message "bad file"; the error says what is wrong, where. The config fuzzer has such seeds.
TEST(Config, DeepNestingIsAClearErrorNotAStackOverflow) {
  for (const std::string& deep : {"plugins: [{name: users, config: " + std::string(10000, '[') +
                                      std::string(10000, ']') + "}]\n",
                                  "server: " + std::string(10000, '{'),
                                  [] {
                                    std::string block = "x:\n";
                                    for (int i = 0; i < 1000; ++i) block += std::string(i, ' ') + "-\n";
                                    return block;
                                  }()}) {
    const auto error = settingsError(deep);
    EXPECT_EQ(error.rfind("mmm.yaml:", 0), 0u) << error;
    EXPECT_NE(error.find("nested more than 499 levels deep"), std::string::npos) << error;
  }
  // 400 levels are still read (and then checked against the schema like any other value).
  EXPECT_EQ(settingsError("server: {listen: " + std::string(400, '[') + std::string(400, ']') + "}\n"),
            "mmm.yaml:1:18: expected a string, got a list");
}

TEST(Config, ATextLargerThanTheLimitIsRefusedBeforeParsing) {
  const auto error = settingsError("# " + std::string(mmm::core::kMaxConfigBytes, 'x') + "\n");
  EXPECT_EQ(error, "mmm.yaml: larger than 1 MiB: is this the configuration file?");
  EXPECT_NE(settingsError("# " + std::string(mmm::core::kMaxConfigBytes - 10, 'x') + "\nx: 1\n").find("unknown key 'x'"),
            std::string::npos);
}
