// The one place where a Status becomes an HTTP answer.
//
// Every error response of the service is built by ErrorResponse(): the HTTP code comes from
// HttpStatusFor(), the body is {"error":<name>,"detail":<message>}, and retriable failures
// (Unavailable, ResourceExhausted, DeadlineExceeded) carry Retry-After.
//
// Thread safety: pure functions.
#pragma once

#include <string_view>

#include "wagate/base/status.h"
#include "wagate/http/types.h"

namespace wagate::http {

unsigned HttpStatusFor(StatusCode code);

// Seconds a client should wait before retrying a retriable failure.
inline constexpr int kRetryAfterSeconds = 5;

// `error` names the failure in the body; empty means the default name of the code
// (e.g. "unauthenticated", "unavailable").
Response ErrorResponse(const Status& status, std::string_view error = {});

}  // namespace wagate::http
