// TLS files: the certificate chain and private key named by TLS_CERT_FILE and TLS_KEY_FILE, read
// and checked before the server uses them (SPEC §4, §6).
//
// InspectTlsFiles reads both PEM files and checks that the key belongs to the first certificate
// of the chain. Every problem is reported, each naming the variable and the path. Messages never
// contain key material: the key file's bytes are wiped after parsing, an encrypted key is refused
// without asking for a passphrase, and OpenSSL's error text is not passed on.
//
// Thread safety: a pure function apart from reading the two files; safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "wagate/base/clock.h"

namespace wagate::config {

struct TlsFilesReport {
  std::vector<std::string> problems;  // empty when the two files work together
  // Of the first certificate in the chain, when it was parsed.
  std::string subject;                 // RFC 2253, e.g. "CN=localhost"
  std::optional<Timestamp> not_after;  // the end of its validity
};

TlsFilesReport InspectTlsFiles(const std::string& cert_file, const std::string& key_file);

}  // namespace wagate::config
