#include "musician_profile.hpp"

#include <mmm/error.hpp>

#include <Poco/JSON/Parser.h>

#include <gtest/gtest.h>

#include "test_vocabularies.hpp"

using namespace mmm::musicians;
using mmm::musicians::test::genres;
using mmm::musicians::test::instruments;

namespace {

MusicianProfile parse(const std::string& body) {
  Poco::JSON::Parser parser;
  return parseProfileBody(parser.parse(body).extract<Poco::JSON::Object::Ptr>(), instruments(), genres());
}

std::string refusal(const std::string& body) {
  return test::refusal([&] { parse(body); });
}

}  // namespace

TEST(MusicianProfile, EmptyBodyIsTheEmptyProfile) {
  auto p = parse("{}");
  EXPECT_TRUE(p.instruments.empty() && p.genres.empty() && p.links.empty());
  EXPECT_EQ(p.bio, "");
  EXPECT_FALSE(p.available);
  EXPECT_FALSE(p.area);
}

TEST(MusicianProfile, FullBodyWithRounding) {
  auto p = parse(R"({"instruments":[{"slug":"bass","level":"advanced"},{"slug":"fiddle","level":"pro"}],
    "genres":["folk","jazz"],"bio":"Line one\nline two","links":["https://soundcloud.com/bob"],
    "seeking":"a drummer","available":true,"area":{"name":"Ballard, Seattle","lat":47.6749,"lon":-122.385}})");
  ASSERT_EQ(p.instruments.size(), 2u);
  EXPECT_EQ(p.instruments[1].slug, "fiddle");
  EXPECT_EQ(p.instruments[1].level, mmm::MusicianLevel::Pro);
  EXPECT_EQ(p.genres, (std::vector<std::string>{"folk", "jazz"}));
  EXPECT_TRUE(p.available);
  ASSERT_TRUE(p.area);
  EXPECT_EQ(p.area->latE2, 4767);
  EXPECT_EQ(p.area->lonE2, -12239);
}

TEST(MusicianProfile, BoundsAtAndPastTheirLimits) {
  auto instrumentsList = [](int n, bool repeat = false) {
    const auto all = builtInInstruments();
    std::string out = "[";
    for (int i = 0; i < n; ++i)
      out += std::string(i ? "," : "") + R"({"slug":")" + all[repeat ? 0 : i].slug + R"(","level":"pro"})";
    return out + "]";
  };
  auto genresList = [](int n) {
    const auto all = builtInGenres();
    std::string out = "[";
    for (int i = 0; i < n; ++i) out += std::string(i ? "," : "") + "\"" + all[i].slug + "\"";
    return out + "]";
  };
  auto links = [](int n, const std::string& link) {
    std::string out = "[";
    for (int i = 0; i < n; ++i) out += std::string(i ? "," : "") + "\"" + link + "\"";
    return out + "]";
  };
  EXPECT_EQ(refusal(R"({"instruments":)" + instrumentsList(10) + "}"), "accepted");
  EXPECT_EQ(refusal(R"({"instruments":)" + instrumentsList(11) + "}").substr(0, 15), "400 instruments");
  EXPECT_EQ(refusal(R"({"instruments":)" + instrumentsList(2, true) + "}").substr(0, 15), "400 instruments");
  EXPECT_EQ(refusal(R"({"genres":)" + genresList(10) + "}"), "accepted");
  EXPECT_EQ(refusal(R"({"genres":)" + genresList(11) + "}").substr(0, 10), "400 genres");
  EXPECT_EQ(refusal(R"({"genres":["folk","folk"]})").substr(0, 10), "400 genres");
  EXPECT_EQ(refusal(R"({"bio":")" + std::string(2000, 'b') + "\"}"), "accepted");
  EXPECT_EQ(refusal(R"({"bio":")" + std::string(2001, 'b') + "\"}").substr(0, 7), "400 bio");
  EXPECT_EQ(refusal(R"({"bio":")" + std::string(1000, 'b') + R"(\n)" + std::string(999, 'b') + "\"}"), "accepted");
  EXPECT_EQ(refusal(R"({"seeking":")" + std::string(280, 's') + "\"}"), "accepted");
  EXPECT_EQ(refusal(R"({"seeking":")" + std::string(281, 's') + "\"}").substr(0, 11), "400 seeking");
  EXPECT_EQ(refusal(R"({"seeking":"a\nb"})").substr(0, 11), "400 seeking");
  const std::string link500 = "https://example.org/" + std::string(480, 'x');
  EXPECT_EQ(refusal(R"({"links":)" + links(5, link500) + "}"), "accepted");
  EXPECT_EQ(refusal(R"({"links":)" + links(6, "https://example.org/") + "}").substr(0, 9), "400 links");
  EXPECT_EQ(refusal(R"({"links":)" + links(1, link500 + "x") + "}").substr(0, 9), "400 links");
  for (const char* bad : {"http://example.org/", "https://", "https:///path", "ftp://example.org", "example.org",
                          "https://exa mple.org", "javascript:alert(1)", "//example.org"})
    EXPECT_EQ(refusal(R"({"links":[")" + std::string(bad) + "\"]}").substr(0, 9), "400 links") << bad;
  EXPECT_EQ(refusal(R"({"area":{"name":")" + std::string(100, 'n') + R"(","lat":0,"lon":0}})"), "accepted");
  EXPECT_EQ(refusal(R"({"area":{"name":")" + std::string(101, 'n') + R"(","lat":0,"lon":0}})").substr(0, 13), "400 area.name");
  EXPECT_EQ(refusal(R"({"area":{"name":"N","lat":90,"lon":180}})"), "accepted");
  EXPECT_EQ(refusal(R"({"area":{"name":"S","lat":-90,"lon":-180}})"), "accepted");
  EXPECT_EQ(refusal(R"({"area":{"name":"x","lat":90.001,"lon":0}})").substr(0, 12), "400 area.lat");
  EXPECT_EQ(refusal(R"({"area":{"name":"x","lat":0,"lon":-180.5}})").substr(0, 12), "400 area.lon");
  EXPECT_EQ(refusal(R"({"area":{"name":"x","lat":"47","lon":0}})").substr(0, 12), "400 area.lat");
  EXPECT_EQ(refusal(R"({"area":{"name":"x","lat":true,"lon":0}})").substr(0, 12), "400 area.lat");
  EXPECT_EQ(refusal(R"({"area":{"name":"x","lon":0}})").substr(0, 12), "400 area.lat");
  EXPECT_EQ(refusal(R"({"area":null})"), "accepted");
  EXPECT_EQ(refusal(R"({"area":"Seattle"})").substr(0, 8), "400 area");
}

TEST(MusicianProfile, UnknownSlugsLevelsAndTypes) {
  EXPECT_EQ(refusal(R"({"instruments":[{"slug":"kazoo","level":"pro"}]})").substr(0, 15), "400 instruments");
  EXPECT_EQ(refusal(R"({"instruments":[{"slug":"bass","level":"expert"}]})").substr(0, 15), "400 instruments");
  EXPECT_EQ(refusal(R"({"instruments":[{"slug":"bass"}]})").substr(0, 15), "400 instruments");
  EXPECT_EQ(refusal(R"({"instruments":["bass"]})").substr(0, 15), "400 instruments");
  EXPECT_EQ(refusal(R"({"instruments":"bass"})").substr(0, 15), "400 instruments");
  EXPECT_EQ(refusal(R"({"genres":["Folk"]})").substr(0, 10), "400 genres");
  EXPECT_EQ(refusal(R"({"genres":[1]})").substr(0, 10), "400 genres");
  EXPECT_EQ(refusal(R"({"available":"yes"})").substr(0, 13), "400 available");
  EXPECT_EQ(refusal(R"({"bio":5})").substr(0, 7), "400 bio");
}
