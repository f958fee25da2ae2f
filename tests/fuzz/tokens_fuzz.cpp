// libFuzzer target: session tokens and configured keys as an attacker or a typo gives them.
// verify() must never accept what issue() did not make, never crash on any length.
#include "tokens.hpp"

#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

using mmm::core::TokenSigner;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const TokenSigner signer(std::vector<unsigned char>(32, 0x5a));
  const std::string text(reinterpret_cast<const char*>(data), size);
  if (signer.verify(text)) std::abort();  // a forgery (the fuzzer cannot know the key)
  TokenSigner::storageKey(text);
  try {
    if (TokenSigner::parseKey(text).size() < 32) std::abort();
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
