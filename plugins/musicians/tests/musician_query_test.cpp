#include "musician_query.hpp"

#include <mmm/error.hpp>
#include <mmm/http.hpp>

#include <gtest/gtest.h>

#include "test_vocabularies.hpp"

using namespace mmm::musicians;
using mmm::musicians::test::genres;
using mmm::musicians::test::instruments;

namespace {

MusicianQuery parse(const std::string& query) {
  mmm::Request request;
  request.query = query;
  return parseMusicianQuery(request, instruments(), genres());
}

std::string refusal(const std::string& query) {
  return test::refusal([&] { parse(query); });
}

}  // namespace

TEST(MusicianQuery, Defaults) {
  auto q = parse("");
  EXPECT_FALSE(q.instrument || q.genre || q.near);
  EXPECT_TRUE(q.words.empty());
  EXPECT_EQ(q.limit, 20);
  EXPECT_EQ(q.offset, 0);
  EXPECT_DOUBLE_EQ(q.radiusKm, 25);
  EXPECT_FALSE(q.availableOnly);
}

TEST(MusicianQuery, EveryParameter) {
  auto q = parse("instrument=double-bass&level=advanced&genre=folk&q=%20Fiddle%20Tunes%20&available=true"
                 "&near=47.67,-122.38&radiusKm=2.5&limit=100&offset=40");
  EXPECT_EQ(*q.instrument, "double-bass");
  EXPECT_EQ(q.minLevel, mmm::MusicianLevel::Advanced);
  EXPECT_EQ(*q.genre, "folk");
  EXPECT_EQ(q.words, (std::vector<std::string>{"fiddle", "tunes"}));
  EXPECT_TRUE(q.availableOnly);
  EXPECT_DOUBLE_EQ(q.near->lat, 47.67);
  EXPECT_DOUBLE_EQ(q.near->lon, -122.38);
  EXPECT_DOUBLE_EQ(q.radiusKm, 2.5);
  EXPECT_EQ(q.limit, 100);
  EXPECT_EQ(q.offset, 40);
  EXPECT_EQ(parse("q=%C3%89L%C3%89ONORE").words, (std::vector<std::string>{"\xC3\xA9l\xC3\xA9onore"}));  // Unicode case folding
  // Words between runs of spaces; a leading "@" (a user name as written) dropped, "@" alone kept.
  EXPECT_EQ(parse("q=%20%20%40Ann%20%20Lee%20%40%20").words, (std::vector<std::string>{"ann", "lee", "@"}));
  EXPECT_TRUE(parse("q=%20%20%20").words.empty());
  EXPECT_EQ(parse("q=bass%20BASS%20%40bass").words, (std::vector<std::string>{"bass"}));  // once each
  std::string sixteen, seventeen;
  for (int i = 0; i < 16; ++i) sixteen += "w" + std::to_string(i) + "%20";
  seventeen = sixteen + "w16";
  EXPECT_EQ(parse("q=" + sixteen + "w0").words.size(), 16u);
  EXPECT_EQ(refusal("q=" + seventeen), "400 q may hold at most 16 different words");
}

TEST(MusicianQuery, BoundsAtAndPastTheirLimits) {
  EXPECT_EQ(refusal("limit=1"), "accepted");
  EXPECT_EQ(refusal("limit=100"), "accepted");
  EXPECT_EQ(refusal("limit=0").substr(0, 9), "400 limit");
  EXPECT_EQ(refusal("limit=101").substr(0, 9), "400 limit");
  EXPECT_EQ(refusal("offset=-1").substr(0, 10), "400 offset");
  EXPECT_EQ(refusal("near=0,0&radiusKm=1"), "accepted");
  EXPECT_EQ(refusal("near=0,0&radiusKm=500"), "accepted");
  EXPECT_EQ(refusal("near=0,0&radiusKm=0.99").substr(0, 12), "400 radiusKm");
  EXPECT_EQ(refusal("near=0,0&radiusKm=500.1").substr(0, 12), "400 radiusKm");
  EXPECT_EQ(refusal("near=0,0&radiusKm=1e2").substr(0, 12), "400 radiusKm");
  EXPECT_EQ(refusal("radiusKm=10"), "400 radiusKm needs near");
  EXPECT_EQ(refusal("near=90,180"), "accepted");
  EXPECT_EQ(refusal("near=-90,-180"), "accepted");
  for (const char* bad : {"near=90.01,0", "near=0,180.01", "near=-90.5,0", "near=0", "near=a,b", "near=1,2,3",
                          "near=nan,0", "near=inf,0", "near=", "near=0x1,0"})
    EXPECT_EQ(refusal(bad).substr(0, 8), "400 near") << bad;
  EXPECT_EQ(refusal("q=" + std::string(255, 'a')), "accepted");
  EXPECT_EQ(refusal("q=" + std::string(256, 'a')).substr(0, 5), "400 q");
  EXPECT_EQ(refusal("q=%FF").substr(0, 5), "400 q");
}

TEST(MusicianQuery, UnknownSlugsAndLevels) {
  EXPECT_EQ(refusal("instrument=kazoo").substr(0, 14), "400 instrument");
  EXPECT_EQ(refusal("instrument=Bass").substr(0, 14), "400 instrument");
  EXPECT_EQ(refusal("genre=polka-metal").substr(0, 9), "400 genre");
  EXPECT_EQ(refusal("instrument=bass&level=expert").substr(0, 9), "400 level");
  EXPECT_EQ(refusal("level=pro"), "400 level needs instrument");
  EXPECT_EQ(refusal("available=yes").substr(0, 13), "400 available");
  EXPECT_EQ(refusal("available=false"), "accepted");
}
