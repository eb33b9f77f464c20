#include "wagate/http/client_ip.h"

#include <charconv>
#include <optional>

namespace wagate::http {

namespace ip = boost::asio::ip;

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<ip::address> ParseAddress(std::string_view text) {
  boost::system::error_code ec;
  ip::address a = ip::make_address(std::string(text), ec);
  if (ec) return std::nullopt;
  return a;
}

// One X-Forwarded-For hop: "1.2.3.4", "2001:db8::1", "[2001:db8::1]", "[2001:db8::1]:443" or
// "1.2.3.4:443" (some proxies append the port).
std::optional<ip::address> ParseHop(std::string_view hop) {
  if (hop.empty()) return std::nullopt;
  if (hop.front() == '[') {
    size_t close = hop.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    std::string_view rest = hop.substr(close + 1);
    if (!rest.empty() &&
        (rest.front() != ':' || rest.size() == 1 ||
         rest.substr(1).find_first_not_of("0123456789") != std::string_view::npos)) {
      return std::nullopt;
    }
    std::optional<ip::address> a = ParseAddress(hop.substr(1, close - 1));
    if (!a || !a->is_v6()) return std::nullopt;
    return a;
  }
  size_t colon = hop.find(':');
  if (colon != std::string_view::npos && hop.find(':', colon + 1) == std::string_view::npos) {
    std::string_view port = hop.substr(colon + 1);  // exactly one colon: IPv4 with a port
    if (port.empty() || port.find_first_not_of("0123456789") != std::string_view::npos) {
      return std::nullopt;
    }
    std::optional<ip::address> a = ParseAddress(hop.substr(0, colon));
    if (!a || !a->is_v4()) return std::nullopt;
    return a;
  }
  return ParseAddress(hop);
}

}  // namespace

ip::address CanonicalAddress(const ip::address& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return ip::make_address_v4(ip::v4_mapped, address.to_v6());
  }
  return address;
}

std::array<uint8_t, 16> AddressKey(const ip::address& address) {
  ip::address a = CanonicalAddress(address);
  if (a.is_v4()) return ip::make_address_v6(ip::v4_mapped, a.to_v4()).to_bytes();
  return a.to_v6().to_bytes();
}

StatusOr<TrustedProxies> TrustedProxies::Parse(const std::vector<std::string>& cidrs) {
  TrustedProxies proxies;
  for (const std::string& entry : cidrs) {
    std::string_view text = Trim(entry);
    size_t slash = text.find('/');
    std::optional<ip::address> address = ParseAddress(text.substr(0, slash));
    if (!address) return InvalidArgumentError("not an IPv4 or IPv6 CIDR: " + entry);
    ip::address canonical = CanonicalAddress(*address);
    const int family_bits = canonical.is_v4() ? 32 : 128;
    int prefix = family_bits;
    if (slash != std::string_view::npos) {
      std::string_view digits = text.substr(slash + 1);
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
      if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() ||
          prefix < 0 || prefix > family_bits) {
        return InvalidArgumentError("not an IPv4 or IPv6 CIDR: " + entry);
      }
    }
    proxies.networks_.push_back({AddressKey(canonical), prefix + (128 - family_bits)});
  }
  return proxies;
}

bool TrustedProxies::Contains(const ip::address& address) const {
  const std::array<uint8_t, 16> key = AddressKey(address);
  for (const Network& n : networks_) {
    int bits = n.prefix_bits;
    size_t i = 0;
    for (; bits >= 8; bits -= 8, ++i) {
      if (key[i] != n.bytes[i]) break;
    }
    if (bits >= 8) continue;  // a whole byte differed
    if (bits == 0) return true;
    const auto mask = static_cast<uint8_t>(0xFF << (8 - bits));
    if ((key[i] & mask) == (n.bytes[i] & mask)) return true;
  }
  return false;
}

ip::address TrustedProxies::ClientAddress(const ip::address& peer,
                                          std::string_view forwarded_for) const {
  ip::address current = CanonicalAddress(peer);
  std::string_view rest = forwarded_for;
  while (Contains(current)) {
    // The hop left of `current` is the one `current` received the request from.
    std::string_view hop;
    do {
      if (Trim(rest).empty()) return current;  // every hop trusted: the left-most
      size_t comma = rest.rfind(',');
      hop = Trim(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(0, comma);
    } while (hop.empty());  // empty list elements are allowed and mean nothing
    std::optional<ip::address> parsed = ParseHop(hop);
    if (!parsed) return current;  // not an address: nothing further left can be attributed
    current = CanonicalAddress(*parsed);
  }
  return current;
}

ip::address TrustedProxies::ClientAddress(const ip::address& peer, const Request& request) const {
  if (networks_.empty()) return CanonicalAddress(peer);
  std::string joined;
  auto range = request.equal_range("X-Forwarded-For");
  for (auto it = range.first; it != range.second; ++it) {
    if (!joined.empty()) joined += ',';
    joined.append(it->value().data(), it->value().size());
  }
  return ClientAddress(peer, joined);
}

}  // namespace wagate::http
