#include "wagate/whatsapp/handshake.h"

#include <openssl/crypto.h>

#include <algorithm>

namespace wagate::whatsapp {
namespace {

// "Printable" is the C locale's isprint: space through '~'. Meta's challenges are digits; the
// limit exists so the echoed body cannot carry control characters or non-ASCII bytes.
bool IsPrintableAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c <= 0x7E; });
}

}  // namespace

StatusOr<std::string> VerifyHandshake(std::string_view configured_token,
                                      std::optional<std::string_view> mode,
                                      std::optional<std::string_view> token,
                                      std::optional<std::string_view> challenge) {
  if (configured_token.empty()) return PermissionDeniedError("no verify token is configured");
  if (mode != "subscribe") return PermissionDeniedError("hub.mode is not \"subscribe\"");
  if (!token.has_value() || !ConstantTimeEquals(*token, configured_token)) {
    return PermissionDeniedError("hub.verify_token does not match");
  }
  if (!challenge.has_value() || challenge->empty()) {
    return InvalidArgumentError("hub.challenge is missing");
  }
  if (challenge->size() > kMaxChallengeBytes) {
    return InvalidArgumentError("hub.challenge is over 256 bytes");
  }
  if (!IsPrintableAscii(*challenge)) {
    return InvalidArgumentError("hub.challenge is not printable ASCII");
  }
  return std::string(*challenge);
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  // The lengths are not secret (a token's length is no help in guessing its bytes).
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace wagate::whatsapp
