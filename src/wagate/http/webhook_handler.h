// WebhookHandler: GET /webhook (the verification handshake) and POST /webhook (ingest).
//
// It maps requests to whatsapp::VerifyHandshake and ingest::IngestService, and their outcomes to
// HTTP through ErrorResponse(). The 200 answer of a POST is
// {"status":"ok","accepted":A,"duplicates":D,"quarantined":Q}.
//
// Rate limit (SPEC §5): a POST whose signature fails takes a token from its client's bucket, and
// is answered 429 instead of 401 when the bucket is empty. Without an app secret every POST takes
// a token, and an empty bucket answers 429 before anything is processed. A POST whose signature
// verifies never touches the bucket, so forged traffic from a shared address cannot block Meta.
//
// Thread safety: stateless apart from borrowed, thread-safe dependencies.
#pragma once

#include <string>

#include "wagate/http/rate_limiter.h"
#include "wagate/http/router.h"
#include "wagate/ingest/ingest_service.h"

namespace wagate::http {

class WebhookHandler {
 public:
  // `ingest` and `unverified_limit` (null: no limit) are borrowed and must outlive the handler.
  WebhookHandler(std::string verify_token, ingest::IngestService& ingest,
                 RateLimiter* unverified_limit = nullptr)
      : verify_token_(std::move(verify_token)),
        ingest_(ingest),
        unverified_limit_(unverified_limit) {}

  void AddRoutes(Router& router);

  void Handshake(const Request& request, Respond respond) const;
  void Post(const Request& request, const RequestContext& context, Respond respond);

 private:
  const std::string verify_token_;
  ingest::IngestService& ingest_;
  RateLimiter* const unverified_limit_;
};

}  // namespace wagate::http
