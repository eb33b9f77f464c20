// Fuzzes whatsapp::SignatureVerifier::Verify with an arbitrary X-Hub-Signature-256 value and
// body. The input is the header value, a newline, then the body (a header cannot hold a newline),
// so seeds are readable. Besides crashes and sanitizer reports it checks that only the exact
// signature of the body, in either hex case, is valid.
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "wagate/whatsapp/signature.h"

namespace {

using wagate::whatsapp::SignatureResult;

constexpr char kSecret[] = "test_app_secret";
constexpr char kOtherSecret[] = "rotated_secret";

void Require(bool condition, const char* invariant) {
  if (condition) return;
  std::fprintf(stderr, "invariant broken: %s\n", invariant);
  std::abort();
}

std::string Lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const wagate::whatsapp::SignatureVerifier verifier({kSecret, kOtherSecret});
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t newline = input.find('\n');
  const std::string_view header = input.substr(0, newline);
  const std::string_view body =
      newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);

  const SignatureResult result = verifier.Verify(body, header);
  const std::string expected = wagate::whatsapp::SignatureHeader(kSecret, body);
  const std::string other = wagate::whatsapp::SignatureHeader(kOtherSecret, body);

  Require((result == SignatureResult::kMissing) == header.empty(), "missing iff empty");
  const std::string normalised = Lowercase(header);
  Require((result == SignatureResult::kValid) == (normalised == expected || normalised == other),
          "valid iff the header is the body's signature under a configured secret");
  Require(verifier.Verify(body, expected) == SignatureResult::kValid, "own signature is valid");
  return 0;
}
