#include "chat_input.hpp"

#include <gtest/gtest.h>

using mmm::chat::mentionCandidates;

namespace {

std::vector<std::pair<std::string, std::string>> pairs(const std::string& body, std::size_t limit = 20) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& c : mentionCandidates(body, limit)) out.emplace_back(c.name, c.trimmed);
  return out;
}

using Pairs = std::vector<std::pair<std::string, std::string>>;

}  // namespace

TEST(MentionCandidates, WordsAfterAnAtAtTheStartOrAfterSpaceOrABracket) {
  EXPECT_EQ(pairs("@ann can you bring the cajón?"), (Pairs{{"ann", ""}}));
  EXPECT_EQ(pairs("thanks @ann, @Bob.\n@zoë!"), (Pairs{{"ann,", "ann"}, {"Bob.", "Bob"}, {"zoë!", "zoë"}}));
  EXPECT_EQ(pairs("(@ann) and [@bob]"), (Pairs{{"ann)", "ann"}, {"bob]", "bob"}}));
  EXPECT_EQ(pairs("tab\t@ann"), (Pairs{{"ann", ""}}));
}

TEST(MentionCandidates, NotEmailsNorBareAtsAndEachNameOnce) {
  EXPECT_EQ(pairs("write to ann@example.org"), Pairs{});
  EXPECT_EQ(pairs("@ @ \n@"), Pairs{});
  EXPECT_EQ(pairs("@ann @ann @ann"), (Pairs{{"ann", ""}}));
  EXPECT_EQ(pairs("@..."), (Pairs{{"...", ""}})) << "nothing left when trimmed: only the name itself";
  EXPECT_EQ(pairs("@@ann"), (Pairs{{"@ann", ""}}));
}

TEST(MentionCandidates, StopsAtTheLimit) {
  std::string body;
  for (int i = 0; i < 100; ++i) body += "@user" + std::to_string(i) + " ";
  const auto found = mentionCandidates(body, 40);
  ASSERT_EQ(found.size(), 40u);
  EXPECT_EQ(found.front().name, "user0");
  EXPECT_EQ(found.back().name, "user39");
}
