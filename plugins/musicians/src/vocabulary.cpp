#include "vocabulary.hpp"

#include <mmm/json_writer.hpp>
#include <mmm/text.hpp>

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <stdexcept>

namespace mmm::musicians {

const std::vector<std::string>& instrumentFamilies() {
  static const std::vector<std::string> families = {"strings", "keys",  "percussion", "brass",
                                                    "woodwind", "voice", "electronic", "other"};
  return families;
}

bool isValidSlug(const std::string& slug) {
  if (slug.empty() || slug.size() > 40 || slug.front() == '-' || slug.back() == '-') return false;
  for (std::size_t i = 0; i < slug.size(); ++i) {
    const char c = slug[i];
    if (c == '-') {
      if (slug[i - 1] == '-') return false;
    } else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
      return false;
    }
  }
  return true;
}

Vocabulary::Vocabulary(std::vector<VocabularyEntry> builtIn, const std::vector<VocabularyEntry>& extra,
                       bool withFamily)
    : entries_(std::move(builtIn)) {
  for (const auto& e : entries_) slugs_.insert(e.slug);
  for (const auto& e : extra) {
    if (!isValidSlug(e.slug))
      throw std::invalid_argument("slug '" + e.slug + "' must be lowercase ASCII letters and digits joined by '-', at most 40 characters");
    if (slugs_.count(e.slug)) throw std::invalid_argument("slug '" + e.slug + "' is already in the vocabulary");
    if (e.name.empty() || !isValidUtf8(e.name) || utf8Length(e.name) > 60 || hasControlCharacter(e.name))
      throw std::invalid_argument("the name of '" + e.slug + "' must be 1 to 60 characters of text");
    if (withFamily && std::find(instrumentFamilies().begin(), instrumentFamilies().end(), e.family) ==
                          instrumentFamilies().end())
      throw std::invalid_argument("the family of '" + e.slug + "' is not one of strings, keys, percussion, brass, woodwind, voice, electronic, other");
    slugs_.insert(e.slug);
    entries_.push_back(e);
  }
  JsonWriter json(entries_.size() * 64);
  json.beginArray();
  for (const auto& e : entries_) {
    json.beginObject();
    if (withFamily) json.field("family", e.family);
    json.field("name", e.name).field("slug", e.slug).endObject();
  }
  json_ = json.endArray().take();
}

std::vector<VocabularyEntry> entriesFromConfig(const YAML::Node& list) {
  std::vector<VocabularyEntry> entries;
  if (!list || !list.IsSequence()) return entries;
  for (const auto& item : list) {
    VocabularyEntry e;
    e.slug = item["slug"].as<std::string>();
    e.name = item["name"].as<std::string>();
    if (item["family"]) e.family = item["family"].as<std::string>();
    entries.push_back(std::move(e));
  }
  return entries;
}

std::vector<VocabularyEntry> builtInInstruments() {
  return {
      {"guitar", "Guitar", "strings"},
      {"acoustic-guitar", "Acoustic guitar", "strings"},
      {"electric-guitar", "Electric guitar", "strings"},
      {"bass", "Bass", "strings"},
      {"double-bass", "Double bass", "strings"},
      {"violin", "Violin", "strings"},
      {"fiddle", "Fiddle", "strings"},
      {"viola", "Viola", "strings"},
      {"cello", "Cello", "strings"},
      {"harp", "Harp", "strings"},
      {"banjo", "Banjo", "strings"},
      {"mandolin", "Mandolin", "strings"},
      {"ukulele", "Ukulele", "strings"},
      {"bouzouki", "Bouzouki", "strings"},
      {"sitar", "Sitar", "strings"},
      {"pedal-steel", "Pedal steel guitar", "strings"},
      {"keys", "Keys", "keys"},
      {"piano", "Piano", "keys"},
      {"organ", "Organ", "keys"},
      {"synthesizer", "Synthesizer", "keys"},
      {"accordion", "Accordion", "keys"},
      {"drums", "Drums", "percussion"},
      {"percussion", "Percussion", "percussion"},
      {"cajon", "Cajón", "percussion"},
      {"congas", "Congas", "percussion"},
      {"djembe", "Djembe", "percussion"},
      {"tabla", "Tabla", "percussion"},
      {"vibraphone", "Vibraphone", "percussion"},
      {"marimba", "Marimba", "percussion"},
      {"steel-pan", "Steel pan", "percussion"},
      {"trumpet", "Trumpet", "brass"},
      {"trombone", "Trombone", "brass"},
      {"french-horn", "French horn", "brass"},
      {"tuba", "Tuba", "brass"},
      {"euphonium", "Euphonium", "brass"},
      {"flugelhorn", "Flugelhorn", "brass"},
      {"saxophone", "Saxophone", "woodwind"},
      {"clarinet", "Clarinet", "woodwind"},
      {"flute", "Flute", "woodwind"},
      {"oboe", "Oboe", "woodwind"},
      {"bassoon", "Bassoon", "woodwind"},
      {"recorder", "Recorder", "woodwind"},
      {"tin-whistle", "Tin whistle", "woodwind"},
      {"bagpipes", "Bagpipes", "woodwind"},
      {"harmonica", "Harmonica", "woodwind"},
      {"vocals", "Vocals", "voice"},
      {"backing-vocals", "Backing vocals", "voice"},
      {"beatbox", "Beatbox", "voice"},
      {"rap", "Rap", "voice"},
      {"dj", "DJ", "electronic"},
      {"electronics", "Live electronics", "electronic"},
  };
}

std::vector<VocabularyEntry> builtInGenres() {
  return {
      {"folk", "Folk", ""},           {"jazz", "Jazz", ""},
      {"blues", "Blues", ""},         {"rock", "Rock", ""},
      {"pop", "Pop", ""},             {"punk", "Punk", ""},
      {"metal", "Metal", ""},         {"indie", "Indie", ""},
      {"country", "Country", ""},     {"bluegrass", "Bluegrass", ""},
      {"americana", "Americana", ""}, {"soul", "Soul", ""},
      {"funk", "Funk", ""},           {"r-and-b", "R&B", ""},
      {"hip-hop", "Hip-hop", ""},     {"electronic", "Electronic", ""},
      {"house", "House", ""},         {"techno", "Techno", ""},
      {"reggae", "Reggae", ""},       {"ska", "Ska", ""},
      {"latin", "Latin", ""},         {"salsa", "Salsa", ""},
      {"bossa-nova", "Bossa nova", ""}, {"classical", "Classical", ""},
      {"baroque", "Baroque", ""},     {"choral", "Choral", ""},
      {"gospel", "Gospel", ""},       {"world", "World", ""},
      {"celtic", "Celtic", ""},       {"klezmer", "Klezmer", ""},
      {"flamenco", "Flamenco", ""},   {"afrobeat", "Afrobeat", ""},
      {"swing", "Swing", ""},         {"experimental", "Experimental", ""},
      {"ambient", "Ambient", ""},     {"musical-theatre", "Musical theatre", ""},
      {"singer-songwriter", "Singer-songwriter", ""},
  };
}

}  // namespace mmm::musicians
