#include "event_search.hpp"

#include <mmm/error.hpp>
#include <mmm/http.hpp>

#include <gtest/gtest.h>

using namespace mmm::meetups;

namespace {

EventQuery parse(const std::string& query) {
  mmm::Request request;
  request.query = query;
  return parseEventQuery(request);
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

TEST(EventQuery, LikePatternsEscapeWildcards) {
  EXPECT_EQ(likePattern("jam"), "%jam%");
  EXPECT_EQ(likePattern("100%_fun!"), "%100!%!_fun!!%");
}
