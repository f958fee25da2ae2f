// WebSocket framing (RFC 6455) as pure functions over buffers: the hub does its own
// framing on non-blocking sockets (Poco 1.11's WebSocket reads are blocking-only).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mmm::core::ws {

enum Opcode : std::uint8_t { Continuation = 0x0, Text = 0x1, Binary = 0x2, Close = 0x8, Ping = 0x9, Pong = 0xA };

enum CloseCode : std::uint16_t {
  Normal = 1000,
  GoingAway = 1001,
  ProtocolError = 1002,
  InvalidData = 1007,
  PolicyViolation = 1008,
  TooBig = 1009,
  TryAgainLater = 1013,
};

struct Frame {
  bool fin = true;
  std::uint8_t opcode = Text;
  std::string payload;  // unmasked
};

struct ParseResult {
  std::size_t consumed = 0;  // 0: need more bytes (or error)
  std::uint16_t error = 0;   // a close code when the bytes are not acceptable
};

/// Parses one client frame from the front of `buffer`. Client frames must be masked; a
/// payload over `maxPayload`, reserved bits, unknown opcodes, fragmented or oversized
/// control frames are errors.
ParseResult parseClientFrame(std::string_view buffer, std::size_t maxPayload, Frame& frame);

/// A server frame (unmasked, FIN set).
std::string encode(std::uint8_t opcode, std::string_view payload);
std::string encodeClose(std::uint16_t code, std::string_view reason = {});

/// A client frame (masked with `mask`), for tests and load clients.
std::string encodeClient(std::uint8_t opcode, std::string_view payload, std::uint32_t mask, bool fin = true);

/// Sec-WebSocket-Accept for a Sec-WebSocket-Key.
std::string acceptKey(std::string_view key);

}  // namespace mmm::core::ws
