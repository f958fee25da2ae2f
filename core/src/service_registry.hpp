// The host's registry of the typed services plugins offer each other (mmm/services.hpp):
// a service is found only at the version and type it was offered as. Each service
// remembers the plugin that offered it, so that a plugin stopped by a live reload takes
// its services with it.
#pragma once

#include <mmm/error.hpp>
#include <mmm/services.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <iterator>
#include <string>

namespace mmm::core {

class ServiceRegistry final : public Services {
 public:
  using Services::find;  // the typed templates, not hidden by the overrides below
  using Services::provide;
  void provide(const std::string& name, int version, const std::string& type, std::shared_ptr<void> service) override {
    provideAs({}, name, version, type, std::move(service));
  }
  void provideAs(const std::string& owner, const std::string& name, int version, const std::string& type,
                 std::shared_ptr<void> service) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!service) throw PluginError("service '" + name + "' provided as null");
    if (!services_.emplace(name, Entry{version, type, std::move(service), owner}).second)
      throw PluginError("service '" + name + "' is provided twice");
  }
  /// Forgets the services `owner` offered.
  void removeOwner(const std::string& owner) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = services_.begin(); it != services_.end();)
      it = it->second.owner == owner ? services_.erase(it) : std::next(it);
  }
  std::shared_ptr<void> find(const std::string& name, int version, const std::string& type) const override {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = services_.find(name);
    if (it == services_.end()) return nullptr;
    const Entry& entry = it->second;
    if (entry.version != version)
      throw PluginError("service '" + name + "' is offered at version " + std::to_string(entry.version) +
                        ", but version " + std::to_string(version) + " was asked for: rebuild the plugins against one SDK");
    if (entry.type != type)
      throw PluginError("service '" + name + "' is offered as type " + entry.type + ", but " + type + " was asked for");
    return entry.service;
  }
  void clear() {
    std::lock_guard<std::mutex> lock(mutex_);
    services_.clear();
  }

 private:
  struct Entry {
    int version;
    std::string type;
    std::shared_ptr<void> service;
    std::string owner;  // the plugin that offered it
  };
  mutable std::mutex mutex_;
  std::map<std::string, Entry> services_;
};

/// What one plugin sees of the registry: what it provides is recorded as its own.
class PluginServices final : public Services {
 public:
  using Services::find;
  using Services::provide;
  PluginServices(ServiceRegistry& registry, std::string owner) : registry_(registry), owner_(std::move(owner)) {}
  void provide(const std::string& name, int version, const std::string& type, std::shared_ptr<void> service) override {
    registry_.provideAs(owner_, name, version, type, std::move(service));
  }
  std::shared_ptr<void> find(const std::string& name, int version, const std::string& type) const override {
    return registry_.find(name, version, type);
  }

 private:
  ServiceRegistry& registry_;
  std::string owner_;
};

}  // namespace mmm::core
