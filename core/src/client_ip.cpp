#include "client_ip.hpp"

#include <arpa/inet.h>

#include <stdexcept>

namespace mmm::core {
namespace {

// IPv4 as 4 bytes; IPv6 as 16, except IPv4-mapped IPv6 (::ffff:a.b.c.d) which is IPv4.
bool parseIp(const std::string& text, std::vector<unsigned char>& bytes) {
  unsigned char buffer[16];
  if (inet_pton(AF_INET, text.c_str(), buffer) == 1) {
    bytes.assign(buffer, buffer + 4);
    return true;
  }
  if (inet_pton(AF_INET6, text.c_str(), buffer) == 1) {
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::equal(mapped, mapped + 12, buffer))
      bytes.assign(buffer + 12, buffer + 16);
    else
      bytes.assign(buffer, buffer + 16);
    return true;
  }
  return false;
}

std::string trim(std::string_view text) {
  auto begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return "";
  auto end = text.find_last_not_of(" \t");
  return std::string(text.substr(begin, end - begin + 1));
}

}  // namespace

AddressRanges::AddressRanges(const std::vector<std::string>& entries) {
  for (const auto& entry : entries) {
    auto slash = entry.find('/');
    Range range;
    if (!parseIp(entry.substr(0, slash), range.bytes))
      throw std::invalid_argument("'" + entry + "' is not an IP address or CIDR range");
    const int bits = static_cast<int>(range.bytes.size()) * 8;
    range.prefix = bits;
    if (slash != std::string::npos) {
      try {
        std::size_t used = 0;
        range.prefix = std::stoi(entry.substr(slash + 1), &used);
        if (used != entry.size() - slash - 1) throw std::invalid_argument("prefix");
      } catch (const std::exception&) {
        throw std::invalid_argument("'" + entry + "' has a malformed prefix length");
      }
      if (range.prefix < 0 || range.prefix > bits)
        throw std::invalid_argument("'" + entry + "' has a prefix length out of range");
    }
    ranges_.push_back(std::move(range));
  }
}

bool AddressRanges::contains(const std::string& ip) const {
  std::vector<unsigned char> bytes;
  if (!parseIp(ip, bytes)) return false;
  for (const auto& range : ranges_) {
    if (range.bytes.size() != bytes.size()) continue;
    int remaining = range.prefix;
    bool match = true;
    for (std::size_t i = 0; i < bytes.size() && remaining > 0 && match; ++i, remaining -= 8) {
      const unsigned char mask = remaining >= 8 ? 0xff : static_cast<unsigned char>(0xff << (8 - remaining));
      match = (bytes[i] & mask) == (range.bytes[i] & mask);
    }
    if (match) return true;
  }
  return false;
}

std::string TrustedProxies::clientIp(const std::string& peerIp, std::string_view forwardedFor) const {
  if (forwardedFor.empty() || !trusts(peerIp)) return peerIp;
  // Walk from the right: each hop appended the address it received from; the first one
  // we do not trust is the client as far as we can tell.
  std::string_view rest = forwardedFor;
  while (!rest.empty()) {
    auto comma = rest.rfind(',');
    std::string hop = trim(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(0, comma);
    std::vector<unsigned char> bytes;
    if (!parseIp(hop, bytes)) return peerIp;  // garbage: trust nothing it says
    if (!trusts(hop)) return hop;
  }
  return peerIp;
}

}  // namespace mmm::core
