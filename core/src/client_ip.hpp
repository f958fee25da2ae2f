// The client's address: the peer's, unless the peer is a trusted proxy, in which case the
// right-most address in X-Forwarded-For that is not itself a trusted proxy.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mmm::core {

class TrustedProxies {
 public:
  /// Entries are IPv4/IPv6 addresses or CIDR ranges ("10.0.0.0/8", "::1"). Throws
  /// std::invalid_argument on a malformed entry.
  explicit TrustedProxies(const std::vector<std::string>& entries = {});

  bool trusts(const std::string& ip) const;
  /// `peerIp` as seen on the socket; `forwardedFor` the X-Forwarded-For header (may be empty).
  std::string clientIp(const std::string& peerIp, std::string_view forwardedFor) const;

 private:
  struct Range {
    std::vector<unsigned char> bytes;  // 4 or 16
    int prefix;
  };
  std::vector<Range> ranges_;
};

}  // namespace mmm::core
