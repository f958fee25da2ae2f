// The emoji people may react to messages with: the `reactions` list of the plugin's
// configuration (API.md's set by default), checked once at start.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mmm::chat {

/// Different emoji one message may carry (API.md).
constexpr std::size_t kMaxReactionsPerMessage = 20;
/// Characters of one configured emoji: room for a ZWJ sequence or a flag, and the column's width.
constexpr std::size_t kMaxEmojiChars = 32;

class ReactionSet {
 public:
  /// API.md's default set.
  static std::vector<std::string> defaults();
  /// std::invalid_argument for an empty, over-long, invalid UTF-8, white-space, "/" or repeated entry.
  explicit ReactionSet(std::vector<std::string> emoji);
  bool contains(std::string_view emoji) const;
  const std::vector<std::string>& all() const { return emoji_; }

 private:
  std::vector<std::string> emoji_;
};

}  // namespace mmm::chat
