// libFuzzer target: arbitrary bytes through RequestParser as the front feeds it, in pieces
// and pipelined, with small limits so that the limit paths are reached too. Any crash,
// sanitizer report or broken invariant (taking more than was offered) is a finding.
#include "http_parser.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>

using mmm::core::ParseLimits;
using mmm::core::RequestParser;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // The first byte chooses how the rest arrives: in pieces of 1 to 64 bytes, or whole.
  const std::size_t piece = data[0] % 65;
  std::string input(reinterpret_cast<const char*>(data + 1), size - 1);
  ParseLimits limits;
  limits.maxHeaderBytes = 1024;
  limits.maxBodyBytes = 2048;

  std::string pending;
  std::size_t offered = 0;
  int requests = 0;
  auto parser = std::make_unique<RequestParser>(limits);
  while (requests < 64) {
    const std::size_t step = piece == 0 ? input.size() - offered : std::min(piece, input.size() - offered);
    pending.append(input, offered, step);
    offered += step;
    const std::size_t taken = parser->feed(pending);
    if (taken > pending.size()) std::abort();
    pending.erase(0, taken);
    if (parser->state() == RequestParser::State::Error) {
      if (parser->errorStatus() < 400 || parser->errorStatus() > 505) std::abort();
      if (parser->headerParsed()) parser->take();
      break;
    }
    if (parser->state() == RequestParser::State::Done) {
      auto request = parser->take();
      if (request.body.size() > limits.maxBodyBytes) std::abort();
      std::string path, query;
      mmm::core::splitTarget(request.target, path, query);
      mmm::core::escapeForLog(request.target);
      ++requests;
      parser = std::make_unique<RequestParser>(limits);
      continue;
    }
    if (offered == input.size()) break;  // needs more than there is
  }
  return 0;
}
