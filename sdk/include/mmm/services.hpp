// Typed services that plugins offer each other in-process. A provider registers at start;
// a dependent looks it up at its own start (required plugins start first). A service type
// names itself with `static constexpr const char* kServiceName`.
#pragma once

#include <mmm/abi.hpp>

#include <memory>
#include <string>

namespace mmm {

class MMM_EXPORT Services {
 public:
  virtual ~Services() = default;

  virtual void provide(const std::string& name, std::shared_ptr<void> service) = 0;
  /// nullptr when nobody provides `name` (e.g. an optional plugin is disabled).
  virtual std::shared_ptr<void> find(const std::string& name) const = 0;

  template <class T>
  void provide(std::shared_ptr<T> service) {
    provide(T::kServiceName, std::shared_ptr<void>(std::move(service)));
  }
  template <class T>
  std::shared_ptr<T> find() const {
    return std::static_pointer_cast<T>(find(T::kServiceName));
  }
};

}  // namespace mmm
