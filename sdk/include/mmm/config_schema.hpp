// What a configuration node may contain. The core checks the whole YAML file, and each
// plugin's `config:` node, against a schema before anything starts: an unknown key, a wrong
// type or a missing required value is an error with file:line:column.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mmm {

struct ConfigField;

class ConfigSchema {
 public:
  enum class Kind { String, Integer, Number, Boolean, Map, List, Any };

  static ConfigSchema string() { return ConfigSchema(Kind::String); }
  static ConfigSchema integer() { return ConfigSchema(Kind::Integer); }
  static ConfigSchema number() { return ConfigSchema(Kind::Number); }
  static ConfigSchema boolean() { return ConfigSchema(Kind::Boolean); }
  /// Anything at all, kept as written (after ${ENV} substitution in scalars).
  static ConfigSchema any() { return ConfigSchema(Kind::Any); }
  static ConfigSchema map(std::vector<ConfigField> fields);
  static ConfigSchema list(ConfigSchema item);

  /// The value must be present (and has no default).
  ConfigSchema required() const {
    ConfigSchema s = *this;
    s.required_ = true;
    return s;
  }
  /// Used when the key is absent; written as YAML, e.g. "16", "true", "[]".
  ConfigSchema withDefault(std::string yaml) const {
    ConfigSchema s = *this;
    s.default_ = std::move(yaml);
    return s;
  }
  /// Inclusive bounds for Integer and Number values.
  ConfigSchema range(double min, double max) const {
    ConfigSchema s = *this;
    s.min_ = min;
    s.max_ = max;
    return s;
  }
  /// The only strings allowed.
  ConfigSchema oneOf(std::vector<std::string> values) const {
    ConfigSchema s = *this;
    s.oneOf_ = std::move(values);
    return s;
  }

  Kind kind() const { return kind_; }
  bool isRequired() const { return required_; }
  const std::optional<std::string>& defaultValue() const { return default_; }
  const std::optional<double>& min() const { return min_; }
  const std::optional<double>& max() const { return max_; }
  const std::vector<std::string>& allowed() const { return oneOf_; }
  const std::vector<ConfigField>& fields() const { return *fields_; }
  const ConfigSchema& item() const { return *item_; }

 private:
  explicit ConfigSchema(Kind kind) : kind_(kind) {}

  Kind kind_;
  bool required_ = false;
  std::optional<std::string> default_;
  std::optional<double> min_, max_;
  std::vector<std::string> oneOf_;
  std::shared_ptr<const std::vector<ConfigField>> fields_;
  std::shared_ptr<const ConfigSchema> item_;
};

struct ConfigField {
  std::string name;
  ConfigSchema schema;
};

inline ConfigSchema ConfigSchema::map(std::vector<ConfigField> fields) {
  ConfigSchema s(Kind::Map);
  s.fields_ = std::make_shared<const std::vector<ConfigField>>(std::move(fields));
  return s;
}

inline ConfigSchema ConfigSchema::list(ConfigSchema item) {
  ConfigSchema s(Kind::List);
  s.item_ = std::make_shared<const ConfigSchema>(std::move(item));
  return s;
}

}  // namespace mmm
