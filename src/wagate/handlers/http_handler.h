// HttpHandler: forwards each inbound item to the operator's endpoint, HANDLER_URL (SPEC §4
// Handlers, `http`).
//
// Each Handle() POSTs the item as JSON:
//   {"key","kind","received_at","phone_number_id","display_phone_number","contact","stale",
//    "message" | "status"}
// with the headers
//   Content-Type: application/json
//   Idempotency-Key: <key>              (the same on every attempt for the item)
//   X-Wagate-Attempt: <n>               (1 for the first delivery)
//   X-Wagate-Signature-256: sha256=<hex HMAC-SHA256 of the body keyed with HANDLER_SECRET>
//                                       (omitted when no secret is configured)
// and reads the answer:
//   2xx with an empty body or {}        done, no replies;
//   2xx with {"replies":[{"type":"text","text":"…"} | {"type":"raw","body":{…}}],"mark_read":true}
//                                       those replies (a raw body is a Graph API message body);
//   2xx with anything else              InvalidArgument: dead-lettered, the answer is broken;
//   408, 5xx, a timeout, a connection error
//                                       Unavailable or DeadlineExceeded: retried with backoff;
//   429                                 ResourceExhausted: retried with backoff;
//   any other status                    InvalidArgument (4xx) or FailedPrecondition (1xx, 3xx;
//                                       redirects are not followed): dead-lettered.
// Smoke-test messages of `wagate check --smoke` (wamid prefix "wamid.wagate-smoke-") are
// completed without being forwarded.
//
// HANDLER_SECRET appears in no error message and no log line; error messages quote at most the
// first 200 bytes of the endpoint's answer.
//
// Thread safety: Handle() may be called from several worker threads at once; each call runs on
// its own pooled keep-alive connection.
#pragma once

#include <string>

#include "wagate/base/clock.h"
#include "wagate/net/http_client_pool.h"
#include "wagate/ports/handler.h"

namespace wagate::handlers {

class HttpHandler final : public ports::Handler {
 public:
  struct Options {
    std::string url;        // HANDLER_URL
    std::string secret;     // HANDLER_SECRET; empty: requests are not signed
    Millis timeout{10000};  // HANDLER_TIMEOUT_SECONDS: the whole exchange, per attempt
  };

  explicit HttpHandler(Options options);

  StatusOr<ports::HandlerResult> Handle(const ports::HandlerItem& item) override;

 private:
  const Options options_;
  net::HttpClientPool pool_;
};

}  // namespace wagate::handlers
