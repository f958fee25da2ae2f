// The bus inside one process (inproc): delivery from many threads, prefixes, and
// unsubscribing while a handler runs; the trace a message carries.
#include "backends.hpp"
#include "tracing.hpp"
#include "zmq_bus.hpp"

#include <zmq.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <map>
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

// What a subscriber sees as the current trace, per payload.
struct SeenTraces {
  std::mutex mutex;
  std::map<std::string, std::string> byPayload;  // payload → trace id, or "-" for none
  mmm::Bus::Handler handler() {
    return [this](const std::string&, const std::string& payload) {
      const auto* trace = mmm::core::currentTrace();
      std::lock_guard<std::mutex> lock(mutex);
      byPayload[payload] = trace ? trace->traceId + "/" + trace->spanId : "-";
    };
  }
  std::string of(const std::string& payload) {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = byPayload.find(payload);
    return it == byPayload.end() ? "" : it->second;
  }
};

TEST(Bus, ASubscriberRunsWithThePublishersTrace) {
  auto bus = startedBus();
  SeenTraces seen;
  auto subscription = bus->subscribe("traced.", seen.handler());
  mmm::core::TraceContext context{mmm::core::newTraceId(), mmm::core::newSpanId(), 1};
  {
    mmm::core::TraceScope scope(&context);
    bus->publish("traced.a", "with");
  }
  bus->publish("traced.a", "without");
  ASSERT_TRUE(eventually([&] { return !seen.of("with").empty() && !seen.of("without").empty(); }));
  EXPECT_EQ(seen.of("with"), context.traceId + "/" + context.spanId);
  EXPECT_EQ(seen.of("without"), "-") << "a trace leaked from one delivery into the next";
  EXPECT_EQ(mmm::core::currentTrace(), nullptr);
}

// Through a forwarder, a raw publisher sends what an older node (two frames) and a broken
// one (an unreadable trace) would: both are delivered, untraced.
TEST(Bus, TwoFrameMessagesAndUnreadableTracesAreStillDelivered) {
  std::atomic<bool> stop{false};
  std::mutex mutex;
  std::condition_variable bound;
  std::string frontend, backend;
  std::thread proxy([&] {
    mmm::core::runBusProxy("tcp://127.0.0.1:*", "tcp://127.0.0.1:*", stop, *mmm::test::quietLogger(),
                           [&](const std::string& front, const std::string& back) {
                             std::lock_guard<std::mutex> lock(mutex);
                             frontend = front;
                             backend = back;
                             bound.notify_all();
                           });
  });
  {
    std::unique_lock<std::mutex> lock(mutex);
    ASSERT_TRUE(bound.wait_for(lock, 5s, [&] { return !backend.empty(); }));
  }
  BusOptions options;
  options.cluster = true;
  options.publish = frontend;
  options.subscribe = backend;
  auto bus = std::make_unique<ZmqBus>(options, mmm::test::quietLogger());
  ASSERT_TRUE(bus->start(5s));
  SeenTraces seen;
  auto subscription = bus->subscribe("raw.", seen.handler());

  zmq::context_t context(1);
  zmq::socket_t pub(context, zmq::socket_type::pub);
  pub.set(zmq::sockopt::linger, 0);
  pub.connect(frontend);
  const std::string valid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  // A new publisher's first messages are lost until the forwarder knows it: send until seen.
  ASSERT_TRUE(eventually([&] {
    pub.send(zmq::str_buffer("raw.old"), zmq::send_flags::sndmore);
    pub.send(zmq::str_buffer("two-frames"), zmq::send_flags::none);
    pub.send(zmq::str_buffer("raw.bad"), zmq::send_flags::sndmore);
    pub.send(zmq::str_buffer("bad-trace"), zmq::send_flags::sndmore);
    pub.send(zmq::str_buffer("00-not-a-trace"), zmq::send_flags::none);
    pub.send(zmq::str_buffer("raw.good"), zmq::send_flags::sndmore);
    pub.send(zmq::str_buffer("good-trace"), zmq::send_flags::sndmore);
    pub.send(zmq::buffer(valid), zmq::send_flags::none);
    return !seen.of("two-frames").empty() && !seen.of("bad-trace").empty() && !seen.of("good-trace").empty();
  }));
  EXPECT_EQ(seen.of("two-frames"), "-");
  EXPECT_EQ(seen.of("bad-trace"), "-");
  EXPECT_EQ(seen.of("good-trace"), "4bf92f3577b34da6a3ce929d0e0e4736/00f067aa0ba902b7");
  subscription.reset();
  bus->stop();
  stop = true;
  proxy.join();
}

TEST(Bus, PushesReachTheHubWithTheirAudienceAndMalformedOnesAreRefused) {
  using mmm::core::BusPusher;
  auto bus = startedBus();
  std::mutex mutex;
  std::vector<std::string> payloads;
  auto feed = bus->subscribe(BusPusher::kTopic, [&](const std::string&, const std::string& payload) {
    std::lock_guard<std::mutex> lock(mutex);
    payloads.push_back(payload);
  });
  BusPusher pusher(*bus);
  pusher.push({3, 5}, "to two\nlines");
  pusher.pushToAll("to all");
  pusher.pushToAllBut(7, "to all but 7");
  pusher.push({}, "to nobody: not sent");
  pusher.pushToAllBut(0, "to all: no user 0");
  pusher.push({9}, "sentinel");  // what one thread publishes arrives in order
  ASSERT_TRUE(eventually([&] {
    std::lock_guard<std::mutex> lock(mutex);
    return payloads.size() == 5;
  }));
  std::lock_guard<std::mutex> lock(mutex);
  const auto two = BusPusher::decode(payloads[0]), all = BusPusher::decode(payloads[1]),
             allBut = BusPusher::decode(payloads[2]);
  ASSERT_TRUE(two && all && allBut);
  EXPECT_FALSE(two->toAll);
  EXPECT_EQ(two->userIds, (std::vector<std::int64_t>{3, 5}));
  EXPECT_EQ(two->text, "to two\nlines");
  EXPECT_TRUE(all->toAll);
  EXPECT_EQ(all->except, 0);
  EXPECT_EQ(all->text, "to all");
  EXPECT_TRUE(allBut->toAll);
  EXPECT_EQ(allBut->except, 7);
  EXPECT_TRUE(allBut->userIds.empty());
  EXPECT_EQ(allBut->text, "to all but 7");
  const auto allBut0 = BusPusher::decode(payloads[3]), sentinel = BusPusher::decode(payloads[4]);
  ASSERT_TRUE(allBut0 && sentinel);
  EXPECT_TRUE(allBut0->toAll);
  EXPECT_EQ(allBut0->except, 0);
  EXPECT_EQ(sentinel->text, "sentinel");  // the empty push sent nothing
  for (const char* bad : {"no newline", "\ntext", "*-\ntext", "*-x\ntext", "*-7x\ntext", "1,,2\ntext", "1,\ntext",
                          "+1\ntext", "1 \ntext", "99999999999999999999\ntext", "*7\ntext", "-3\ntext",
                          "0\ntext", "*--3\ntext", "*-0\ntext", "*-+3\ntext"})
    EXPECT_FALSE(BusPusher::decode(bad)) << bad;
}
