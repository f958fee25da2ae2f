// The smallest useful plugin: a configurable greeting at GET /hello/{name}.
//
//   plugins:
//     - name: hello
//       config: {greeting: "Howdy"}
#include <mmm/mmm.hpp>

namespace {

class HelloPlugin final : public mmm::Plugin {
 public:
  mmm::ConfigSchema configSchema() const override {
    return mmm::ConfigSchema::map({
        {"greeting", mmm::ConfigSchema::string().withDefault("Hello")},
    });
  }

  void start(mmm::Host& host) override {
    greeting_ = host.config()["greeting"].as<std::string>();
    auto log = host.logger();
    host.route("GET", "/hello/{name}", [this, log](mmm::Request& request) {
      const std::string& name = request.param("name");
      if (name.size() > 64) throw mmm::HttpError(400, "name is longer than 64 bytes");
      log->debug("{} greeting {}", request.id, name);
      Poco::JSON::Object body;
      body.set("greeting", greeting_ + ", " + name + "!");
      return mmm::jsonResponse(200, body);
    });
    // What GET /v1/openapi.json says of it.
    host.schema("Greeting", R"({"type":"object","required":["greeting"],"properties":{"greeting":{"type":"string"}}})");
    host.describe("GET", "/hello/{name}",
                  mmm::RouteDoc("A greeting")
                      .path("name", R"({"type":"string","maxLength":64})", "Who to greet")
                      .answer(200, "The greeting", mmm::RouteDoc::ref("Greeting"))
                      .answer(400, "The name is longer than 64 bytes"));
  }

 private:
  std::string greeting_;
};

}  // namespace

MMM_PLUGIN(hello, HelloPlugin, "1.0.0", "", "")
