// The bus inside one process (inproc): delivery from many threads, prefixes, and
// unsubscribing while a handler runs.
#include "backends.hpp"
#include "zmq_bus.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

using namespace std::chrono_literals;
using mmm::core::BusOptions;
using mmm::core::ZmqBus;

namespace {

std::unique_ptr<ZmqBus> startedBus() {
  BusOptions options;
  options.publish = "inproc://bus-test";
  auto bus = std::make_unique<ZmqBus>(options, mmm::test::quietLogger());
  EXPECT_TRUE(bus->start(5s));  // our own heartbeat came back: the subscription is live
  EXPECT_TRUE(bus->healthy());
  return bus;
}

template <class Predicate>
bool eventually(Predicate done) {
  for (int i = 0; i < 500 && !done(); ++i) std::this_thread::sleep_for(10ms);
  return done();
}

}  // namespace

TEST(Bus, DeliversWhatManyThreadsPublishByPrefix) {
  auto bus = startedBus();
  std::mutex mutex;
  std::set<std::string> seen;
  std::atomic<int> other{0};
  auto chat = bus->subscribe("chat.", [&](const std::string& topic, const std::string& payload) {
    std::lock_guard<std::mutex> lock(mutex);
    seen.insert(topic + "/" + payload);
  });
  auto elsewhere = bus->subscribe("users.", [&](const std::string&, const std::string&) { ++other; });
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) bus->publish("chat.message", std::to_string(t) + ":" + std::to_string(i));
    });
  for (auto& thread : threads) thread.join();
  EXPECT_TRUE(eventually([&] {
    std::lock_guard<std::mutex> lock(mutex);
    return seen.size() == 200;
  }));
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(seen.count("chat.message/3:49"), 1u);
}

TEST(Bus, UnsubscribingWaitsForAHandlerInProgressAndStopsDelivery) {
  auto bus = startedBus();
  std::atomic<bool> inside{false}, finished{false};
  std::atomic<int> calls{0};
  auto subscription = bus->subscribe("slow", [&](const std::string&, const std::string&) {
    ++calls;
    inside = true;
    std::this_thread::sleep_for(300ms);
    finished = true;
  });
  bus->publish("slow", "x");
  ASSERT_TRUE(eventually([&] { return inside.load(); }));
  subscription.reset();  // must not return while the handler still runs
  EXPECT_TRUE(finished.load());
  // Messages are dispatched in publish order: once the sentinel after "y" has arrived, "y"
  // has been dispatched too (or dropped for want of a subscriber), so no silence window.
  std::atomic<bool> sentinel{false};
  auto watcher = bus->subscribe("sentinel", [&](const std::string&, const std::string&) { sentinel = true; });
  bus->publish("slow", "y");
  bus->publish("sentinel", "");
  ASSERT_TRUE(eventually([&] { return sentinel.load(); }));
  EXPECT_EQ(calls.load(), 1);
}

TEST(Bus, AThrowingSubscriberIsCountedAndTheLoopGoesOn) {
  auto bus = startedBus();
  std::atomic<int> after{0};
  auto bad = bus->subscribe("boom", [](const std::string&, const std::string& payload) {
    if (payload == "std") throw std::runtime_error("subscriber failed");
    throw 42;  // not even a std::exception
  });
  auto good = bus->subscribe("ok", [&](const std::string&, const std::string&) { ++after; });
  bus->publish("boom", "std");
  bus->publish("boom", "int");
  bus->publish("ok", "");
  ASSERT_TRUE(eventually([&] { return after.load() == 1; }));
  EXPECT_EQ(bus->errors(), 2u);
}

TEST(Bus, AFullOutboxDropsAndCountsInsteadOfGrowing) {
  BusOptions options;
  options.publish = "inproc://bus-test-full";
  options.highWaterMark = 100;
  ZmqBus bus(options, mmm::test::quietLogger());  // not started: nothing drains the outbox
  for (int i = 0; i < 150; ++i) bus.publish("chat.message", std::to_string(i));
  EXPECT_EQ(bus.droppedOutbox(), 50u);
}
