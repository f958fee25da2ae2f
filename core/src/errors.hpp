// What went wrong, as text: Poco's exceptions carry their detail in displayText(), not what().
#pragma once

#include <Poco/Exception.h>

#include <exception>
#include <string>

namespace mmm::core {

inline std::string describe(const std::exception& e) {
  const auto* poco = dynamic_cast<const Poco::Exception*>(&e);
  return poco ? poco->displayText() : e.what();
}

}  // namespace mmm::core
