// One source, several test plugins (see tests/CMakeLists.txt): TEST_PLUGIN_ID names it,
// TEST_PLUGIN_REQUIRES / TEST_PLUGIN_OPTIONAL wire dependencies, and the TEST_PLUGIN_ABI_*
// and TEST_PLUGIN_BUILD_KEY macros fake a plugin built against another SDK; TEST_PLUGIN_VERSION
// gives a second build of one plugin (a library replaced on disk, for the reload tests).
#include <mmm/mmm.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <fstream>
#include <thread>

#ifndef TEST_PLUGIN_REQUIRES
#define TEST_PLUGIN_REQUIRES ""
#endif
#ifndef TEST_PLUGIN_OPTIONAL
#define TEST_PLUGIN_OPTIONAL ""
#endif
#ifndef TEST_PLUGIN_VERSION
#define TEST_PLUGIN_VERSION "0.0.1"
#endif

namespace {

const std::string kId = MMM_STRINGIFY(TEST_PLUGIN_ID);

class TestPlugin final : public mmm::Plugin {
 public:
  mmm::ConfigSchema configSchema() const override {
    using S = mmm::ConfigSchema;
    return S::map({
        {"trace_file", S::string().withDefault("''")},
        {"fail_start", S::boolean().withDefault("false")},
        {"use_store", S::boolean().withDefault("false")},
        {"describe", S::string().withDefault("''")},
        {"extra_route", S::string().withDefault("''")},  // "METHOD /path": one more route, answering 200
    });
  }

  void start(mmm::Host& host) override {
    traceFile_ = host.config()["trace_file"].as<std::string>();
    trace("start");
    if (host.config()["fail_start"].as<bool>()) throw std::runtime_error("told to fail");
    const std::string base = "/" + kId;
    if (const auto extra = host.config()["extra_route"].as<std::string>(); !extra.empty()) {
      const auto space = extra.find(' ');
      host.route(extra.substr(0, space), extra.substr(space + 1),
                 [](mmm::Request&) { return mmm::Response::json(200, "{}"); });
    }
    host.route("GET", base + "/items/{id}", [](mmm::Request& request) {
      return mmm::Response::json(200, "{\"plugin\":\"" + kId + "\",\"id\":\"" + request.param("id") + "\"}");
    });
    host.route("GET", base + "/items/special", [](mmm::Request&) {
      return mmm::Response::text(200, "special");
    });
    host.route("DELETE", base + "/items/{id}", [](mmm::Request&) {
      return mmm::Response::text(200, "deleted");
    });
    host.route("POST", base + "/echo", [](mmm::Request& request) {
      auto object = mmm::parseJsonObject(request);
      return mmm::jsonResponse(200, object);
    });
    host.route("GET", base + "/throw", [](mmm::Request&) -> mmm::Response {
      throw std::runtime_error("boom");
    });
    host.route("GET", base + "/conflict", [](mmm::Request&) -> mmm::Response {
      throw mmm::HttpError(409, "already there", {{"Retry-After", "3"}});
    });
    if (host.config()["use_store"].as<bool>()) addStoreRoutes(host, base);
    // Answers 503 if this plugin was stopped while the request was in it (a live reload must
    // wait for requests in a plugin before stopping it).
    host.route("GET", base + "/alive", [stopped = stopped_](mmm::Request& request) {
      int ms = std::stoi(request.queryParam("ms").value_or("20"));
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min(ms, 1000)));
      if (*stopped) return mmm::Response::text(503, "stopped under a request");
      return mmm::Response::text(200, "alive");
    });
    describe(host, base, host.config()["describe"].as<std::string>());
    // Tries to add a route from a request, after start() returned: the answer is the error.
    host.route("GET", base + "/late-route", [&host, base](mmm::Request&) {
      try {
        host.route("GET", base + "/late", [](mmm::Request&) { return mmm::Response::text(200, "late"); });
      } catch (const std::logic_error& e) {
        return mmm::Response::text(200, e.what());
      }
      return mmm::Response::text(200, "added");
    });
    host.route("GET", base + "/slow", [](mmm::Request& request) {
      int ms = std::stoi(request.queryParam("ms").value_or("500"));
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min(ms, 10000)));
      return mmm::Response::text(200, "done");
    });
  }

  void stop() override {
    *stopped_ = true;
    trace("stop");
  }

  // What the plugin says of its routes for /v1/openapi.json: "ok" documents one route (the
  // others stay undocumented); "foreign", "twice" and "bad_schema" make Host::describe refuse.
  static void describe(mmm::Host& host, const std::string& base, const std::string& how) {
    if (how.empty()) return;
    const auto item = mmm::RouteDoc("An item")
                          .path("id", R"({"type":"integer","minimum":1})")
                          .answer(200, "The item", mmm::RouteDoc::ref(kId + "Item"))
                          .answer(404, "No such item");
    if (how == "ok") {
      host.schema(kId + "Item", R"({"type":"object","properties":{"plugin":{"type":"string"},"id":{"type":"string"}}})");
      host.describe("GET", base + "/items/{id}", item);
    } else if (how == "foreign") {
      host.describe("GET", "/nowhere", mmm::RouteDoc("Nothing").answer(200, "OK"));
    } else if (how == "twice") {
      host.describe("GET", base + "/items/{id}", item);
      host.describe("GET", base + "/items/{id}", item);
    } else if (how == "bad_schema") {
      host.describe("POST", base + "/echo", mmm::RouteDoc("Echo").body("{not json").answer(200, "The body"));
    }
  }

  // Routes over the store and the sessions, for the back-end and fault tests.
  static void addStoreRoutes(mmm::Host& host, const std::string& base) {
    using namespace Poco::Data::Keywords;
    mmm::Store& store = host.store();
    store.migrate(kId, {{1, "items", {"CREATE TABLE " + kId + "_items (id {{pk}}, name VARCHAR(255) NOT NULL){{table_options}}"}}});
    host.route("POST", base + "/db/items", [&store](mmm::Request& request) {
      std::string name = request.queryParam("name").value_or("item");
      auto id = store.transaction([&](mmm::DbSession& session) {
        session << "INSERT INTO " + kId + "_items (name) VALUES (?)", use(name), now;
        return store.lastInsertId(session);
      });
      return mmm::Response::json(201, "{\"id\":" + std::to_string(id) + "}");
    });
    host.route("GET", base + "/db/items/count", [&store](mmm::Request&) {
      auto count = store.read([&](mmm::DbSession& session) {
        Poco::Int64 n = 0;
        session << "SELECT COUNT(*) FROM " + kId + "_items", into(n), now;
        return n;
      });
      return mmm::Response::json(200, "{\"count\":" + std::to_string(count) + "}");
    });
    // Every name, one per line (the crash test counts them).
    host.route("GET", base + "/db/items/names", [&store](mmm::Request&) {
      auto names = store.read([&](mmm::DbSession& session) {
        std::vector<std::string> all;
        session << "SELECT name FROM " + kId + "_items ORDER BY id", into(all), now;
        return all;
      });
      std::string text;
      for (const auto& name : names) text += name + "\n";
      return mmm::Response::text(200, text);
    });
    mmm::Sessions& sessions = host.sessions();
    host.route("POST", base + "/sessions", [&sessions](mmm::Request& request) {
      return mmm::Response::text(201, sessions.create(request.queryParam("state").value_or("")));
    });
    host.route("GET", base + "/sessions/{token}", [&sessions](mmm::Request& request) {
      auto state = sessions.find(request.param("token"));
      if (!state) throw mmm::HttpError(401, "no such session");
      return mmm::Response::text(200, *state);
    });
  }

 private:
  void trace(const char* what) {
    if (traceFile_.empty()) return;
    std::ofstream(traceFile_, std::ios::app) << what << " " << kId << "\n";
  }
  std::string traceFile_;
  std::shared_ptr<std::atomic<bool>> stopped_ = std::make_shared<std::atomic<bool>>(false);
};

}  // namespace

#if defined(TEST_PLUGIN_NO_ENTRY)
// Deliberately exports no entry symbol.
extern "C" MMM_EXPORT int not_a_plugin_entry(void) { return 0; }
#elif defined(TEST_PLUGIN_ABI_MAJOR) || defined(TEST_PLUGIN_ABI_MINOR) || defined(TEST_PLUGIN_BUILD_KEY)
#ifndef TEST_PLUGIN_ABI_MAJOR
#define TEST_PLUGIN_ABI_MAJOR MMM_ABI_MAJOR
#endif
#ifndef TEST_PLUGIN_ABI_MINOR
#define TEST_PLUGIN_ABI_MINOR MMM_ABI_MINOR
#endif
#ifndef TEST_PLUGIN_BUILD_KEY
#define TEST_PLUGIN_BUILD_KEY MMM_BUILD_KEY
#endif
// A descriptor as a plugin built against another SDK would carry it.
extern "C" MMM_EXPORT const mmm_plugin_descriptor* mmm_plugin_entry(void) {
  static const mmm_plugin_descriptor descriptor = {
      TEST_PLUGIN_ABI_MAJOR, TEST_PLUGIN_ABI_MINOR, sizeof(mmm_plugin_descriptor),
      TEST_PLUGIN_BUILD_KEY, MMM_STRINGIFY(TEST_PLUGIN_ID), "0.0.1", "", "",
      []() noexcept -> mmm::Plugin* { return new TestPlugin(); },
      [](mmm::Plugin* p) noexcept { delete p; }};
  return &descriptor;
}
#else
MMM_PLUGIN(TEST_PLUGIN_ID, TestPlugin, TEST_PLUGIN_VERSION, TEST_PLUGIN_REQUIRES, TEST_PLUGIN_OPTIONAL)
#endif
