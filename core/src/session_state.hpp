// What the core reads of a session's state: the user id, by convention its top-level "id".
#pragma once

#include <cstdint>
#include <string_view>

namespace mmm::core {

/// The user id a session's state holds: its top-level "id", by convention (0 when there is
/// none, or the state is not a JSON object). The state the users plugin writes (plain
/// JsonWriter output: no spaces, escapes or nesting) is read in one pass without a tree;
/// any other goes through Poco::JSON, with the same answer.
std::int64_t sessionUserId(std::string_view state);

}  // namespace mmm::core
