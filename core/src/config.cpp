#include "config.hpp"

#include <mmm/error.hpp>

#include <yaml-cpp/depthguard.h>  // YAML::DeepRecursion (yaml-cpp 0.7)

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

namespace mmm::core {
namespace {

std::string markText(const YAML::Mark& mark, const std::string& origin) {
  if (mark.is_null()) return origin;
  return origin + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

[[noreturn]] void fail(const YAML::Node& node, const std::string& origin, const std::string& what) {
  throw ConfigError(where(node, origin) + ": " + what);
}

const char* kindName(ConfigSchema::Kind kind) {
  switch (kind) {
    case ConfigSchema::Kind::String: return "a string";
    case ConfigSchema::Kind::Integer: return "an integer";
    case ConfigSchema::Kind::Number: return "a number";
    case ConfigSchema::Kind::Boolean: return "a boolean (true or false)";
    case ConfigSchema::Kind::Map: return "a mapping";
    case ConfigSchema::Kind::List: return "a list";
    case ConfigSchema::Kind::Any: return "any value";
  }
  return "a value";
}

std::string nodeKind(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Scalar: return "'" + node.Scalar() + "'";
    default: return "nothing";
  }
}

void checkRange(const YAML::Node& node, const std::string& origin, const ConfigSchema& schema,
                double value) {
  if ((schema.min() && value < *schema.min()) || (schema.max() && value > *schema.max())) {
    std::ostringstream expected;
    expected.precision(15);  // whole bounds as written (1000000, not 1e+06)
    expected << "expected a value from " << *schema.min() << " to " << *schema.max() << ", got "
             << node.Scalar();
    fail(node, origin, expected.str());
  }
}

YAML::Node validateScalar(const YAML::Node& node, const ConfigSchema& schema,
                          const std::string& origin) {
  if (!node.IsScalar())
    fail(node, origin, std::string("expected ") + kindName(schema.kind()) + ", got " + nodeKind(node));
  std::string value = substituteEnv(node.Scalar(), where(node, origin));
  switch (schema.kind()) {
    case ConfigSchema::Kind::String:
      if (!schema.allowed().empty()) {
        bool ok = false;
        std::string list;
        for (const auto& allowed : schema.allowed()) {
          ok = ok || allowed == value;
          list += (list.empty() ? "" : ", ") + allowed;
        }
        if (!ok) fail(node, origin, "expected one of " + list + ", got '" + value + "'");
      }
      return YAML::Node(value);
    case ConfigSchema::Kind::Integer: {
      long long parsed = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), parsed);
      if (value.empty() || ec != std::errc() || end != value.data() + value.size())
        fail(node, origin, "expected an integer, got '" + value + "'");
      checkRange(node, origin, schema, static_cast<double>(parsed));
      return YAML::Node(parsed);
    }
    case ConfigSchema::Kind::Number: {
      char* end = nullptr;
      errno = 0;
      double parsed = std::strtod(value.c_str(), &end);
      if (value.empty() || errno != 0 || *end != '\0' || !std::isfinite(parsed))
        fail(node, origin, "expected a number, got '" + value + "'");
      checkRange(node, origin, schema, parsed);
      return YAML::Node(parsed);
    }
    case ConfigSchema::Kind::Boolean:
      if (value == "true") return YAML::Node(true);
      if (value == "false") return YAML::Node(false);
      fail(node, origin, "expected a boolean (true or false), got '" + value + "'");
    default:
      fail(node, origin, "internal: not a scalar schema");
  }
}

YAML::Node validateNode(const YAML::Node& node, const ConfigSchema& schema,
                        const std::string& origin);

// A default is YAML text in the schema; each is parsed once (a file that sets little takes
// some 70 defaults, and parsing is 15 times the cost of a copy), and a copy handed out.
YAML::Node parsedDefault(const std::string& yaml) {
  static std::mutex mutex;
  static std::map<std::string, YAML::Node> parsed;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = parsed.find(yaml);
  if (it == parsed.end()) it = parsed.emplace(yaml, YAML::Load(yaml)).first;
  return YAML::Clone(it->second);
}

YAML::Node validateMap(const YAML::Node& node, const ConfigSchema& schema,
                       const std::string& origin) {
  if (!node.IsMap()) fail(node, origin, "expected a mapping, got " + nodeKind(node));
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string key = it->first.Scalar();
    bool known = false;
    for (const auto& field : schema.fields()) known = known || field.name == key;
    if (!known) {
      std::string names;
      for (const auto& field : schema.fields()) names += (names.empty() ? "" : ", ") + field.name;
      fail(it->first, origin,
           "unknown key '" + key + "'" +
               (names.empty() ? std::string(" (no keys are allowed here)")
                              : " (expected one of: " + names + ")"));
    }
  }
  YAML::Node out(YAML::NodeType::Map);
  for (const auto& field : schema.fields()) {
    YAML::Node value = node[field.name];
    if (value && !value.IsNull()) {
      out[field.name] = validateNode(value, field.schema, origin);
    } else if (field.schema.defaultValue()) {
      YAML::Node def = parsedDefault(*field.schema.defaultValue());
      out[field.name] = validateNode(def, field.schema, origin + " (default of " + field.name + ")");
    } else if (field.schema.isRequired()) {
      for (auto it = node.begin(); it != node.end(); ++it)
        if (it->first.Scalar() == field.name)
          fail(it->first, origin, "missing value for '" + field.name + "'");
      fail(node, origin, "missing required key '" + field.name + "' (" +
                             kindName(field.schema.kind()) + ")");
    }
  }
  return out;
}

YAML::Node validateNode(const YAML::Node& node, const ConfigSchema& schema,
                        const std::string& origin) {
  switch (schema.kind()) {
    case ConfigSchema::Kind::Any:
      return node;
    case ConfigSchema::Kind::Map:
      return validateMap(node, schema, origin);
    case ConfigSchema::Kind::List: {
      if (!node.IsSequence()) fail(node, origin, "expected a list, got " + nodeKind(node));
      YAML::Node out(YAML::NodeType::Sequence);
      for (const auto& item : node) out.push_back(validateNode(item, schema.item(), origin));
      return out;
    }
    default:
      return validateScalar(node, schema, origin);
  }
}

}  // namespace

std::string where(const YAML::Node& node, const std::string& origin) {
  return markText(node.Mark(), origin);
}

YAML::Node parseYaml(const std::string& text, const std::string& origin) {
  if (text.size() > kMaxConfigBytes)
    throw ConfigError(origin + ": larger than " + std::to_string(kMaxConfigBytes >> 20) +
                      " MiB: is this the configuration file?");
  try {
    YAML::Node root = YAML::Load(text);
    if (!root || root.IsNull()) return YAML::Node(YAML::NodeType::Map);
    return root;
  } catch (const YAML::DeepRecursion& e) {
    // yaml-cpp's guard against a stack overflow (CVE-2017-5950); its message is "bad file".
    throw ConfigError(markText(e.mark, origin) + ": nested more than " + std::to_string(e.depth() - 1) +
                      " levels deep");
  } catch (const YAML::ParserException& e) {
    throw ConfigError(markText(e.mark, origin) + ": " + e.msg);
  }
}

YAML::Node loadYamlFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path + ": cannot read the configuration file");
  std::string text(kMaxConfigBytes + 1, '\0');  // one byte more tells a file that is too large
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  return parseYaml(text, path);
}

std::string substituteEnv(const std::string& value, const std::string& where) {
  std::string out;
  for (std::size_t i = 0; i < value.size();) {
    if (value.compare(i, 3, "$${") == 0) {
      out += "${";
      i += 3;
      continue;
    }
    if (value.compare(i, 2, "${") != 0) {
      out += value[i++];
      continue;
    }
    auto close = value.find('}', i + 2);
    if (close == std::string::npos) throw ConfigError(where + ": unterminated '${' in '" + value + "'");
    std::string inner = value.substr(i + 2, close - i - 2);
    std::string name = inner, fallback;
    bool hasFallback = false;
    if (auto sep = inner.find(":-"); sep != std::string::npos) {
      name = inner.substr(0, sep);
      fallback = inner.substr(sep + 2);
      hasFallback = true;
    }
    if (name.empty()) throw ConfigError(where + ": empty variable name in '" + value + "'");
    const char* env = std::getenv(name.c_str());
    if (env && *env) {
      out += env;
    } else if (hasFallback) {
      out += fallback;
    } else {
      throw ConfigError(where + ": environment variable " + name +
                        " is not set (write ${" + name + ":-default} to give a default)");
    }
    i = close + 1;
  }
  return out;
}

YAML::Node validate(const YAML::Node& node, const ConfigSchema& schema, const std::string& origin) {
  return validateNode(node, schema, origin);
}

}  // namespace mmm::core
