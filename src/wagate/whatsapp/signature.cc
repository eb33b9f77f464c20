#include "wagate/whatsapp/signature.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <array>
#include <cstdint>

namespace wagate::whatsapp {
namespace {

constexpr size_t kDigestBytes = 32;
constexpr std::string_view kPrefix = "sha256=";
using Digest = std::array<unsigned char, kDigestBytes>;

// Fetching an algorithm takes a global lock and a lookup, so each is fetched once per process
// and kept for its lifetime (OpenSSL frees them at exit).
EVP_MAC* HmacAlgorithm() {
  static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  return mac;
}

EVP_MD* Sha256Algorithm() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

struct MacCtxDeleter {
  void operator()(EVP_MAC_CTX* ctx) const { EVP_MAC_CTX_free(ctx); }
};
using MacCtx = std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter>;

// An HMAC-SHA256 context keyed with `key`, or null when OpenSSL fails (out of memory).
MacCtx NewKeyedHmac(std::string_view key) {
  if (HmacAlgorithm() == nullptr) return nullptr;
  MacCtx ctx(EVP_MAC_CTX_new(HmacAlgorithm()));
  if (ctx == nullptr) return nullptr;
  char digest_name[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
      OSSL_PARAM_construct_end()};
  // A null key pointer would mean "keep the current key"; an empty key must still be set.
  static const unsigned char kEmpty = 0;
  const auto* key_bytes =
      key.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(key.data());
  if (EVP_MAC_init(ctx.get(), key_bytes, key.size(), params) != 1) return nullptr;
  return ctx;
}

// HMAC of `data` with a copy of the keyed context `keyed`, so `keyed` itself is never mutated
// and can be shared between threads. False when OpenSSL fails.
bool ComputeHmac(const EVP_MAC_CTX* keyed, std::string_view data, Digest* out) {
  MacCtx ctx(EVP_MAC_CTX_dup(keyed));
  if (ctx == nullptr) return false;
  size_t length = 0;
  return EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(data.data()),
                        data.size()) == 1 &&
         EVP_MAC_final(ctx.get(), out->data(), &length, out->size()) == 1 && length == kDigestBytes;
}

std::string HexOf(const unsigned char* bytes, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex(size * 2, '\0');
  for (size_t i = 0; i < size; ++i) {
    hex[2 * i] = kDigits[bytes[i] >> 4];
    hex[2 * i + 1] = kDigits[bytes[i] & 0x0F];
  }
  return hex;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool HasPrefixIgnoringCase(std::string_view s, std::string_view lowercase_prefix) {
  if (s.size() < lowercase_prefix.size()) return false;
  for (size_t i = 0; i < lowercase_prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lowercase_prefix[i]) return false;
  }
  return true;
}

// Decodes "sha256=<64 hex digits>" exactly (no surrounding text); false when malformed.
bool ParseHeader(std::string_view header, Digest* out) {
  if (!HasPrefixIgnoringCase(header, kPrefix)) return false;
  std::string_view hex = header.substr(kPrefix.size());
  if (hex.size() != 2 * kDigestBytes) return false;
  for (size_t i = 0; i < kDigestBytes; ++i) {
    const int high = HexValue(hex[2 * i]);
    const int low = HexValue(hex[2 * i + 1]);
    if (high < 0 || low < 0) return false;
    (*out)[i] = static_cast<unsigned char>(high << 4 | low);
  }
  return true;
}

}  // namespace

struct SignatureVerifier::Impl {
  std::vector<MacCtx> keyed;  // one keyed HMAC context per configured secret
};

std::string_view SignatureResultName(SignatureResult r) {
  switch (r) {
    case SignatureResult::kValid: return "valid";
    case SignatureResult::kMissing: return "missing";
    case SignatureResult::kMalformed: return "malformed";
    case SignatureResult::kMismatch: return "mismatch";
  }
  return "unknown";
}

SignatureVerifier::SignatureVerifier(std::vector<std::string> secrets)
    : impl_(std::make_unique<Impl>()) {
  for (const std::string& secret : secrets) {
    if (secret.empty()) continue;
    // A context OpenSSL could not create is left out: it could never verify anything, and the
    // remaining secrets still work.
    if (MacCtx ctx = NewKeyedHmac(secret)) impl_->keyed.push_back(std::move(ctx));
  }
}

SignatureVerifier::~SignatureVerifier() = default;

bool SignatureVerifier::enabled() const { return !impl_->keyed.empty(); }

SignatureResult SignatureVerifier::Verify(std::string_view body,
                                          std::string_view header_value) const {
  if (header_value.empty()) return SignatureResult::kMissing;
  Digest claimed;
  if (!ParseHeader(header_value, &claimed)) return SignatureResult::kMalformed;
  // Every secret is tried, so the time taken does not reveal which one matched.
  bool matched = false;
  for (const MacCtx& keyed : impl_->keyed) {
    Digest expected;
    if (ComputeHmac(keyed.get(), body, &expected) &&
        CRYPTO_memcmp(expected.data(), claimed.data(), kDigestBytes) == 0) {
      matched = true;
    }
  }
  return matched ? SignatureResult::kValid : SignatureResult::kMismatch;
}

// HmacSha256Hex and Sha256Hex give an empty string only when OpenSSL itself fails (out of
// memory). No digest is empty, so a caller comparing against one fails closed.
std::string HmacSha256Hex(std::string_view key, std::string_view data) {
  MacCtx keyed = NewKeyedHmac(key);
  Digest digest;
  if (keyed == nullptr || !ComputeHmac(keyed.get(), data, &digest)) return {};
  return HexOf(digest.data(), digest.size());
}

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (Sha256Algorithm() == nullptr ||
      EVP_Digest(data.data(), data.size(), digest, &length, Sha256Algorithm(), nullptr) != 1) {
    return {};
  }
  return HexOf(digest, length);
}

std::string SignatureHeader(std::string_view secret, std::string_view body) {
  return std::string(kPrefix) + HmacSha256Hex(secret, body);
}

}  // namespace wagate::whatsapp
