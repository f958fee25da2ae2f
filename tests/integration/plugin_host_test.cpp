// The plugin host with real shared libraries (built from tests/plugins/test_plugin.cpp).
#include "test_http.hpp"

#include <mmm/error.hpp>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <unistd.h>

using namespace mmm::test;

namespace {

// The error message for a server with `plugins` (YAML list text), or "" if it starts.
std::string startError(const std::string& plugins) {
  try {
    auto server = startServer("plugins: " + plugins + "\n");
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

std::size_t threadCount() {
  std::size_t count = 0;
  for ([[maybe_unused]] const auto& task : std::filesystem::directory_iterator("/proc/self/task")) ++count;
  return count;
}

std::string tempFile() {
  char pattern[] = "/tmp/mmm-trace-XXXXXX";
  int fd = ::mkstemp(pattern);
  ::close(fd);
  return pattern;
}

}  // namespace

TEST(PluginHost, RefusesAnotherAbiMajorNamingFilePluginAndVersions) {
  const std::string file = binDir() + "/libmmm_bad_major.so";
  EXPECT_EQ(startError("[{name: bad_major}]"),
            file + ": plugin 'bad_major' was built for plugin ABI 99." + std::to_string(MMM_ABI_MINOR) +
                ", but this server provides ABI " +
                std::to_string(MMM_ABI_MAJOR) + "." + std::to_string(MMM_ABI_MINOR) +
                " (the major versions differ)");
}

TEST(PluginHost, RefusesANewerAbiMinor) {
  auto error = startError("[{name: new_minor}]");
  EXPECT_NE(error.find("libmmm_new_minor.so: plugin 'new_minor' was built for plugin ABI " +
                       std::to_string(MMM_ABI_MAJOR) + ".999"),
            std::string::npos)
      << error;
}

TEST(PluginHost, RefusesAnotherBuildKey) {
  auto error = startError("[{name: bad_key}]");
  EXPECT_NE(error.find("plugin 'bad_key'"), std::string::npos) << error;
  EXPECT_NE(error.find("\"some-other-compiler\""), std::string::npos) << error;
  EXPECT_NE(error.find(MMM_BUILD_KEY), std::string::npos) << error;
}

TEST(PluginHost, RefusesALibraryWithoutEntrySymbol) {
  EXPECT_EQ(startError("[{name: no_entry}]"),
            binDir() + "/libmmm_no_entry.so: plugin 'no_entry' has no entry symbol mmm_plugin_entry "
                       "(is it an mmm plugin?)");
}

TEST(PluginHost, RefusesAMissingLibrary) {
  auto error = startError("[{name: ghost, library: /nonexistent/libghost.so}]");
  EXPECT_EQ(error.rfind("test.yaml:5:11: cannot load plugin 'ghost' from /nonexistent/libghost.so: ", 0), 0u)
      << error;
}

TEST(PluginHost, RefusesAMissingDependency) {
  EXPECT_EQ(startError("[{name: beta}, {name: alpha, enabled: false}]"),
            "plugin 'beta' requires plugin 'alpha', which is not enabled");
}

TEST(PluginHost, RefusesACycle) {
  EXPECT_EQ(startError("[{name: cyc_a}, {name: cyc_b}]"),
            "plugin dependency cycle: cyc_a -> cyc_b -> cyc_a");
}

TEST(PluginHost, ValidatesEachPluginsConfigAgainstItsSchema) {
  EXPECT_EQ(startError("[{name: alpha, config: {trace_fil: x}}]"),
            "test.yaml:5:34: unknown key 'trace_fil' (expected one of: trace_file, fail_start, use_store, describe, extra_route)");
}

TEST(PluginHost, StartsInDependencyOrderAndStopsInReverse) {
  const std::string trace = tempFile();
  {
    auto server = startServer("plugins:\n"
                              "  - {name: gamma, config: {trace_file: '" + trace + "'}}\n"
                              "  - {name: beta, config: {trace_file: '" + trace + "'}}\n"
                              "  - {name: alpha, config: {trace_file: '" + trace + "'}}\n");
    EXPECT_EQ(server->pluginOrder(), (std::vector<std::string>{"alpha", "beta", "gamma"}));
    EXPECT_EQ(readFile(trace), "start alpha\nstart beta\nstart gamma\n");
  }
  EXPECT_EQ(readFile(trace),
            "start alpha\nstart beta\nstart gamma\nstop gamma\nstop beta\nstop alpha\n");
  std::remove(trace.c_str());
}

TEST(PluginHost, AFailedStartStopsThoseAlreadyStarted) {
  const std::string trace = tempFile();
  auto error = startError("\n  - {name: alpha, config: {trace_file: '" + trace + "'}}\n"
                          "  - {name: beta, config: {trace_file: '" + trace + "', fail_start: true}}");
  EXPECT_EQ(error, "plugin 'beta' failed to start: told to fail");
  EXPECT_EQ(readFile(trace), "start alpha\nstart beta\nstop alpha\n");
  std::remove(trace.c_str());
}

TEST(PluginHost, AFailedStartStopsTheHubAndBusAndCanBeTriedAgain) {
  auto server = mmm::Server::fromYaml("server: {listen: '127.0.0.1:0', threads: 4}\n"
                                      "log: {level: warn}\nweb: {enabled: false}\n"
                                      "store: {url: '" + tempSqliteUrl() + "'}\n"
                                      "plugins: [{name: alpha}, {name: beta, config: {fail_start: true}}]\n",
                                      "test.yaml");
  server->load();
  const std::size_t before = threadCount();
  for (int attempt = 1; attempt <= 2; ++attempt) {
    try {
      server->start();
      ADD_FAILURE() << "started with a plugin that fails";
    } catch (const std::exception& e) {
      // Not "duplicate route GET /healthz" on the second try.
      EXPECT_STREQ(e.what(), "plugin 'beta' failed to start: told to fail") << "attempt " << attempt;
    }
    EXPECT_EQ(threadCount(), before) << "threads left running after failed start " << attempt;
  }
}

TEST(PluginHost, ATruncatedLibraryIsRefusedNamingTheFileBeforeItIsMapped) {
  // dlopen of a file shorter than its headers say dies of SIGBUS, taking the process along.
  const std::string original = binDir() + "/libmmm_alpha.so";
  const auto size = std::filesystem::file_size(original);
  for (std::uintmax_t keep : {size - 1, size / 2, std::uintmax_t{100}, std::uintmax_t{10}, std::uintmax_t{0}}) {
    const std::string copy = tempDir() + "/libmmm_truncated_" + std::to_string(keep) + ".so";
    std::filesystem::copy_file(original, copy, std::filesystem::copy_options::overwrite_existing);
    std::filesystem::resize_file(copy, keep);
    const auto error = startError("[{name: alpha, library: '" + copy + "'}]");
    EXPECT_NE(error.find("cannot load plugin 'alpha' from " + copy + ": "), std::string::npos) << error;
  }
  EXPECT_EQ(startError("[{name: alpha, library: '" + original + "'}]"), "");  // the whole file loads
}

// The core's paths are its own, whatever the method; a route another plugin has is refused
// too, naming the one that has it. Either way the plugin does not start, and the server
// does not start with it.
TEST(PluginHost, APluginRouteOnACorePathOrAnotherPluginsRouteIsRefused) {
  for (const std::string core : {"GET /healthz", "POST /healthz", "GET /readyz", "GET /metrics", "GET /v1/ws",
                                 "GET /v1/openapi.json", "POST /v1/admin/reload"}) {
    const auto path = core.substr(core.find(' ') + 1);
    EXPECT_EQ(startError("[{name: alpha, config: {extra_route: '" + core + "'}}]"),
              "plugin 'alpha' failed to start: the path " + path + " is the core's")
        << core;
  }
  EXPECT_EQ(startError("[{name: alpha}, {name: beta, config: {extra_route: 'GET /alpha/items/{n}'}}]"),
            "plugin 'beta' failed to start: duplicate route GET /alpha/items/{n} (already /alpha/items/{id})");
  // A path of its own (and a method of its own on a path of its own) is fine.
  EXPECT_EQ(startError("[{name: alpha, config: {extra_route: 'PUT /alpha/items/{id}'}}]"), "");
}

// Routes are published once the plugins have started: one added later is refused, naming
// the plugin, rather than taken and left unserved until a reload.
TEST(PluginHost, ARouteAddedAfterStartIsRefusedNamingThePlugin) {
  auto server = startServer("plugins: [{name: alpha}]\n");
  auto late = request(server->port(), "GET", "/alpha/late-route");
  ASSERT_EQ(late.status, 200);
  EXPECT_EQ(late.body,
            "plugin 'alpha': route GET /alpha/late added after start() returned; routes are added in start()");
  EXPECT_EQ(request(server->port(), "GET", "/alpha/late").status, 404);
}

TEST(PluginHost, DisabledPluginsRoutesAre404WhileTheRestServe) {
  auto server = startServer("plugins: [{name: alpha}, {name: gamma, enabled: false}]\n");
  EXPECT_EQ(request(server->port(), "GET", "/alpha/items/1").status, 200);
  EXPECT_EQ(request(server->port(), "GET", "/gamma/items/1").status, 404);
  auto enabled = startServer("plugins: [{name: alpha}, {name: gamma}]\n");
  EXPECT_EQ(request(enabled->port(), "GET", "/gamma/items/1").status, 200);
}

TEST(PluginHost, DescribeRefusesAnotherRouteARouteTwiceAndABadSchema) {
  EXPECT_EQ(startError("[{name: alpha, config: {describe: foreign}}]"),
            "plugin 'alpha' failed to start: GET /nowhere is not a route of plugin 'alpha'");
  EXPECT_EQ(startError("[{name: alpha}, {name: beta, config: {describe: twice}}]"),
            "plugin 'beta' failed to start: GET /beta/items/{id} is documented already");
  const auto bad = startError("[{name: alpha, config: {describe: bad_schema}}]");
  EXPECT_EQ(bad.rfind("plugin 'alpha' failed to start: POST /alpha/echo: the request schema is not valid JSON", 0), 0u)
      << bad;
}

// The document lists each enabled plugin's routes: those described with what was said, the
// others marked undocumented; a disabled plugin's are absent.
TEST(PluginHost, TheOpenApiDocumentHasTheEnabledPluginsRoutes) {
  auto server = startServer("plugins: [{name: alpha, config: {describe: ok}}, {name: gamma}, {name: beta, enabled: false}]\n");
  auto reply = request(server->port(), "GET", "/v1/openapi.json");
  ASSERT_EQ(reply.status, 200);
  Poco::JSON::Parser parser;
  auto doc = parser.parse(reply.body).extract<Poco::JSON::Object::Ptr>();
  auto paths = doc->getObject("paths");
  auto item = paths->getObject("/alpha/items/{id}")->getObject("get");
  EXPECT_EQ(item->getValue<std::string>("summary"), "An item");
  EXPECT_FALSE(item->has("x-mmm-undocumented"));
  EXPECT_EQ(item->getArray("tags")->getElement<std::string>(0), "alpha");
  EXPECT_TRUE(paths->getObject("/alpha/items/{id}")->getObject("delete")->getValue<bool>("x-mmm-undocumented"));
  EXPECT_TRUE(paths->getObject("/gamma/items/{id}")->getObject("get")->getValue<bool>("x-mmm-undocumented"));
  EXPECT_TRUE(doc->getObject("components")->getObject("schemas")->has("alphaItem"));
  EXPECT_FALSE(paths->has("/beta/items/{id}"));
  EXPECT_TRUE(paths->has("/healthz"));
}

TEST(PluginHost, TwoServersInOneProcessAreIndependent) {
  auto one = startServer("plugins: [{name: alpha}]\n");
  auto two = startServer("plugins: [{name: gamma}]\n");
  EXPECT_NE(one->port(), two->port());
  EXPECT_EQ(request(one->port(), "GET", "/alpha/items/1").status, 200);
  EXPECT_EQ(request(one->port(), "GET", "/gamma/items/1").status, 404);
  EXPECT_EQ(request(two->port(), "GET", "/gamma/items/1").status, 200);
  one->stop();
  EXPECT_EQ(request(two->port(), "GET", "/gamma/items/2").status, 200);
}

TEST(Server, ASecondServerOnOneSqliteFileIsRefusedUntilTheFirstStops) {
  const std::string url = tempSqliteUrl();
  auto make = [&] {
    return mmm::Server::fromYaml("server: {listen: '127.0.0.1:0', threads: 4}\nlog: {level: warn}\n"
                                 "web: {enabled: false}\nstore: {url: '" + url + "'}\nplugins: [{name: alpha}]\n",
                                 "test.yaml");
  };
  auto first = make();
  first->start();
  auto second = make();
  try {
    second->start();
    ADD_FAILURE() << "two servers started on one SQLite file";
  } catch (const std::exception& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("is using the SQLite store " + url.substr(7)), std::string::npos) << message;
    EXPECT_NE(message.find(".lock"), std::string::npos) << message;
  }
  EXPECT_EQ(request(first->port(), "GET", "/alpha/items/1").status, 200);  // the first is unharmed
  first->stop();
  second->start();  // free again
  EXPECT_EQ(request(second->port(), "GET", "/alpha/items/1").status, 200);
}
