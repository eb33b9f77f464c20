// Fuzzes the client address of a request behind proxies: http::TrustedProxies::Parse over a
// TRUSTED_PROXIES list and ClientAddress over an X-Forwarded-For value, both untrusted text. The
// input is the comma-separated CIDR list, a newline, the peer address, a newline, then the
// header value. Besides crashes and sanitizer reports it checks that:
//   - an untrusted peer is always the client, whatever the header says;
//   - without a header the client is the peer;
//   - the client is the peer or an address written in the header.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "wagate/http/client_ip.h"

namespace {

namespace ip = boost::asio::ip;

void Require(bool condition, const char* invariant) {
  if (condition) return;
  std::fprintf(stderr, "invariant broken: %s\n", invariant);
  std::abort();
}

std::vector<std::string> SplitCommas(std::string_view s) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == ',') {
      out.emplace_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t first = input.find('\n');
  if (first == std::string_view::npos) return 0;
  const size_t second = input.find('\n', first + 1);
  if (second == std::string_view::npos) return 0;
  auto proxies = wagate::http::TrustedProxies::Parse(SplitCommas(input.substr(0, first)));
  if (!proxies.ok()) return 0;
  boost::system::error_code ec;
  const ip::address peer = ip::make_address(std::string(input.substr(first + 1, second - first - 1)), ec);
  if (ec) return 0;
  const std::string_view forwarded = input.substr(second + 1);
  const ip::address client = proxies->ClientAddress(peer, forwarded);
  const ip::address canonical_peer = wagate::http::CanonicalAddress(peer);
  if (!proxies->Contains(peer)) Require(client == canonical_peer, "an untrusted peer is the client");
  if (forwarded.empty()) Require(client == canonical_peer, "without a header the client is the peer");
  if (client != canonical_peer) {
    const std::string text = client.to_string();
    bool written = forwarded.find(text) != std::string_view::npos;
    // An IPv4 client may have been written as an IPv4-mapped IPv6 address.
    written = written || forwarded.find("ffff:" + text) != std::string_view::npos ||
              forwarded.find("FFFF:" + text) != std::string_view::npos;
    // Other spellings of the same address (zeros, case) parse to it; accept any hop that does.
    if (!written) {
      for (const std::string& hop : SplitCommas(forwarded)) {
        std::string h = hop;
        while (!h.empty() && (h.front() == ' ' || h.front() == '\t' || h.front() == '[')) h.erase(h.begin());
        while (!h.empty() && (h.back() == ' ' || h.back() == '\t')) h.pop_back();
        if (const size_t bracket = h.find(']'); bracket != std::string::npos) h = h.substr(0, bracket);
        boost::system::error_code hop_ec;
        ip::address a = ip::make_address(h, hop_ec);
        if (hop_ec && h.find(':') != std::string::npos && h.find('.') != std::string::npos &&
            h.rfind(':') > h.rfind('.')) {
          a = ip::make_address(h.substr(0, h.rfind(':')), hop_ec);  // "1.2.3.4:443"
        }
        if (!hop_ec && wagate::http::CanonicalAddress(a) == client) written = true;
      }
    }
    Require(written, "the client is the peer or an address written in the header");
  }
  return 0;
}
