#include "vocabulary.hpp"

#include <gtest/gtest.h>

#include <set>

using namespace mmm::musicians;

TEST(Vocabulary, BuiltInListsAreLargeEnoughWithValidUniqueSlugs) {
  const auto instruments = builtInInstruments();
  const auto genres = builtInGenres();
  EXPECT_GE(instruments.size(), 40u);
  EXPECT_GE(genres.size(), 25u);
  std::set<std::string> seen;
  for (const auto& e : instruments) {
    EXPECT_TRUE(isValidSlug(e.slug)) << e.slug;
    EXPECT_TRUE(seen.insert(e.slug).second) << e.slug;
    EXPECT_FALSE(e.name.empty());
  }
  for (const char* required : {"guitar", "bass", "drums", "keys", "vocals", "violin", "fiddle", "cello", "double-bass",
                               "trumpet", "saxophone", "trombone", "clarinet", "flute", "banjo", "mandolin", "ukulele",
                               "accordion", "harmonica", "percussion", "dj"})
    EXPECT_TRUE(seen.count(required)) << required;
  seen.clear();
  for (const auto& e : genres) {
    EXPECT_TRUE(isValidSlug(e.slug)) << e.slug;
    EXPECT_TRUE(seen.insert(e.slug).second) << e.slug;
  }
}

TEST(Vocabulary, Slugs) {
  for (const std::string& good : std::vector<std::string>{"bass", "double-bass", "a", "x9", "r-and-b", std::string(40, 'a')})
    EXPECT_TRUE(isValidSlug(good)) << good;
  for (const std::string& bad : std::vector<std::string>{"", "Bass", "-bass", "bass-", "double--bass", "double bass", "bäss", "bass_guitar",
                                 std::string(41, 'a')})
    EXPECT_FALSE(isValidSlug(bad)) << bad;
}

TEST(Vocabulary, ConfigAddsEntriesAfterTheBuiltInOnes) {
  Vocabulary v(builtInInstruments(), {{"nyckelharpa", "Nyckelharpa", "strings"}}, true);
  EXPECT_TRUE(v.contains("nyckelharpa"));
  EXPECT_TRUE(v.contains("bass"));
  EXPECT_FALSE(v.contains("kazoo"));
  EXPECT_EQ(v.entries().back().slug, "nyckelharpa");
  EXPECT_NE(v.json().find(R"({"family":"strings","name":"Nyckelharpa","slug":"nyckelharpa"})"), std::string::npos);
  Vocabulary genres(builtInGenres(), {}, false);
  EXPECT_EQ(genres.json().find("family"), std::string::npos);
}

TEST(Vocabulary, BadConfigEntriesAreRefusedWithTheirSlug) {
  const auto refused = [](std::vector<mmm::VocabularyEntry> extra, bool family = true) {
    try {
      Vocabulary(builtInInstruments(), extra, family);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(refused({{"Kazoo", "Kazoo", "other"}}).find("'Kazoo'"), std::string::npos);
  EXPECT_NE(refused({{"bass", "Bass again", "strings"}}).find("already"), std::string::npos);
  EXPECT_NE(refused({{"kazoo", "Kazoo", "other"}, {"kazoo", "Kazoo", "other"}}).find("already"), std::string::npos);
  EXPECT_NE(refused({{"kazoo", "", "other"}}).find("name"), std::string::npos);
  EXPECT_NE(refused({{"kazoo", "Kazoo", "kitchen"}}).find("family"), std::string::npos);
  EXPECT_EQ(refused({{"kazoo", "Kazoo", "other"}}), "");
}
