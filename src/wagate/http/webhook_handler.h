// WebhookHandler: GET /webhook (the verification handshake) and POST /webhook (ingest).
//
// It maps requests to whatsapp::VerifyHandshake and ingest::IngestService, and their outcomes to
// HTTP through ErrorResponse(). The 200 answer of a POST is
// {"status":"ok","accepted":A,"duplicates":D,"quarantined":Q}.
//
// Thread safety: stateless apart from borrowed, thread-safe dependencies.
#pragma once

#include <string>

#include "wagate/http/router.h"
#include "wagate/ingest/ingest_service.h"

namespace wagate::http {

class WebhookHandler {
 public:
  // `ingest` is borrowed and must outlive the handler.
  WebhookHandler(std::string verify_token, ingest::IngestService& ingest)
      : verify_token_(std::move(verify_token)), ingest_(ingest) {}

  void AddRoutes(Router& router);

  void Handshake(const Request& request, Respond respond) const;
  void Post(const Request& request, Respond respond);

 private:
  const std::string verify_token_;
  ingest::IngestService& ingest_;
};

}  // namespace wagate::http
