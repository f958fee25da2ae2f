#include "chat_api.hpp"

#include <mmm/text.hpp>

#include <gtest/gtest.h>

using mmm::chat::managedChannelName;

TEST(ManagedChannelName, CutsBetweenCharactersNeverInsideOne) {
  // 1,019 bytes and then a 3-byte "€": a cut at byte 1,020 would leave half a character.
  const std::string title = std::string(1019, 'a') + "\xE2\x82\xAC" + "tail";
  const auto name = managedChannelName(title);
  EXPECT_TRUE(mmm::isValidUtf8(name));
  EXPECT_EQ(name, std::string(255, 'a'));
  std::string accents;
  for (int i = 0; i < 300; ++i) accents += "\xC3\xA9";  // é
  EXPECT_EQ(mmm::utf8Length(managedChannelName(accents)), 255u);
  EXPECT_TRUE(mmm::isValidUtf8(managedChannelName(accents)));
  std::string emoji;
  for (int i = 0; i < 256; ++i) emoji += "\xF0\x9F\x8E\xBB";  // 🎻
  EXPECT_EQ(managedChannelName(emoji), emoji.substr(0, 255 * 4));
  EXPECT_EQ(managedChannelName("Jam 🎻"), "Jam 🎻");
}

TEST(TruncateUtf8, KeepsWholeCodePoints) {
  EXPECT_EQ(mmm::truncateUtf8("", 3), "");
  EXPECT_EQ(mmm::truncateUtf8("abc", 3), "abc");
  EXPECT_EQ(mmm::truncateUtf8("abcd", 3), "abc");
  EXPECT_EQ(mmm::truncateUtf8("a\xC3\xA9z", 2), "a\xC3\xA9");
  EXPECT_EQ(mmm::truncateUtf8("\xF0\x9F\x8E\xBB\xF0\x9F\x8E\xBB", 1), "\xF0\x9F\x8E\xBB");
  EXPECT_EQ(mmm::truncateUtf8("abc", 0), "");
}
