#include "event_search.hpp"

#include <mmm/error.hpp>
#include <mmm/http.hpp>

#include <gtest/gtest.h>

using namespace mmm::meetups;

namespace {

EventQuery parse(const std::string& query) {
  mmm::Request request;
  request.query = query;
  return parseEventQuery(request, [](const std::string& slug) { return slug == "bass" || slug == "drums"; });
}

int status(const std::string& query) {
  try {
    parse(query);
  } catch (const mmm::HttpError& e) {
    return e.status();
  }
  return 200;
}

}  // namespace

TEST(EventQuery, Defaults) {
  auto q = parse("");
  EXPECT_FALSE(q.text);
  EXPECT_EQ(q.limit, 50);
  EXPECT_EQ(q.offset, 0);
}

TEST(EventQuery, ReadsEveryParameter) {
  auto q = parse("q=%20folk+jam%20&from=2026-12-01T00:00:00Z&to=2026-12-31T23:59:59%2B01:00&limit=100&offset=20");
  EXPECT_EQ(q.text, "folk jam");
  EXPECT_EQ(q.from, 1796083200000);
  EXPECT_EQ(q.to, 1798757999000);
  EXPECT_EQ(q.limit, 100);
  EXPECT_EQ(q.offset, 20);
}

TEST(EventQuery, BadValuesAre400) {
  for (const char* bad : {"limit=0", "limit=101", "limit=ten", "limit=-1", "offset=-1", "offset=1e3",
                          "from=yesterday", "to=2026-13-01T00:00:00Z", "from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z",
                          "q=%ff"})
    EXPECT_EQ(status(bad), 400) << bad;
}

TEST(EventQuery, BadListParametersAre400NamingThem) {
  for (const char* name : {"limit", "offset"})
    for (const std::string value : {"", "x", "1.5", "+1", "0x10", "99999999999999999999"}) {
      try {
        parse(std::string(name) + "=" + value);
        ADD_FAILURE() << name << "=" << value;
      } catch (const mmm::HttpError& e) {
        EXPECT_EQ(e.status(), 400);
        EXPECT_EQ(std::string(e.what()).rfind(name, 0), 0u) << e.what();
      }
    }
}

TEST(SearchWords, LettersDigitsAndUnderscoreMakeWords) {
  using Words = std::vector<std::string>;
  EXPECT_EQ(searchWords("folk jam"), (Words{"folk", "jam"}));
  EXPECT_EQ(searchWords("  St. Mark's, 100% loud_and_fast!"), (Words{"St", "Mark", "s", "100", "loud_and_fast"}));
  EXPECT_EQ(searchWords("Café Müller naïve"), (Words{"Café", "Müller", "naïve"}));
  EXPECT_EQ(searchWords("rock\xe2\x80\x99n\xe2\x80\x94roll \xf0\x9f\x8e\xb8 \xc2\xabjazz\xc2\xbb"),
            (Words{"rock", "n", "roll", "jazz"}));  // ’ — 🎸 « »
  EXPECT_EQ(searchWords("日本の音楽"), (Words{"日本の音楽"}));
  EXPECT_TRUE(searchWords("%_%").size() == 1);  // '_' is a word character
  EXPECT_TRUE(searchWords("!? -- ...").empty());
  EXPECT_TRUE(searchWords("").empty());
  // Bytes that are not UTF-8 (refused before this is called) separate words, read in bounds.
  EXPECT_EQ(searchWords(std::string("ab\xe2\x80", 4)), (Words{"ab"}));
  EXPECT_EQ(searchWords("\xff" "cd\x80" "ef\xf0"), (Words{"cd", "ef"}));
}

TEST(SearchWords, Fts5MatchWantsEveryWordAsAPrefix) {
  EXPECT_EQ(fts5Match({"folk"}), "\"folk\"*");
  EXPECT_EQ(fts5Match({"folk", "jam"}), "\"folk\"* AND \"jam\"*");
}

TEST(SearchWords, MariaDbIndexTakesTheWordsItHoldsAndAnExpressionTheRest) {
  auto both = booleanSearch({"dj", "night", "x", "Café"}, 3, 84);
  EXPECT_EQ(both.against, "+night* +Café*");
  EXPECT_EQ(both.wordStarts, "(*UCP)(?is)^(?=.*\\bdj)(?=.*\\bx)");
  auto indexed = booleanSearch({"folk", "jam"}, 3, 84);
  EXPECT_EQ(indexed.against, "+folk* +jam*");
  EXPECT_EQ(indexed.wordStarts, "");
  auto tooLong = booleanSearch({std::string(85, 'a'), "ok"}, 3, 84);
  EXPECT_EQ(tooLong.against, "");
  EXPECT_EQ(tooLong.wordStarts, "(*UCP)(?is)^(?=.*\\b" + std::string(85, 'a') + ")(?=.*\\bok)");
  EXPECT_EQ(booleanSearch({"ab"}, 1, 84).against, "+ab*");  // a server indexing short words
}

TEST(EventQuery, LineupFilters) {
  auto q = parse("status=all&instrument=bass&open=true&near=47.6,-122.3&radiusKm=10");
  EXPECT_TRUE(q.cancelledToo);
  EXPECT_EQ(q.instrument, "bass");
  EXPECT_TRUE(q.openOnly);
  ASSERT_TRUE(q.near);
  EXPECT_DOUBLE_EQ(q.near->lat, 47.6);
  EXPECT_DOUBLE_EQ(q.near->radiusKm, 10);
  EXPECT_FALSE(parse("status=scheduled").cancelledToo);
  EXPECT_TRUE(parse("forMe=true").forMe);
  for (const char* bad : {"status=cancelled", "status=", "instrument=tuba", "instrument=", "open=yes", "forMe=1",
                          "radiusKm=5", "near=47.6&radiusKm=0.5", "near=47.6&radiusKm=501", "near=91,0",
                          "near=47.6", "forMe=true&near=47.6,-122.3"})
    EXPECT_EQ(status(bad), 400) << bad;
}
