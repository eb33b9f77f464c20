// What the sender does with a Graph API error (SPEC §4 Sender, Errors), by `error.code`.
//
//   kThrottled  4, 80007, 130429, 131056: re-enqueue a delayed copy; never uses up receives
//               (invariant 6). 131056 (pair rate limit) waits at least 6 s.
//   kRetry      2, 131000, 131016, 131057, 133004, HTTP 5xx and network errors: retry with
//               backoff.
//   kAccount    0, 190, 10, 200–299, 368, 131031, 131042: the business number cannot send at
//               all; pause it (alert `sender_paused`) and probe every 60 s.
//   kPermanent  everything else: dead-letter with a clear reason.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>

namespace wagate::whatsapp {

enum class GraphErrorClass { kThrottled, kRetry, kAccount, kPermanent };

// `code` is error.code from the answer's body, or -1 when the body had none.
GraphErrorClass ClassifyGraphError(int http_status, int64_t code);

// The dead-letter reason for a permanent error: for 131047 "outside the 24-hour window: needs a
// template"; otherwise "graph_error <code>: <message>" (or the HTTP status when there is no code).
std::string GraphErrorReason(int http_status, int64_t code, const std::string& message);

}  // namespace wagate::whatsapp
