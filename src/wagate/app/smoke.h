// The smoke test of `wagate check --smoke` (SPEC §7): one WhatsApp-shaped text message with the
// wamid "wamid.wagate-smoke-<uuid v4>" goes through the running service end to end.
//
// RunSmoke() posts the message to the webhook endpoint, signed with the first configured app
// secret (unsigned when none is configured), requires a 200 answer that accepted it, and then
// reads the record "msg:<wamid>" through app::Inspect (either backend) every poll_interval until
// it is COMPLETED, DEAD, or the timeout has passed. Handlers never reply to that wamid prefix
// (handlers::kSmokeWamidPrefix), so a passing smoke test sends nothing to WhatsApp.
//
// The result is one CheckResult named "smoke". Its detail names the URL without credentials or
// query and never the app secret.
//
// Thread safety: the free functions are reentrant; RunSmoke blocks its caller for up to about
// the timeout plus one HTTP request.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "wagate/app/app.h"
#include "wagate/base/clock.h"
#include "wagate/base/random.h"
#include "wagate/config/config.h"

namespace wagate::app {

struct SmokeOptions {
  std::string url;            // the webhook endpoint; empty means DefaultSmokeUrl(config)
  Millis timeout{30000};      // from the POST until the record must be COMPLETED
  Millis poll_interval{250};  // between reads of the record
};

// The webhook endpoint of the service this configuration describes, on this machine:
// "http://127.0.0.1:<PORT>/webhook" (https with TLS_CERT_FILE). A wildcard HOST (0.0.0.0, ::,
// empty) means loopback; any other HOST is used as it is.
std::string DefaultSmokeUrl(const config::Config& config);

// "wamid.wagate-smoke-" followed by a random UUID version 4 in lower-case hex.
std::string NewSmokeWamid(Random& random);

// A Meta-shaped webhook body carrying one text message with `wamid`, sent at `unix_seconds`.
std::string SmokeWebhookBody(std::string_view wamid, int64_t unix_seconds);

// Runs the smoke test against the running service; see the file comment.
CheckResult RunSmoke(const config::Config& config, const SmokeOptions& options);

}  // namespace wagate::app
