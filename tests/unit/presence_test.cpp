// Presence between nodes, over a bus whose deliveries the test holds and releases: what
// each node announces, and what it knows, when sockets come and go, also at the same time
// on two nodes.
#include "presence.hpp"

#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/null_sink.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

using mmm::core::Presence;
using namespace std::chrono_literals;

namespace {

std::shared_ptr<spdlog::logger> quiet() {
  return std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
}

// Every node's bus: messages wait until deliver(), then reach every subscriber (the
// sender's too, as on the real bus).
class HeldBus final : public mmm::Bus {
 public:
  struct Sub final : Subscription {
    Sub(HeldBus& bus, Handler handler) : bus(bus), handler(std::move(handler)) {}
    ~Sub() override {
      std::lock_guard lock(bus.mutex);
      bus.subs.erase(std::remove(bus.subs.begin(), bus.subs.end(), this), bus.subs.end());
    }
    HeldBus& bus;
    Handler handler;
  };
  void publish(const std::string& topic, const std::string& payload) override {
    std::lock_guard lock(mutex);
    held.emplace_back(topic, payload);
  }
  std::unique_ptr<Subscription> subscribe(const std::string&, Handler handler) override {
    auto sub = std::make_unique<Sub>(*this, std::move(handler));
    std::lock_guard lock(mutex);
    subs.push_back(sub.get());
    return sub;
  }
  void deliver() {
    std::vector<std::pair<std::string, std::string>> messages;
    std::vector<Sub*> to;
    {
      std::lock_guard lock(mutex);
      messages.swap(held);
      to = subs;
    }
    for (const auto& [topic, payload] : messages)
      for (auto* sub : to) sub->handler(topic, payload);
  }
  std::mutex mutex;
  std::vector<std::pair<std::string, std::string>> held;
  std::vector<Sub*> subs;
};

struct Node {
  Node(HeldBus& bus) : presence(bus, 10s, 100ms, quiet()) {
    presence.onChange([this](std::int64_t user, bool online) {
      std::lock_guard lock(mutex);
      changes.emplace_back(user, online);
    });
    presence.start();
  }
  std::vector<std::pair<std::int64_t, bool>> told() {
    std::lock_guard lock(mutex);
    return changes;
  }
  Presence presence;
  std::mutex mutex;
  std::vector<std::pair<std::int64_t, bool>> changes;
};

using Told = std::vector<std::pair<std::int64_t, bool>>;

// Waits out the grace and a few ticks: what was not announced by then is not going to be.
void pastTheGrace() { std::this_thread::sleep_for(400ms); }

// Until `told` reaches `count` changes, for 5 s at most (a loaded machine's ticks are late).
bool toldAtLeast(Node& node, std::size_t count) {
  for (int i = 0; i < 250 && node.told().size() < count; ++i) std::this_thread::sleep_for(20ms);
  return node.told().size() >= count;
}

}  // namespace

TEST(Presence, TheFirstSocketAnywhereAndTheLastAreTheChangesToldByTheNodeWhereTheyHappen) {
  HeldBus bus;
  Node a(bus), b(bus);
  a.presence.local(7, true);
  EXPECT_EQ(a.told(), (Told{{7, true}}));
  EXPECT_EQ(b.presence.online({7}), std::vector<std::int64_t>{}) << "not yet delivered";
  bus.deliver();
  EXPECT_EQ(b.presence.online({7, 8}), std::vector<std::int64_t>{7});
  b.presence.local(7, true);  // a second tab, on the other node: no change
  bus.deliver();
  a.presence.local(7, false);  // one of two closed: no change
  bus.deliver();
  pastTheGrace();
  EXPECT_EQ(a.told(), (Told{{7, true}}));
  EXPECT_EQ(b.told(), Told{});
  EXPECT_EQ(a.presence.online({7}), std::vector<std::int64_t>{7});
  b.presence.local(7, false);  // the last
  bus.deliver();
  ASSERT_TRUE(toldAtLeast(b, 1));
  pastTheGrace();
  EXPECT_EQ(b.told(), (Told{{7, false}}));
  EXPECT_EQ(a.told(), (Told{{7, true}}));
  EXPECT_EQ(a.presence.online({7}), std::vector<std::int64_t>{});
}

TEST(Presence, AReloadWithinTheGraceIsNoChange) {
  HeldBus bus;
  Node a(bus);
  a.presence.local(3, true);
  a.presence.local(3, false);
  a.presence.local(3, true);
  bus.deliver();
  pastTheGrace();
  EXPECT_EQ(a.told(), (Told{{3, true}}));
}

TEST(Presence, LastSocketsClosingOnTwoNodesAtOnceStillTellTheUserIsGone) {
  HeldBus bus;
  Node a(bus), b(bus);
  a.presence.local(5, true);
  b.presence.local(5, true);
  bus.deliver();
  // Both close before either hears of the other: each thinks the other still has one.
  a.presence.local(5, false);
  b.presence.local(5, false);
  pastTheGrace();
  EXPECT_EQ(a.told(), (Told{{5, true}}));
  bus.deliver();
  for (int i = 0; i < 250 && a.told().size() + b.told().size() < 2; ++i) std::this_thread::sleep_for(20ms);
  pastTheGrace();
  auto offline = a.told().size() - 1 + b.told().size();
  EXPECT_GE(offline, 1u) << "nobody told the user went offline";
  EXPECT_LE(offline, 2u);
  EXPECT_EQ(a.presence.online({5}), std::vector<std::int64_t>{});
  EXPECT_EQ(b.presence.online({5}), std::vector<std::int64_t>{});
}

TEST(Presence, GoingHereAndComingThereWithinTheGraceIsNoChange) {
  HeldBus bus;
  Node a(bus), b(bus);
  a.presence.local(9, true);
  bus.deliver();
  a.presence.local(9, false);  // a's last, b has none yet…
  b.presence.local(9, true);   // …but b gets one before the grace ends
  bus.deliver();
  pastTheGrace();
  EXPECT_EQ(a.told(), (Told{{9, true}})) << "b's '+' came within a's grace";
  EXPECT_EQ(b.told(), Told{}) << "b still knew of a's socket";
  EXPECT_EQ(a.presence.online({9}), std::vector<std::int64_t>{9});
}

TEST(Presence, StoppingTellsAtOnceOfThoseLeavingWithinTheirGrace) {
  HeldBus bus;
  Node a(bus);
  a.presence.local(4, true);
  a.presence.local(4, false);
  a.presence.stop();
  EXPECT_EQ(a.told(), (Told{{4, true}, {4, false}}));
}
