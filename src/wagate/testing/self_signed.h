// Self-signed certificates for TLS tests, made with the OpenSSL API (no `openssl` command).
//
// WriteSelfSignedCertificate writes a PEM certificate for CN=localhost, with subject alternative
// names DNS:localhost and IP:127.0.0.1, and its PEM private key into `dir`. A client that trusts
// the certificate file (as its own CA) can verify the server at 127.0.0.1 or localhost.
//
// Thread safety: pure functions; safe from any thread.
#pragma once

#include <chrono>
#include <string>

#include "wagate/base/status.h"

namespace wagate::testing {

struct SelfSignedOptions {
  enum class KeyType { kEc, kRsa };
  KeyType key_type = KeyType::kEc;
  // Validity relative to now; a negative `not_after` makes an expired certificate.
  std::chrono::seconds not_before{-3600};
  std::chrono::seconds not_after{std::chrono::hours(24 * 365)};
  // File names inside `dir`.
  std::string cert_name = "cert.pem";
  std::string key_name = "key.pem";
  // When set, the key is written encrypted (AES-256-CBC) under this passphrase.
  std::string passphrase;
};

struct CertificateFiles {
  std::string cert_file;
  std::string key_file;
};

StatusOr<CertificateFiles> WriteSelfSignedCertificate(const std::string& dir,
                                                      const SelfSignedOptions& options = {});

}  // namespace wagate::testing
