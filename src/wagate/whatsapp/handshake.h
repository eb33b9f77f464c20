// The webhook verification handshake: GET /webhook?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…
//
// Rules (SPEC §5): PermissionDenied (403) when no verify token is configured, hub.mode is not
// "subscribe", or the token differs (constant-time compare). InvalidArgument (400) when the
// token is right but hub.challenge is missing, empty, over 256 bytes or not printable ASCII.
// Otherwise the challenge, to be answered verbatim as text/plain.
//
// Thread safety: a pure function.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "wagate/base/status.h"

namespace wagate::whatsapp {

inline constexpr size_t kMaxChallengeBytes = 256;

// Query parameters are already percent-decoded; std::nullopt means absent.
StatusOr<std::string> VerifyHandshake(std::string_view configured_token,
                                      std::optional<std::string_view> mode,
                                      std::optional<std::string_view> token,
                                      std::optional<std::string_view> challenge);

// Constant-time equality of two byte strings (time depends only on the lengths).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace wagate::whatsapp
