// The `tls` line of `wagate check` (SPEC §7), when TLS_CERT_FILE is configured.
//
// It passes when both files are readable, the key matches the certificate and the certificate
// is valid for more than kTlsExpiryWarning after `now`; it warns when the certificate expires
// within that time, and fails when it has expired or a file is unusable. The detail names the
// subject and the expiry date, never key material.
//
// Thread safety: a pure function apart from reading the two files.
#pragma once

#include <chrono>

#include "wagate/app/app.h"
#include "wagate/base/clock.h"
#include "wagate/config/config.h"

namespace wagate::app {

inline constexpr std::chrono::hours kTlsExpiryWarning{14 * 24};

CheckResult TlsCheck(const config::Config& config, Timestamp now);

}  // namespace wagate::app
