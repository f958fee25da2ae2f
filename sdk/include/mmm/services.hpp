// Typed services that plugins offer each other in-process. A provider registers at start;
// a dependent looks it up at its own start (required plugins start first).
//
// A service interface names itself and its version:
//   static constexpr const char* kServiceName = "mmm.profiles";
//   static constexpr int kServiceVersion = 1;  // raised by any change to the interface
// Plugins implement these interfaces, so a change to one is a change of the ABI's major
// version too (see abi.hpp); the version here lets the host say precisely which service a
// plugin expected when the two disagree, instead of handing out the wrong object.
#pragma once

#include <mmm/abi.hpp>

#include <memory>
#include <string>
#include <typeinfo>

namespace mmm {

class MMM_EXPORT Services {
 public:
  virtual ~Services() = default;

  /// Registers `service` under `name`. `version` is the interface's kServiceVersion and
  /// `type` its type's mangled name (compared as text: plugins are loaded RTLD_LOCAL).
  /// Throws PluginError when `name` is already provided.
  virtual void provide(const std::string& name, int version, const std::string& type,
                       std::shared_ptr<void> service) = 0;
  /// nullptr when nobody provides `name` (e.g. an optional plugin is disabled). Throws
  /// PluginError, naming both sides, when the provider offers another version or type.
  virtual std::shared_ptr<void> find(const std::string& name, int version, const std::string& type) const = 0;

  template <class T>
  void provide(std::shared_ptr<T> service) {
    provide(T::kServiceName, T::kServiceVersion, typeid(T).name(), std::shared_ptr<void>(std::move(service)));
  }
  template <class T>
  std::shared_ptr<T> find() const {
    return std::static_pointer_cast<T>(find(T::kServiceName, T::kServiceVersion, typeid(T).name()));
  }
};

}  // namespace mmm
