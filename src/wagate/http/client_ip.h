// TrustedProxies: which peers may name the client in X-Forwarded-For, and who the client is.
//
// The client address of a request is its peer address. When the peer is a trusted proxy (one of
// the TRUSTED_PROXIES CIDRs), it is instead the right-most X-Forwarded-For hop that is not itself
// a trusted proxy, or the left-most hop when every one is trusted. Only hops appended by trusted
// proxies are believed: whatever lies left of the first untrusted hop was written by the client.
// An entry that is not an address (or an address with a port) ends the walk at the last hop that
// could be attributed, so garbage never lets a client choose its own address.
//
// IPv4-mapped IPv6 addresses (::ffff:a.b.c.d, as seen on a dual-stack listener) are treated as
// the IPv4 address everywhere.
//
// Thread safety: immutable after Parse(); safe from any thread.
#pragma once

#include <boost/asio/ip/address.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "wagate/base/status.h"
#include "wagate/http/types.h"

namespace wagate::http {

class TrustedProxies {
 public:
  // Trusts no one: the client is always the peer.
  TrustedProxies() = default;

  // `cidrs` are "10.0.0.0/8", "2001:db8::/32" or single addresses. InvalidArgument names the
  // first entry that is none of these.
  static StatusOr<TrustedProxies> Parse(const std::vector<std::string>& cidrs);

  bool Contains(const boost::asio::ip::address& address) const;

  // `forwarded_for` is the X-Forwarded-For value (several fields joined by commas, in order).
  boost::asio::ip::address ClientAddress(const boost::asio::ip::address& peer,
                                         std::string_view forwarded_for) const;
  // The same, reading every X-Forwarded-For field of `request`.
  boost::asio::ip::address ClientAddress(const boost::asio::ip::address& peer,
                                         const Request& request) const;

 private:
  struct Network {
    std::array<uint8_t, 16> bytes;  // IPv4 as IPv4-mapped IPv6
    int prefix_bits;                // over the 128 bits
  };
  std::vector<Network> networks_;
};

// `address` with an IPv4-mapped IPv6 address turned into IPv4.
boost::asio::ip::address CanonicalAddress(const boost::asio::ip::address& address);

// The 16 bytes of `address`, IPv4 as IPv4-mapped IPv6, so that both families share one key.
std::array<uint8_t, 16> AddressKey(const boost::asio::ip::address& address);

}  // namespace wagate::http
