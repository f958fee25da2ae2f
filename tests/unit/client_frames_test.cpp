// Client frames: claimed by type, parsed off the hub's threads, handed to their plugin's
// handler; what cannot be parsed, claimed, queued or handled is counted, never fatal.
#include "client_frames.hpp"
#include "plugin_gate.hpp"

#include <Poco/JSON/Object.h>
#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/null_sink.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

using mmm::core::ClientFrames;
using mmm::core::PluginGate;

namespace {

std::shared_ptr<spdlog::logger> quiet() {
  return std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
}

// A gate no reload ever closes (the reload's own tests close it).
PluginGate& openGate() {
  static PluginGate gate;
  return gate;
}

}  // namespace

TEST(ClientFrames, TypesAreNamedLikeRoutesAndClaimedOnce) {
  ClientFrames frames(1, 8, quiet(), openGate());
  auto none = [](std::int64_t, const Poco::JSON::Object&) {};
  for (const char* bad : {"", "Typing", "typ ing", "a/b", "é"})
    EXPECT_THROW(frames.claim("chat", bad, none), std::invalid_argument) << bad;
  EXPECT_THROW(frames.claim("chat", "typing", nullptr), std::invalid_argument);
  frames.claim("chat", "typing", none);
  try {
    frames.claim("other", "typing", none);
    FAIL() << "claimed twice";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("plugin 'chat'"), std::string::npos) << e.what();
  }
}

TEST(ClientFrames, EachFrameReachesItsTypesHandlerWithItsSender) {
  ClientFrames frames(2, 64, quiet(), openGate());
  std::mutex mutex;
  std::vector<std::pair<std::int64_t, std::int64_t>> seen;  // sender, channelID
  frames.claim("chat", "typing", [&](std::int64_t user, const Poco::JSON::Object& frame) {
    std::lock_guard lock(mutex);
    seen.emplace_back(user, frame.getValue<Poco::Int64>("channelID"));
  });
  frames.claim("chat", "boom", [](std::int64_t, const Poco::JSON::Object&) { throw std::runtime_error("bad frame"); });
  frames.dispatch(7, R"({"type":"typing","channelID":3})");
  frames.dispatch(8, R"({"type":"typing","channelID":4})");
  frames.dispatch(7, "not json");
  frames.dispatch(7, R"(["type","typing"])");
  frames.dispatch(7, R"({"type":7})");
  frames.dispatch(7, R"({"type":"presence"})");
  frames.dispatch(7, R"({"type":"boom"})");
  frames.stop();  // runs what is queued
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<std::pair<std::int64_t, std::int64_t>>{{7, 3}, {8, 4}}));
  EXPECT_EQ(frames.handled(), 2u);
  EXPECT_EQ(frames.unclaimed(), 4u);
  EXPECT_EQ(frames.failed(), 1u);
  EXPECT_EQ(frames.dropped(), 0u);
}

TEST(ClientFrames, AFullQueueDropsAndCountsInsteadOfWaiting) {
  ClientFrames frames(1, 2, quiet(), openGate());
  std::mutex mutex;
  std::condition_variable cv;
  bool release = false, started = false;
  frames.claim("chat", "slow", [&](std::int64_t, const Poco::JSON::Object&) {
    std::unique_lock lock(mutex);
    started = true;
    cv.notify_all();
    cv.wait(lock, [&] { return release; });
  });
  frames.dispatch(1, R"({"type":"slow"})");
  {
    std::unique_lock lock(mutex);
    cv.wait(lock, [&] { return started; });  // the one thread is busy
  }
  for (int i = 0; i < 5; ++i) frames.dispatch(1, R"({"type":"slow"})");  // 2 queue, 3 do not
  EXPECT_EQ(frames.dropped(), 3u);
  {
    std::lock_guard lock(mutex);
    release = true;
  }
  cv.notify_all();
  frames.stop();
  EXPECT_EQ(frames.handled(), 3u);
}

// A live reload: with the gate closed no handler runs; the stopped plugin's claims and
// presence watchers are gone when it opens, and its frame types can be claimed again.
TEST(ClientFrames, AReleasedPluginsHandlersNeverRunAndItsTypesAreFreeAgain) {
  PluginGate gate;
  ClientFrames frames(1, 64, quiet(), gate);
  std::atomic<int> typing{0}, presence{0};
  frames.claim("chat", "typing", [&](std::int64_t, const Poco::JSON::Object&) { typing++; });
  frames.watchPresence("chat", [&](std::int64_t, bool) { presence++; });
  ASSERT_TRUE(gate.close(std::chrono::milliseconds(100), std::chrono::steady_clock::now() + std::chrono::seconds(5),
                         [](std::size_t) {}));
  frames.dispatch(7, R"({"type":"typing"})");
  frames.presenceChanged(7, true);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(typing.load(), 0) << "a handler ran with the gate closed";
  frames.release("chat");
  gate.open();
  frames.stop();  // runs what is queued: after the release, nobody claims it
  EXPECT_EQ(typing.load(), 0);
  EXPECT_EQ(presence.load(), 0);
  EXPECT_EQ(frames.unclaimed(), 1u);
  EXPECT_NO_THROW(frames.claim("other", "typing", [](std::int64_t, const Poco::JSON::Object&) {}));
}

TEST(PluginGate, CloseWaitsForThoseInsideAndHoldsNewcomersUntilOpen) {
  PluginGate gate;
  std::atomic<bool> leftFirst{false}, closed{false}, newcomerIn{false};
  gate.enter();
  std::thread closer([&] {
    EXPECT_TRUE(gate.close(std::chrono::milliseconds(20), std::chrono::steady_clock::now() + std::chrono::seconds(30),
                           [](std::size_t inside) { EXPECT_EQ(inside, 1u); }));
    closed = true;
    EXPECT_TRUE(leftFirst.load());
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(closed.load()) << "close() did not wait for the one inside";
  std::thread newcomer([&] {
    PluginGate::Pass pass(gate);
    newcomerIn = true;
  });
  leftFirst = true;
  gate.leave();
  closer.join();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(newcomerIn.load()) << "entered while closed";
  gate.open();
  newcomer.join();
  EXPECT_TRUE(newcomerIn.load());
}

TEST(PluginGate, CloseGivesUpAtItsDeadlineAndOpensAgain) {
  PluginGate gate;
  gate.enter();  // a request that never leaves in time
  int calls = 0;
  const auto begin = std::chrono::steady_clock::now();
  EXPECT_FALSE(gate.close(std::chrono::milliseconds(20), begin + std::chrono::milliseconds(150),
                          [&](std::size_t) { ++calls; }));
  EXPECT_GE(std::chrono::steady_clock::now() - begin, std::chrono::milliseconds(150));
  EXPECT_GT(calls, 0);
  std::thread newcomer([&] { PluginGate::Pass pass(gate); });  // open again: it gets in
  newcomer.join();
  gate.leave();
}
