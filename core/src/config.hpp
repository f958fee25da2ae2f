// Loading YAML and checking it against a ConfigSchema, with ${ENV} substitution.
#pragma once

#include <mmm/config_schema.hpp>

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <string>

namespace mmm::core {

/// A configuration is a page of YAML: past this size it is refused before parsing, so memory
/// stays bounded whatever file is named.
constexpr std::size_t kMaxConfigBytes = 1 << 20;

/// Parses YAML text; a syntax error becomes ConfigError("origin:line:col: …"), and so does
/// nesting deeper than yaml-cpp's recursion guard allows (its own message says "bad file").
YAML::Node parseYaml(const std::string& text, const std::string& origin);

/// Reads and parses a file; an unreadable or too large file is a ConfigError naming it.
YAML::Node loadYamlFile(const std::string& path);

/// Replaces ${NAME} and ${NAME:-default} in `value`; `$${` stays a literal `${`.
/// `where` ("file:line:col") prefixes the error for an unset variable without default.
std::string substituteEnv(const std::string& value, const std::string& where);

/// Checks `node` against `schema` and returns a new tree with defaults filled in and
/// environment variables substituted in every scalar the schema types. `any` nodes are
/// passed through as written (their marks kept, for a later, more specific check).
/// Throws ConfigError("origin:line:col: …") on the first problem.
YAML::Node validate(const YAML::Node& node, const ConfigSchema& schema, const std::string& origin);

/// "origin:line:col" for a node (1-based), or just origin when the node has no mark.
std::string where(const YAML::Node& node, const std::string& origin);

}  // namespace mmm::core
