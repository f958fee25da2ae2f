// Typed, versioned services: found only as what they were offered as.
#include "service_registry.hpp"

#include <gtest/gtest.h>

using mmm::PluginError;
using mmm::core::ServiceRegistry;

namespace {

struct Greeter {
  static constexpr const char* kServiceName = "test.greeter";
  static constexpr int kServiceVersion = 2;
  virtual ~Greeter() = default;
  virtual std::string hello() const { return "hello"; }
};
struct OldGreeter {  // what a plugin built against an older SDK would ask for
  static constexpr const char* kServiceName = "test.greeter";
  static constexpr int kServiceVersion = 1;
};
struct Impostor {  // same name and version, another type
  static constexpr const char* kServiceName = "test.greeter";
  static constexpr int kServiceVersion = 2;
};

}  // namespace

TEST(ServiceRegistry, FindsWhatWasProvidedAndNothingForAnAbsentOne) {
  ServiceRegistry registry;
  EXPECT_EQ(registry.find<Greeter>(), nullptr);  // an optional plugin that is off
  registry.provide<Greeter>(std::make_shared<Greeter>());
  auto greeter = registry.find<Greeter>();
  ASSERT_TRUE(greeter);
  EXPECT_EQ(greeter->hello(), "hello");
  EXPECT_THROW(registry.provide<Greeter>(std::make_shared<Greeter>()), PluginError);
}

TEST(ServiceRegistry, AnotherVersionOrTypeIsRefusedNamingBoth) {
  ServiceRegistry registry;
  registry.provide<Greeter>(std::make_shared<Greeter>());
  try {
    registry.find<OldGreeter>();
    FAIL() << "an older version was handed out";
  } catch (const PluginError& e) {
    EXPECT_NE(std::string(e.what()).find("offered at version 2, but version 1 was asked for"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(registry.find<Impostor>(), PluginError);
}
