#include "chat_api.hpp"

#include <mmm/error.hpp>

#include <gtest/gtest.h>

using namespace mmm::chat;

namespace {

HistoryQuery parse(const std::string& query) {
  mmm::Request request;
  request.query = query;
  return parseHistoryQuery(request);
}

}  // namespace

TEST(HistoryQuery, DefaultsToTheNewestHundred) {
  auto q = parse("");
  EXPECT_FALSE(q.before);
  EXPECT_FALSE(q.after);
  EXPECT_EQ(q.limit, 100);
}

TEST(HistoryQuery, BeforeAfterAndLimit) {
  EXPECT_EQ(parse("before=42&limit=10").before, 42);
  EXPECT_EQ(parse("after=0").after, 0);
  EXPECT_EQ(parse("limit=1").limit, 1);
  for (const char* bad : {"before=0", "before=x", "after=-1", "limit=0", "limit=101", "before=5&after=3", "limit="})
    EXPECT_THROW(parse(bad), mmm::HttpError) << bad;
}
