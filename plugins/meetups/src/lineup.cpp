#include "lineup.hpp"

#include <algorithm>
#include <stdexcept>

namespace mmm::meetups {

void Lineup::load(Pool pool) {
  for (const auto& p : pool.going) before_[p.userId] = {pool.instrument, false, p.key};
  for (const auto& p : pool.waiting) before_[p.userId] = {pool.instrument, true, p.key};
  const std::string instrument = pool.instrument;
  pools_[instrument] = std::move(pool);
}

const Pool& Lineup::pool(const std::string& instrument) const {
  auto it = pools_.find(instrument);
  if (it == pools_.end()) throw std::logic_error("line-up pool '" + instrument + "' was not loaded");
  return it->second;
}

Pool& Lineup::mutablePool(const std::string& instrument) { return const_cast<Pool&>(pool(instrument)); }

void Lineup::add(const std::string& instrument, std::int64_t userId) {
  Pool& pool = mutablePool(instrument);
  if (!pool.places || static_cast<int>(pool.going.size()) < *pool.places)
    pool.going.push_back({userId, ++key_});
  else
    pool.waiting.push_back({userId, ++key_});
}

bool Lineup::remove(const std::string& instrument, std::int64_t userId) {
  Pool& pool = mutablePool(instrument);
  const auto is = [userId](const Place& p) { return p.userId == userId; };
  for (auto* list : {&pool.going, &pool.waiting}) {
    auto it = std::find_if(list->begin(), list->end(), is);
    if (it == list->end()) continue;
    list->erase(it);
    settle(pool);
    return true;
  }
  return false;
}

void Lineup::setPlaces(const std::string& instrument, std::optional<int> places) {
  Pool& pool = mutablePool(instrument);
  pool.places = places;
  settle(pool);
}

Lineup::Dissolved Lineup::dissolve(const std::string& instrument) {
  Pool& pool = mutablePool(instrument);
  Dissolved people;
  for (const auto& p : pool.going) people.going.push_back(p.userId);
  for (const auto& p : pool.waiting) people.waiting.push_back(p.userId);
  pool.going.clear();
  pool.waiting.clear();
  return people;
}

void Lineup::seat(const std::string& instrument, const std::vector<std::int64_t>& userIds) {
  // Each takes a place, the latest keys of all: the settling that follows moves those past
  // the pool's places to the head of its waitlist, as it does after a shrink.
  Pool& pool = mutablePool(instrument);
  for (auto user : userIds) pool.going.push_back({user, ++key_});
  settle(pool);
}

void Lineup::settle(Pool& pool) {
  if (pool.places && static_cast<int>(pool.going.size()) > *pool.places) {
    // The latest to take a place stand ahead of everyone already waiting, in join order:
    // keys just below the waitlist's first (or their own, which are in order, when none).
    std::vector<Place> moved(pool.going.begin() + *pool.places, pool.going.end());
    pool.going.resize(static_cast<std::size_t>(*pool.places));
    const std::int64_t below = pool.waiting.empty() ? moved.back().key + 1 : pool.waiting.front().key;
    for (std::size_t i = 0; i < moved.size(); ++i) {
      moved[i].key = below - static_cast<std::int64_t>(moved.size() - i);
      demoted_.push_back(moved[i].userId);
    }
    pool.waiting.insert(pool.waiting.begin(), moved.begin(), moved.end());
    return;
  }
  while (!pool.waiting.empty() && (!pool.places || static_cast<int>(pool.going.size()) < *pool.places)) {
    // The promoted take a new key: a place is held in the order it was taken.
    pool.going.push_back({pool.waiting.front().userId, ++key_});
    promoted_.push_back(pool.waiting.front().userId);
    pool.waiting.erase(pool.waiting.begin());
  }
}

std::vector<MemberChange> Lineup::changes() const {
  std::map<std::int64_t, MemberRow> after;
  for (const auto& [instrument, pool] : pools_) {
    for (const auto& p : pool.going) after[p.userId] = {instrument, false, p.key};
    for (const auto& p : pool.waiting) after[p.userId] = {instrument, true, p.key};
  }
  std::vector<MemberChange> changes;
  for (const auto& [user, row] : after) {
    auto was = before_.find(user);
    const bool existed = was != before_.end();
    if (existed && was->second.instrument == row.instrument && was->second.waiting == row.waiting &&
        was->second.key == row.key)
      continue;
    changes.push_back({user, row, existed});
  }
  for (const auto& [user, row] : before_)
    if (!after.count(user)) changes.push_back({user, std::nullopt, true});
  return changes;
}

}  // namespace mmm::meetups
