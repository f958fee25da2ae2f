#include "client_ip.hpp"

#include <gtest/gtest.h>

using mmm::core::TrustedProxies;

TEST(ClientIp, ThePeerUnlessItIsATrustedProxy) {
  TrustedProxies none;
  EXPECT_EQ(none.clientIp("203.0.113.5", "198.51.100.7"), "203.0.113.5");  // nobody trusted: XFF ignored
  TrustedProxies proxies({"10.0.0.0/8", "127.0.0.1", "::1"});
  EXPECT_EQ(proxies.clientIp("203.0.113.5", "198.51.100.7"), "203.0.113.5");  // untrusted peer
  EXPECT_EQ(proxies.clientIp("10.1.2.3", "198.51.100.7"), "198.51.100.7");
  EXPECT_EQ(proxies.clientIp("127.0.0.1", ""), "127.0.0.1");
  // Right to left, skipping trusted hops; a spoofed left-most entry is not believed.
  EXPECT_EQ(proxies.clientIp("10.1.2.3", "6.6.6.6, 198.51.100.7, 10.9.9.9"), "198.51.100.7");
  EXPECT_EQ(proxies.clientIp("::1", "2001:db8::1"), "2001:db8::1");
  EXPECT_EQ(proxies.clientIp("127.0.0.1", "not-an-ip"), "127.0.0.1");
}

TEST(ClientIp, RangesMatchByPrefix) {
  TrustedProxies proxies({"192.168.4.0/22", "2001:db8::/32"});
  EXPECT_TRUE(proxies.trusts("192.168.7.255"));
  EXPECT_FALSE(proxies.trusts("192.168.8.0"));
  EXPECT_TRUE(proxies.trusts("2001:db8:ffff::1"));
  EXPECT_FALSE(proxies.trusts("2001:db9::1"));
  EXPECT_TRUE(proxies.trusts("::ffff:192.168.5.1"));  // IPv4-mapped IPv6 is the IPv4 address
  EXPECT_FALSE(proxies.trusts("garbage"));
  EXPECT_THROW(TrustedProxies({"10.0.0.0/33"}), std::invalid_argument);
  EXPECT_THROW(TrustedProxies({"10.0.0/8"}), std::invalid_argument);
  EXPECT_THROW(TrustedProxies({"10.0.0.0/x"}), std::invalid_argument);
}
