// An event's line-up and the rules that move people in it (API.md, "Line-ups"). Pure: the
// repository loads the pools an operation touches while it holds the event's lock, these
// rules change them in memory, and the repository writes back changes().
//
// A pool is one slot (an instrument) or the general places (instrument ""). In each pool
// people hold a place (going) or wait, each list ordered by a key the event hands out in
// increasing order; a waitlist position is a rank in that order, so positions are 1…n
// without gaps by construction.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mmm::meetups {

struct Place {
  std::int64_t userId = 0;
  std::int64_t key = 0;  // order within its list
};

struct Pool {
  std::string instrument;             // "": the general places
  std::optional<int> places;          // nullopt: unlimited
  std::vector<Place> going, waiting;  // each in key order
};

/// A member's row as stored.
struct MemberRow {
  std::string instrument;
  bool waiting = false;
  std::int64_t key = 0;
};

/// One row to write back: `row` is the member's new row, nullopt when they left the event;
/// `existed` says whether they had a row before.
struct MemberChange {
  std::int64_t userId = 0;
  std::optional<MemberRow> row;
  bool existed = false;
};

class Lineup {
 public:
  /// `lastKey`: the highest key the event handed out so far.
  explicit Lineup(std::int64_t lastKey) : key_(lastKey) {}

  /// A pool as read from the store (its lists in key order); remembered as the "before".
  void load(Pool pool);
  bool loaded(const std::string& instrument) const { return pools_.count(instrument) != 0; }
  const Pool& pool(const std::string& instrument) const;

  /// A place when one is free, else the end of the waitlist.
  void add(const std::string& instrument, std::int64_t userId);
  /// Frees the user's place or waitlist spot (promoting the head of the waitlist into a
  /// freed place); false when they were not in the pool.
  bool remove(const std::string& instrument, std::int64_t userId);
  /// A slot's new count or the new capacity: a shrink moves the latest to take a place to
  /// the head of the waitlist, in join order; growth promotes from the head.
  void setPlaces(const std::string& instrument, std::optional<int> places);
  /// Empties the pool of a slot that is gone; its people, each list in order.
  struct Dissolved {
    std::vector<std::int64_t> going, waiting;
  };
  Dissolved dissolve(const std::string& instrument);
  /// People who lost a place through no doing of theirs (their slot is gone): a free place
  /// each, else the head of the waitlist in the given order, ahead of those already waiting,
  /// as a shrink moves people back.
  void seat(const std::string& instrument, const std::vector<std::int64_t>& userIds);

  /// What to write back: every member whose row differs from what was loaded.
  std::vector<MemberChange> changes() const;
  /// Users moved from a waitlist to a place, and from a place back to a waitlist, in order.
  const std::vector<std::int64_t>& promoted() const { return promoted_; }
  const std::vector<std::int64_t>& demoted() const { return demoted_; }
  std::int64_t lastKey() const { return key_; }

 private:
  Pool& mutablePool(const std::string& instrument);
  void settle(Pool& pool);

  std::int64_t key_;
  std::map<std::string, Pool> pools_;
  std::map<std::int64_t, MemberRow> before_;
  std::vector<std::int64_t> promoted_, demoted_;
};

}  // namespace mmm::meetups
