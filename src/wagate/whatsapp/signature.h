// Meta's webhook signature: X-Hub-Signature-256 = "sha256=" + hex(HMAC-SHA256(app secret, raw body)).
//
// The HMAC is computed over the raw request bytes exactly as received (Meta escapes non-ASCII,
// '/' and '@' on the wire, so re-serialised JSON would not match). Several secrets may be
// configured during a rotation; a signature matching any of them is valid. Comparison is
// constant-time.
//
// Thread safety: SignatureVerifier is immutable after construction and safe to share.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace wagate::whatsapp {

enum class SignatureResult {
  kValid,
  kMissing,    // no header, or an empty one
  kMalformed,  // not "sha256=" followed by 64 hex digits
  kMismatch,   // well-formed but matches no configured secret
};

std::string_view SignatureResultName(SignatureResult r);  // "valid" | "missing" | ...

class SignatureVerifier {
 public:
  // `secrets` are the configured app secrets; empty strings are ignored.
  explicit SignatureVerifier(std::vector<std::string> secrets);
  ~SignatureVerifier();
  SignatureVerifier(const SignatureVerifier&) = delete;
  SignatureVerifier& operator=(const SignatureVerifier&) = delete;

  // True when at least one secret is configured.
  bool enabled() const;

  // Checks `header_value` (the X-Hub-Signature-256 value; empty when absent) against `body`.
  // The "sha256=" prefix is matched case-insensitively, hex digits in either case.
  SignatureResult Verify(std::string_view body, std::string_view header_value) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Lowercase hex of HMAC-SHA256(key, data).
std::string HmacSha256Hex(std::string_view key, std::string_view data);
// Lowercase hex of SHA-256(data).
std::string Sha256Hex(std::string_view data);
// The header value Meta would send for `body`: "sha256=<hex>".
std::string SignatureHeader(std::string_view secret, std::string_view body);

}  // namespace wagate::whatsapp
