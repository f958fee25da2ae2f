// The client's address: the peer's, unless the peer is a trusted proxy, in which case the
// right-most address in X-Forwarded-For that is not itself a trusted proxy.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mmm::core {

/// A set of IPv4/IPv6 addresses and CIDR ranges ("10.0.0.0/8", "::1"). IPv4-mapped IPv6
/// addresses count as IPv4.
class AddressRanges {
 public:
  /// Throws std::invalid_argument on a malformed entry.
  explicit AddressRanges(const std::vector<std::string>& entries = {});
  bool contains(const std::string& ip) const;

 private:
  struct Range {
    std::vector<unsigned char> bytes;  // 4 or 16
    int prefix;
  };
  std::vector<Range> ranges_;
};

class TrustedProxies {
 public:
  /// Entries as for AddressRanges.
  explicit TrustedProxies(const std::vector<std::string>& entries = {}) : proxies_(entries) {}

  bool trusts(const std::string& ip) const { return proxies_.contains(ip); }
  /// `peerIp` as seen on the socket; `forwardedFor` the X-Forwarded-For header (may be empty).
  std::string clientIp(const std::string& peerIp, std::string_view forwardedFor) const;

 private:
  AddressRanges proxies_;
};

}  // namespace mmm::core
