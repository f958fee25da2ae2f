#include "chat_reactions.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

using mmm::chat::ReactionSet;

TEST(ReactionSet, TheDefaultSetIsApiMdsAndValid) {
  const ReactionSet set(ReactionSet::defaults());
  ASSERT_EQ(set.all().size(), 17u);
  EXPECT_TRUE(set.contains("👍"));
  EXPECT_TRUE(set.contains("❤️"));
  EXPECT_FALSE(set.contains("❤")) << "without its variation selector it is another string";
  EXPECT_FALSE(set.contains(""));
  EXPECT_FALSE(set.contains("🍕"));
}

TEST(ReactionSet, RefusesEntriesThatCannotBeAPathSegmentOrAreRepeated) {
  for (const auto& bad : std::vector<std::vector<std::string>>{
           {""}, {"a/b"}, {"a b"}, {"tab\there"}, {"\xff"}, {"👍", "🎸", "👍"}, {std::string(33, 'x')}})
    EXPECT_THROW(ReactionSet{bad}, std::invalid_argument) << ::testing::PrintToString(bad);
  EXPECT_NO_THROW(ReactionSet({std::string(32, 'x'), "👨‍👩‍👧‍👦", "+1"}));
  EXPECT_NO_THROW(ReactionSet({})) << "an empty set turns reactions off";
}
