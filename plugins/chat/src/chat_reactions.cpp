#include "chat_reactions.hpp"

#include <mmm/text.hpp>

#include <algorithm>
#include <stdexcept>

namespace mmm::chat {

std::vector<std::string> ReactionSet::defaults() {
  return {"👍", "👎", "❤️", "😂", "🎉", "😮", "😢", "🙏", "🔥", "👏", "🎸", "🥁", "🎹", "🎻", "🎺", "🎤", "🎶"};
}

ReactionSet::ReactionSet(std::vector<std::string> emoji) : emoji_(std::move(emoji)) {
  for (std::size_t i = 0; i < emoji_.size(); ++i) {
    const auto& e = emoji_[i];
    const std::string which = "reactions[" + std::to_string(i) + "]";
    if (e.empty()) throw std::invalid_argument(which + " is empty");
    if (!isValidUtf8(e)) throw std::invalid_argument(which + " is not valid UTF-8");
    if (utf8Length(e) > kMaxEmojiChars)
      throw std::invalid_argument(which + " is longer than " + std::to_string(kMaxEmojiChars) + " characters");
    // It is a path segment of PUT /v1/messages/{id}/reactions/{emoji}.
    if (e.find('/') != std::string::npos || std::any_of(e.begin(), e.end(), [](unsigned char c) { return c <= ' '; }))
      throw std::invalid_argument(which + " has a '/', a space or a control character");
    if (std::find(emoji_.begin(), emoji_.begin() + static_cast<std::ptrdiff_t>(i), e) != emoji_.begin() + static_cast<std::ptrdiff_t>(i))
      throw std::invalid_argument(which + " '" + e + "' is listed twice");
  }
}

bool ReactionSet::contains(std::string_view emoji) const {
  return std::find(emoji_.begin(), emoji_.end(), emoji) != emoji_.end();
}

}  // namespace mmm::chat
