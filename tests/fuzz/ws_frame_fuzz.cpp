// libFuzzer target: client bytes through the hub's frame decoder, frame after frame, as the
// hub reads them. A crash, a sanitizer report or a broken invariant is a finding.
#include "ws_frame.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

using namespace mmm::core;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  constexpr std::size_t kMaxPayload = 1024;
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  while (!rest.empty()) {
    ws::Frame frame;
    const auto result = ws::parseClientFrame(rest, kMaxPayload, frame);
    if (result.error) {
      if (result.error < 1000 || result.error > 1011) std::abort();
      break;
    }
    if (result.consumed == 0) break;  // needs more
    if (result.consumed > rest.size() || frame.payload.size() > kMaxPayload) std::abort();
    if (frame.opcode >= ws::Close && (!frame.fin || frame.payload.size() > 125)) std::abort();
    rest.remove_prefix(result.consumed);
    // What the server would send back must stay a well-formed frame.
    if (frame.opcode == ws::Ping && ws::encode(ws::Pong, frame.payload).size() < frame.payload.size() + 2) std::abort();
  }
  return 0;
}
