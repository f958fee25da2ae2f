// The instrument and genre vocabularies: built in, plus what the plugin's config adds.
#pragma once

#include <mmm/musicians.hpp>

#include <string>
#include <unordered_set>
#include <vector>

namespace YAML {
class Node;
}

namespace mmm::musicians {

/// The families an instrument may belong to.
const std::vector<std::string>& instrumentFamilies();

/// True for lowercase ASCII letters and digits in words joined by single '-', 1 to 40
/// characters ("double-bass"; not "-bass", "bass-", "Bass", "double--bass").
bool isValidSlug(const std::string& slug);

class Vocabulary {
 public:
  /// The built-in entries followed by `extra` ones. Throws std::invalid_argument naming the
  /// entry when an extra slug is malformed, a duplicate, or a name is empty or too long.
  Vocabulary(std::vector<VocabularyEntry> builtIn, const std::vector<VocabularyEntry>& extra, bool withFamily);

  const std::vector<VocabularyEntry>& entries() const { return entries_; }
  bool contains(const std::string& slug) const { return slugs_.count(slug) > 0; }
  /// The entries as the API's JSON array, written once.
  const std::string& json() const { return json_; }

 private:
  std::vector<VocabularyEntry> entries_;
  std::unordered_set<std::string> slugs_;
  std::string json_;
};

std::vector<VocabularyEntry> builtInInstruments();
std::vector<VocabularyEntry> builtInGenres();

/// The entries of a config list (`instruments:` or `genres:`, already schema-checked).
std::vector<VocabularyEntry> entriesFromConfig(const YAML::Node& list);

}  // namespace mmm::musicians
