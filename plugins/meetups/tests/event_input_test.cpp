// The line-up fields' checks that need no request: slugs and time-zone names.
#include "event_input.hpp"

#include <gtest/gtest.h>

using namespace mmm::meetups;

TEST(EventInput, TimeZonesAreTheDatabasesZoneNamesOnly) {
  for (const char* zone : {"UTC", "Europe/Berlin", "America/Los_Angeles", "America/Argentina/Buenos_Aires",
                           "America/Port-au-Prince", "Etc/GMT+5", "Etc/GMT-14"})
    EXPECT_TRUE(isTimeZone(zone)) << zone;
  for (const char* bad : {"", "Europe", "europe/berlin", "Mars/Olympus", "Europe/Berlin/", "/Europe/Berlin",
                          "Europe//Berlin", "../etc/passwd", "Europe/../../etc/passwd", "Europe/.Berlin",
                          "posix/Europe/Berlin", "right/UTC", "posixrules", "Factory", "localtime", "zone.tab",
                          "iso3166.tab", "Europe/Berlin\n"})
    EXPECT_FALSE(isTimeZone(bad)) << bad;
  EXPECT_FALSE(isTimeZone(std::string(65, 'A')));
}

TEST(EventInput, SlugsAreLowercaseAsciiDigitsAndDashes) {
  for (const std::string slug : {"bass", "double-bass", "dj", "808"}) EXPECT_TRUE(isSlug(slug)) << slug;
  EXPECT_TRUE(isSlug(std::string(40, 'a')));
  for (const std::string bad : {"", "Bass", "bass guitar", "bass_", "bäss", "bass/"}) EXPECT_FALSE(isSlug(bad)) << bad;
  EXPECT_FALSE(isSlug(std::string(41, 'a')));
}
