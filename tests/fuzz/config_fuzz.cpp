// libFuzzer target: a YAML configuration file through the host's whole load-and-check path:
// parseYaml, readSettings (the core's schema and its own checks), then each enabled bundled
// plugin's `config:` node against that plugin's schema, as PluginHost::load does.
//
// The schemas are the plugins' own: at start the target reads the bundled plugins' names from
// config/mmm.yaml (the embedded default enables every one), dlopens libmmm_<name>.so from
// MMM_FUZZ_PLUGIN_DIR (the build's bin/), and asks each for configSchema(). Nothing of the
// fuzz input is ever loaded as a library.
//
// Property: a ConfigError (what makes mmm-server exit 78 with file:line:column) or a valid
// configuration whose values read as their schema says (readSettings reads the core's with
// as<T>(), expectShape each plugin's); nothing else thrown, no crash, no sanitizer report,
// no hang.
#include "config.hpp"
#include "settings.hpp"

#include <mmm/abi.hpp>
#include <mmm/error.hpp>
#include <mmm/plugin.hpp>

#include <dlfcn.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <map>
#include <string>
#include <typeinfo>

#ifndef MMM_SOURCE_DIR
#error "build with -DMMM_SOURCE_DIR=\"…\" (tests/fuzz/run.sh does)"
#endif

namespace {

using mmm::ConfigSchema;

std::map<std::string, ConfigSchema>& schemas() {
  static std::map<std::string, ConfigSchema> bundled;
  return bundled;
}

[[noreturn]] void broken(const std::string& what) {
  std::fprintf(stderr, "config_fuzz: %s\n", what.c_str());
  std::abort();
}

// A validated node holds, for every field of `schema`, a value of its kind (defaults filled
// in), as the code reading it with as<T>() expects.
void expectShape(const YAML::Node& node, const ConfigSchema& schema, const std::string& path) {
  try {
    switch (schema.kind()) {
      case ConfigSchema::Kind::Any:
        return;
      case ConfigSchema::Kind::Map:
        if (!node.IsMap()) broken(path + ": not a map after validation");
        for (const auto& field : schema.fields()) {
          const YAML::Node value = node[field.name];
          if (!value) {
            if (field.schema.isRequired() || field.schema.defaultValue()) broken(path + "." + field.name + " missing");
            continue;
          }
          expectShape(value, field.schema, path + "." + field.name);
        }
        return;
      case ConfigSchema::Kind::List:
        if (!node.IsSequence()) broken(path + ": not a list after validation");
        for (const auto& item : node) expectShape(item, schema.item(), path + "[]");
        return;
      case ConfigSchema::Kind::String:
        node.as<std::string>();
        return;
      case ConfigSchema::Kind::Integer: {
        const auto value = node.as<long long>();
        if ((schema.min() && value < *schema.min()) || (schema.max() && value > *schema.max()))
          broken(path + ": integer out of its range after validation");
        return;
      }
      case ConfigSchema::Kind::Number:
        node.as<double>();
        return;
      case ConfigSchema::Kind::Boolean:
        node.as<bool>();
        return;
    }
  } catch (const YAML::Exception& e) {
    broken(path + ": does not read as its schema says: " + e.what());
  }
}

void loadBundledSchemas() {
  const char* dir = std::getenv("MMM_FUZZ_PLUGIN_DIR");
  if (!dir || !*dir) broken("set MMM_FUZZ_PLUGIN_DIR to the folder of the built plugins (build/bin)");
  const std::string defaults = MMM_SOURCE_DIR "/config/mmm.yaml";
  const auto settings = mmm::core::readSettings(mmm::core::loadYamlFile(defaults), defaults);
  for (const auto& entry : settings.plugins) {
    const std::string file = std::string(dir) + "/libmmm_" + entry.name + ".so";
    void* handle = ::dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);  // kept for the whole run
    if (!handle) broken("cannot load " + file + ": " + ::dlerror() + " (build the plugins first)");
    auto entryFn = reinterpret_cast<mmm_plugin_entry_fn>(::dlsym(handle, MMM_PLUGIN_ENTRY_SYMBOL));
    const mmm_plugin_descriptor* descriptor = entryFn ? entryFn() : nullptr;
    if (!descriptor || descriptor->abi_major != MMM_ABI_MAJOR || entry.name != descriptor->name)
      broken(file + " is not the bundled plugin '" + entry.name + "' of this ABI");
    mmm::Plugin* plugin = descriptor->create();
    if (!plugin) broken(file + ": create() failed");
    schemas().emplace(entry.name, plugin->configSchema());
    descriptor->destroy(plugin);
  }
  if (schemas().empty()) broken(defaults + " enables no plugin");
  std::fprintf(stderr, "config_fuzz: schemas of %zu bundled plugins loaded from %s\n", schemas().size(), dir);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  try {
    loadBundledSchemas();
  } catch (const std::exception& e) {
    broken(std::string("the default configuration does not load: ") + e.what());
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string origin = "fuzz.yaml";
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const YAML::Node raw = mmm::core::parseYaml(text, origin);
    const auto settings = mmm::core::readSettings(raw, origin);
    for (const auto& entry : settings.plugins) {
      const auto schema = schemas().find(entry.name);
      if (!entry.enabled || schema == schemas().end()) continue;  // the host would look for its file
      YAML::Node config = entry.config ? entry.config : YAML::Node(YAML::NodeType::Map);
      if (config.IsNull()) config = YAML::Node(YAML::NodeType::Map);
      expectShape(mmm::core::validate(config, schema->second, origin), schema->second, entry.name);
    }
  } catch (const mmm::ConfigError& e) {
    if (std::string(e.what()).rfind(origin, 0) != 0) broken(std::string("a config error without its file: ") + e.what());
  } catch (const std::exception& e) {
    broken(std::string("not a ConfigError: ") + typeid(e).name() + ": " + e.what());
  }
  return 0;
}
