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
  EXPECT_EQ(parse("before=42").by, HistoryQuery::By::Id);
  EXPECT_EQ(parse("after=0").after, 0);
  EXPECT_EQ(parse("after=0").by, HistoryQuery::By::Id);
  EXPECT_EQ(parse("beforeSeq=7").before, 7);
  EXPECT_EQ(parse("beforeSeq=7").by, HistoryQuery::By::Seq);
  EXPECT_EQ(parse("afterSeq=3").after, 3);
  EXPECT_EQ(parse("afterSeq=3").by, HistoryQuery::By::Seq);
  EXPECT_EQ(parse("limit=1").limit, 1);
  for (const char* bad : {"before=0", "before=x", "after=-1", "limit=0", "limit=101", "before=5&after=3", "limit=",
                          "beforeSeq=0", "afterSeq=-1", "before=5&beforeSeq=5", "after=1&afterSeq=1", "beforeSeq=2&afterSeq=1"})
    EXPECT_THROW(parse(bad), mmm::HttpError) << bad;
}
