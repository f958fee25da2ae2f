// Test support: a WebSocket client on a plain socket (handshake, masked frames, server
// frame parsing), so tests control every byte, including the broken ones.
#pragma once

#include "test_http.hpp"
#include "ws_frame.hpp"

#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>

#include <chrono>
#include <optional>
#include <random>
#include <string>

namespace mmm::test {

struct WsMessage {
  std::uint8_t opcode = 0;
  std::string payload;
  std::uint16_t closeCode() const {
    return payload.size() >= 2 ? static_cast<std::uint16_t>((std::uint8_t(payload[0]) << 8) | std::uint8_t(payload[1])) : 0;
  }
};

class WsClient {
 public:
  /// Connects and sends the upgrade for `target` (e.g. "/v1/ws?auth=Bearer%20…").
  /// `receiveBuffer` > 0 shrinks the socket's receive buffer (before connecting, so the
  /// window stays small): a client that reads slowly, for real.
  /// `sameWrite` is sent in the same write as the upgrade request (frames a client sends
  /// before it has seen the 101).
  WsClient(std::uint16_t port, const std::string& target, const std::string& extraHeaders = "", int receiveBuffer = 0,
           const std::string& sameWrite = "")
      : socket_(Poco::Net::SocketAddress::IPv4) {
    if (receiveBuffer > 0) socket_.setReceiveBufferSize(receiveBuffer);
    socket_.connect(Poco::Net::SocketAddress("127.0.0.1", port));
    socket_.setReceiveTimeout(Poco::Timespan(5, 0));
    const std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                                "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
                                extraHeaders + "\r\n" + sameWrite;
    socket_.sendBytes(request.data(), static_cast<int>(request.size()));
    // Read the response head (and, for an error, its body).
    while (buffer_.find("\r\n\r\n") == std::string::npos)
      if (!fill()) break;
    const auto end = buffer_.find("\r\n\r\n");
    if (end == std::string::npos) return;
    head_ = buffer_.substr(0, end);
    buffer_.erase(0, end + 4);
    status_ = std::stoi(head_.substr(9, 3));
  }

  int status() const { return status_; }
  const std::string& head() const { return head_; }
  Poco::Net::StreamSocket& socket() { return socket_; }

  void send(std::uint8_t opcode, const std::string& payload, bool fin = true) {
    sendBytes(core::ws::encodeClient(opcode, payload, random_(), fin));
  }
  void sendBytes(const std::string& bytes) { socket_.sendBytes(bytes.data(), static_cast<int>(bytes.size())); }

  /// The next frame from the server (pings answered on the way), or nullopt on timeout
  /// or end of stream.
  std::optional<WsMessage> next(std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (auto frame = parse()) {
        if (frame->opcode == core::ws::Ping && answerPings_) {
          send(core::ws::Pong, frame->payload);
          continue;
        }
        return frame;
      }
      const auto left = deadline - std::chrono::steady_clock::now();
      if (left <= std::chrono::milliseconds(0)) return std::nullopt;
      socket_.setReceiveTimeout(Poco::Timespan(std::chrono::duration_cast<std::chrono::microseconds>(left).count()));
      if (!fill()) return std::nullopt;
    }
  }

  /// The next text frame's payload ("" on timeout or a non-text frame).
  std::string nextText(std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
    auto frame = next(timeout);
    return frame && frame->opcode == core::ws::Text ? frame->payload : "";
  }

  /// True when the server closed the connection (a close frame or end of stream) within
  /// `timeout`; sets `closeCode` when it said why.
  /// Whether next() answers pings itself (true) or returns them like any frame.
  void answerPings(bool answer) { answerPings_ = answer; }

  /// The server ended the TCP stream (seen by a read).
  bool eof() const { return eof_; }

  bool closedWithin(std::chrono::milliseconds timeout, std::uint16_t& closeCode) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto frame = next(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
      if (!frame) return eof_;
      if (frame->opcode == core::ws::Close) {
        closeCode = frame->closeCode();
        return true;
      }
    }
    return false;
  }

 private:
  bool fill() {
    char chunk[65536];
    int n = 0;
    try {
      n = socket_.receiveBytes(chunk, sizeof chunk);
    } catch (const Poco::TimeoutException&) {
      return false;
    } catch (const Poco::Exception&) {
      eof_ = true;  // reset by the server
      return false;
    }
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }

  // A server frame (unmasked) from the front of the buffer.
  std::optional<WsMessage> parse() {
    if (buffer_.size() < 2) return std::nullopt;
    const auto b0 = std::uint8_t(buffer_[0]), b1 = std::uint8_t(buffer_[1]);
    std::uint64_t length = b1 & 0x7F;
    std::size_t at = 2;
    if (length == 126) {
      if (buffer_.size() < 4) return std::nullopt;
      length = (std::uint64_t(std::uint8_t(buffer_[2])) << 8) | std::uint8_t(buffer_[3]);
      at = 4;
    } else if (length == 127) {
      if (buffer_.size() < 10) return std::nullopt;
      length = 0;
      for (int i = 0; i < 8; ++i) length = (length << 8) | std::uint8_t(buffer_[2 + i]);
      at = 10;
    }
    if (buffer_.size() < at + length) return std::nullopt;
    WsMessage message{static_cast<std::uint8_t>(b0 & 0x0F), buffer_.substr(at, static_cast<std::size_t>(length))};
    buffer_.erase(0, at + static_cast<std::size_t>(length));
    return message;
  }

  Poco::Net::StreamSocket socket_;
  std::string buffer_, head_;
  int status_ = 0;
  bool eof_ = false;
  bool answerPings_ = true;
  std::mt19937 random_{std::random_device{}()};
};

}  // namespace mmm::test
