// rfc3339's arithmetic path against the gmtime_r/snprintf one it replaced.
#include <mmm/time.hpp>

#include <gtest/gtest.h>

#include <cstdio>
#include <ctime>
#include <limits>
#include <random>

namespace {

std::string reference(std::int64_t millis) {
  std::int64_t seconds = millis / 1000, ms = millis % 1000;
  if (ms < 0) {
    ms += 1000;
    --seconds;
  }
  mmm::Rfc3339Text text;
  mmm::detail::formatRfc3339Slow(seconds, static_cast<int>(ms), text);
  return std::string(text.view());
}

TEST(FormatRfc3339, KnownInstants) {
  EXPECT_EQ(mmm::formatRfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(mmm::formatRfc3339(1796580000000), "2026-12-06T18:00:00Z");
  EXPECT_EQ(mmm::formatRfc3339(1796580000123), "2026-12-06T18:00:00.123Z");
  EXPECT_EQ(mmm::formatRfc3339(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(mmm::formatRfc3339(951782400000), "2000-02-29T00:00:00Z");
  const auto text = mmm::rfc3339(1796580000123);  // what JSON writers take
  EXPECT_EQ(text.view(), "2026-12-06T18:00:00.123Z");
}

TEST(FormatRfc3339, TheFarthestInstantsFitTheBuffer) {
  for (std::int64_t millis : {std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max(),
                              std::int64_t{-62167219200001}, std::int64_t{253402300800000}}) {
    // The same fields, printed into room for anything: rfc3339's text is all of it.
    std::int64_t seconds = millis / 1000, ms = millis % 1000;
    if (ms < 0) {
      ms += 1000;
      --seconds;
    }
    const std::time_t t = static_cast<std::time_t>(seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char whole[256];
    std::snprintf(whole, sizeof whole, ms ? "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ" : "%04d-%02d-%02dT%02d:%02d:%02dZ",
                  tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
    EXPECT_EQ(mmm::rfc3339(millis).view(), std::string(whole)) << millis;
  }
}

TEST(FormatRfc3339, MatchesGmtimeEverywhere) {
  std::mt19937_64 random(11);
  // Years 0000 to 9999 and beyond (the slow path), leap days, ends of months and days.
  std::uniform_int_distribution<std::int64_t> any(-62167219200000 - 86400000LL * 400, 253402300799999 + 86400000LL * 400);
  for (int i = 0; i < 200000; ++i) {
    const std::int64_t millis = any(random);
    ASSERT_EQ(mmm::formatRfc3339(millis), reference(millis)) << millis;
  }
  for (std::int64_t day = -800000; day < 3000000; day += 7)
    for (std::int64_t millis : {day * 86400000, day * 86400000 - 1, day * 86400000 + 86399999})
      ASSERT_EQ(mmm::formatRfc3339(millis), reference(millis)) << millis;
}

}  // namespace
