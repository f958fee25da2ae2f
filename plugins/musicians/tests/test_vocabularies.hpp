// The built-in vocabularies, made once for the unit tests, and a helper that turns a
// refused input into "STATUS detail".
#pragma once

#include "vocabulary.hpp"

#include <mmm/error.hpp>

#include <string>

namespace mmm::musicians::test {

inline const Vocabulary& instruments() {
  static const Vocabulary v(builtInInstruments(), {}, true);
  return v;
}
inline const Vocabulary& genres() {
  static const Vocabulary v(builtInGenres(), {}, false);
  return v;
}

/// "accepted" when `parse` returns, else "STATUS detail" of the HttpError it throws.
template <class Parse>
std::string refusal(Parse&& parse) {
  try {
    parse();
  } catch (const HttpError& e) {
    return std::to_string(e.status()) + " " + e.detail();
  }
  return "accepted";
}

}  // namespace mmm::musicians::test
