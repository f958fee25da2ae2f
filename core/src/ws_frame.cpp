#include "ws_frame.hpp"

#include <Poco/Base64Encoder.h>
#include <Poco/SHA1Engine.h>

#include <sstream>

namespace mmm::core::ws {

ParseResult parseClientFrame(std::string_view buffer, std::size_t maxPayload, Frame& frame) {
  ParseResult result;
  if (buffer.size() < 2) return result;
  const auto b0 = static_cast<std::uint8_t>(buffer[0]), b1 = static_cast<std::uint8_t>(buffer[1]);
  const bool fin = b0 & 0x80;
  const std::uint8_t opcode = b0 & 0x0F;
  if (b0 & 0x70) return {0, ProtocolError};  // no extensions were negotiated
  const bool control = opcode & 0x08;
  if (opcode != Continuation && opcode != Text && opcode != Binary && opcode != Close && opcode != Ping &&
      opcode != Pong)
    return {0, ProtocolError};
  if (!(b1 & 0x80)) return {0, ProtocolError};  // clients must mask
  std::uint64_t length = b1 & 0x7F;
  std::size_t at = 2;
  if (control && (!fin || length > 125)) return {0, ProtocolError};
  if (length == 126) {
    if (buffer.size() < 4) return result;
    length = (std::uint64_t(std::uint8_t(buffer[2])) << 8) | std::uint8_t(buffer[3]);
    at = 4;
  } else if (length == 127) {
    if (buffer.size() < 10) return result;
    length = 0;
    for (int i = 0; i < 8; ++i) length = (length << 8) | std::uint8_t(buffer[2 + i]);
    at = 10;
  }
  if (length > maxPayload) return {0, TooBig};
  if (buffer.size() < at + 4 + length) return result;
  const auto* mask = reinterpret_cast<const std::uint8_t*>(buffer.data() + at);
  at += 4;
  frame.fin = fin;
  frame.opcode = opcode;
  frame.payload.assign(buffer.data() + at, static_cast<std::size_t>(length));
  for (std::size_t i = 0; i < frame.payload.size(); ++i) frame.payload[i] = static_cast<char>(frame.payload[i] ^ mask[i % 4]);
  result.consumed = at + static_cast<std::size_t>(length);
  return result;
}

namespace {

std::string header(std::uint8_t opcode, std::size_t length, bool masked, bool fin) {
  std::string out;
  out.push_back(static_cast<char>((fin ? 0x80 : 0x00) | opcode));
  const std::uint8_t maskBit = masked ? 0x80 : 0x00;
  if (length < 126) {
    out.push_back(static_cast<char>(maskBit | length));
  } else if (length <= 0xFFFF) {
    out.push_back(static_cast<char>(maskBit | 126));
    out.push_back(static_cast<char>(length >> 8));
    out.push_back(static_cast<char>(length & 0xFF));
  } else {
    out.push_back(static_cast<char>(maskBit | 127));
    for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((std::uint64_t(length) >> (8 * i)) & 0xFF));
  }
  return out;
}

}  // namespace

std::string encode(std::uint8_t opcode, std::string_view payload) {
  std::string out = header(opcode, payload.size(), false, true);
  out.append(payload);
  return out;
}

std::string encodeClose(std::uint16_t code, std::string_view reason) {
  std::string payload;
  payload.push_back(static_cast<char>(code >> 8));
  payload.push_back(static_cast<char>(code & 0xFF));
  payload.append(reason.substr(0, 123));
  return encode(Close, payload);
}

std::string encodeClient(std::uint8_t opcode, std::string_view payload, std::uint32_t mask, bool fin) {
  std::string out = header(opcode, payload.size(), true, fin);
  const std::uint8_t key[4] = {std::uint8_t(mask >> 24), std::uint8_t(mask >> 16), std::uint8_t(mask >> 8),
                               std::uint8_t(mask)};
  out.append(reinterpret_cast<const char*>(key), 4);
  for (std::size_t i = 0; i < payload.size(); ++i) out.push_back(static_cast<char>(payload[i] ^ key[i % 4]));
  return out;
}

std::string acceptKey(std::string_view key) {
  Poco::SHA1Engine sha1;
  sha1.update(std::string(key) + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
  const auto& digest = sha1.digest();
  std::ostringstream out;
  Poco::Base64Encoder encoder(out);
  encoder.write(reinterpret_cast<const char*>(digest.data()), static_cast<std::streamsize>(digest.size()));
  encoder.close();
  return out.str();
}

}  // namespace mmm::core::ws
