#include "plugin_host.hpp"

#include <mmm/error.hpp>

#include <gtest/gtest.h>

using mmm::PluginError;
using mmm::core::PluginNode;
using mmm::core::startOrder;

TEST(PluginOrder, DependenciesStartFirstAndOtherwiseConfigOrderHolds) {
  auto order = startOrder({{"chat", {"users"}, {}},
                           {"meetups", {"users"}, {"chat"}},
                           {"users", {}, {}},
                           {"extra", {}, {}}});
  EXPECT_EQ(order, (std::vector<std::string>{"users", "chat", "meetups", "extra"}));
}

TEST(PluginOrder, OptionalDependencyThatIsAbsentIsIgnored) {
  auto order = startOrder({{"meetups", {}, {"chat"}}});
  EXPECT_EQ(order, (std::vector<std::string>{"meetups"}));
}

TEST(PluginOrder, MissingRequiredPluginIsAnError) {
  try {
    startOrder({{"meetups", {"users"}, {}}});
    FAIL();
  } catch (const PluginError& e) {
    EXPECT_STREQ(e.what(), "plugin 'meetups' requires plugin 'users', which is not enabled");
  }
}

TEST(PluginOrder, CycleIsAnErrorNamingItsMembers) {
  try {
    startOrder({{"a", {"b"}, {}}, {"b", {"c"}, {}}, {"c", {}, {"a"}}});
    FAIL();
  } catch (const PluginError& e) {
    EXPECT_STREQ(e.what(), "plugin dependency cycle: a -> b -> c -> a");
  }
}

TEST(PluginDescriptor, AcceptsOwnBuild) {
  mmm_plugin_descriptor d = {MMM_ABI_MAJOR, MMM_ABI_MINOR, sizeof(mmm_plugin_descriptor),
                             MMM_BUILD_KEY, "x", "1", "", "",
                             []() noexcept -> mmm::Plugin* { return nullptr; },
                             [](mmm::Plugin*) noexcept {}};
  EXPECT_EQ(mmm::core::checkDescriptor(d, "libx.so", "x"), std::nullopt);
  d.abi_minor = 0;  // an older minor is fine
  EXPECT_EQ(mmm::core::checkDescriptor(d, "libx.so", "x"), std::nullopt);
  d.build_key = "other";
  EXPECT_NE(mmm::core::checkDescriptor(d, "libx.so", "x"), std::nullopt);
}
