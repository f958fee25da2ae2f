// The line-up's rules without a store: places, waitlists, promotion, shrink and growth, and
// the rows written back.
#include "lineup.hpp"

#include <gtest/gtest.h>

using namespace mmm::meetups;

namespace {

std::vector<std::int64_t> users(const std::vector<Place>& places) {
  std::vector<std::int64_t> out;
  for (const auto& p : places) out.push_back(p.userId);
  return out;
}

// A pool loaded with `going` and `waiting` (users), keys 1, 2, 3… in that order.
Pool pool(const std::string& instrument, std::optional<int> places, std::vector<std::int64_t> going,
          std::vector<std::int64_t> waiting) {
  Pool p{instrument, places, {}, {}};
  std::int64_t key = 0;
  for (auto u : going) p.going.push_back({u, ++key});
  for (auto u : waiting) p.waiting.push_back({u, ++key});
  return p;
}

}  // namespace

TEST(Lineup, JoinersTakeFreePlacesThenWaitInOrder) {
  Lineup lineup(0);
  lineup.load(pool("bass", 2, {}, {}));
  for (std::int64_t u = 1; u <= 5; ++u) lineup.add("bass", u);
  EXPECT_EQ(users(lineup.pool("bass").going), (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(users(lineup.pool("bass").waiting), (std::vector<std::int64_t>{3, 4, 5}));
  EXPECT_EQ(lineup.lastKey(), 5);
  EXPECT_TRUE(lineup.promoted().empty());
}

TEST(Lineup, UnlimitedGeneralPlacesNeverWait) {
  Lineup lineup(0);
  lineup.load(pool("", std::nullopt, {}, {}));
  for (std::int64_t u = 1; u <= 100; ++u) lineup.add("", u);
  EXPECT_EQ(lineup.pool("").going.size(), 100u);
  EXPECT_TRUE(lineup.pool("").waiting.empty());
}

TEST(Lineup, LeavingAPlacePromotesTheHeadOfTheWaitlistOnce) {
  Lineup lineup(10);
  lineup.load(pool("bass", 2, {1, 2}, {3, 4}));
  EXPECT_TRUE(lineup.remove("bass", 1));
  EXPECT_EQ(users(lineup.pool("bass").going), (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(users(lineup.pool("bass").waiting), (std::vector<std::int64_t>{4}));
  EXPECT_EQ(lineup.promoted(), (std::vector<std::int64_t>{3}));
  EXPECT_EQ(lineup.pool("bass").going.back().key, 11);  // a place is held from when it was taken
}

TEST(Lineup, LeavingTheWaitlistPromotesNobody) {
  Lineup lineup(10);
  lineup.load(pool("bass", 1, {1}, {2, 3, 4}));
  EXPECT_TRUE(lineup.remove("bass", 3));
  EXPECT_EQ(users(lineup.pool("bass").waiting), (std::vector<std::int64_t>{2, 4}));
  EXPECT_TRUE(lineup.promoted().empty());
  EXPECT_FALSE(lineup.remove("bass", 99));
}

TEST(Lineup, ShrinkMovesTheLatestJoinersToTheHeadOfTheWaitlistInJoinOrder) {
  Lineup lineup(10);
  lineup.load(pool("bass", 5, {1, 2, 3, 4, 5}, {6, 7}));
  lineup.setPlaces("bass", 2);
  EXPECT_EQ(users(lineup.pool("bass").going), (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(users(lineup.pool("bass").waiting), (std::vector<std::int64_t>{3, 4, 5, 6, 7}));
  EXPECT_EQ(lineup.demoted(), (std::vector<std::int64_t>{3, 4, 5}));
  const auto& waiting = lineup.pool("bass").waiting;
  for (std::size_t i = 1; i < waiting.size(); ++i) EXPECT_LT(waiting[i - 1].key, waiting[i].key);
}

TEST(Lineup, ShrinkWithNobodyWaitingKeepsJoinOrder) {
  Lineup lineup(10);
  lineup.load(pool("", 3, {1, 2, 3}, {}));
  lineup.setPlaces("", 1);
  EXPECT_EQ(users(lineup.pool("").waiting), (std::vector<std::int64_t>{2, 3}));
  lineup.add("", 4);  // a later joiner waits behind them
  EXPECT_EQ(users(lineup.pool("").waiting), (std::vector<std::int64_t>{2, 3, 4}));
}

TEST(Lineup, GrowthAndUnlimitedPromoteFromTheHead) {
  Lineup lineup(10);
  lineup.load(pool("", 1, {1}, {2, 3, 4}));
  lineup.setPlaces("", 2);
  EXPECT_EQ(lineup.promoted(), (std::vector<std::int64_t>{2}));
  lineup.setPlaces("", std::nullopt);
  EXPECT_EQ(lineup.promoted(), (std::vector<std::int64_t>{2, 3, 4}));
  EXPECT_TRUE(lineup.pool("").waiting.empty());
}

TEST(Lineup, DissolvingASlotGivesItsPeopleGoingAndWaiting) {
  Lineup lineup(10);
  lineup.load(pool("drums", 1, {1}, {2, 3}));
  const auto people = lineup.dissolve("drums");
  EXPECT_EQ(people.going, (std::vector<std::int64_t>{1}));
  EXPECT_EQ(people.waiting, (std::vector<std::int64_t>{2, 3}));
  EXPECT_TRUE(lineup.pool("drums").going.empty());
}

TEST(Lineup, SeatedPeopleTakeFreePlacesThenStandAheadOfThoseWaiting) {
  Lineup lineup(10);
  lineup.load(pool("", 2, {1}, {}));
  lineup.seat("", {5, 6, 7});  // one free place: 5 takes it, 6 and 7 wait first
  EXPECT_EQ(users(lineup.pool("").going), (std::vector<std::int64_t>{1, 5}));
  EXPECT_EQ(users(lineup.pool("").waiting), (std::vector<std::int64_t>{6, 7}));
  EXPECT_EQ(lineup.demoted(), (std::vector<std::int64_t>{6, 7}));

  Lineup full(10);
  full.load(pool("", 1, {1}, {2, 3}));
  full.seat("", {8, 9});
  EXPECT_EQ(users(full.pool("").going), (std::vector<std::int64_t>{1}));
  EXPECT_EQ(users(full.pool("").waiting), (std::vector<std::int64_t>{8, 9, 2, 3}));
}

TEST(Lineup, ChangesAreOnlyTheRowsThatDiffer) {
  Lineup lineup(10);
  lineup.load(pool("bass", 1, {1}, {2, 3}));
  lineup.load(pool("", std::nullopt, {4}, {}));
  lineup.remove("bass", 1);  // 2 promoted, 1 leaves
  lineup.add("", 5);         // a newcomer
  lineup.remove("bass", 3);  // 3 moves …
  lineup.add("", 3);         // … to a general place
  const auto changes = lineup.changes();
  std::map<std::int64_t, MemberChange> byUser;
  for (const auto& c : changes) byUser[c.userId] = c;
  ASSERT_EQ(byUser.size(), 4u);  // 4 unchanged
  EXPECT_FALSE(byUser[1].row.has_value());
  EXPECT_TRUE(byUser[1].existed);
  EXPECT_FALSE(byUser[2].row->waiting);
  EXPECT_EQ(byUser[2].row->instrument, "bass");
  EXPECT_TRUE(byUser[3].existed);
  EXPECT_EQ(byUser[3].row->instrument, "");
  EXPECT_FALSE(byUser[5].existed);
  EXPECT_FALSE(byUser[5].row->waiting);
}

TEST(Lineup, UsingAPoolThatWasNotLoadedIsAProgrammingError) {
  Lineup lineup(0);
  EXPECT_THROW(lineup.add("bass", 1), std::logic_error);
}
