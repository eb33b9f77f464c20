#include "wagate/ingest/ingest_service.h"

#include "wagate/base/log.h"
#include "wagate/whatsapp/payload.h"

namespace wagate::ingest {

IngestService::IngestService(const whatsapp::SignatureVerifier& verifier,
                             ports::Admitter& admitter)
    : verifier_(verifier), admitter_(admitter) {}

void IngestService::Ingest(std::string_view body, std::string_view signature_header,
                           Callback done) {
  if (verifier_.enabled()) {
    whatsapp::SignatureResult sig = verifier_.Verify(body, signature_header);
    if (sig != whatsapp::SignatureResult::kValid) {
      done(UnauthenticatedError(std::string("signature ") +
                                std::string(whatsapp::SignatureResultName(sig))));
      return;
    }
  }

  whatsapp::SplitResult split = whatsapp::SplitWebhook(body);
  if (!split.quarantined.empty()) {
    const domain::QuarantinedPayload& first = split.quarantined.front();
    // Without a secret nothing proves the payload came from Meta, so there is no reason to keep
    // it: development answers 400 and shows what was wrong.
    if (!verifier_.enabled()) {
      done(InvalidArgumentError(first.path == "$" ? first.detail
                                                  : first.path + ": " + first.detail));
      return;
    }
    log::Warn("payload quarantined", {log::F("reason", first.reason), log::F("detail", first.detail),
                                      log::F("path", first.path),
                                      log::F("pieces", split.quarantined.size())});
  }
  if (split.items.empty() && split.quarantined.empty()) {
    done(IngestCounts{});
    return;
  }

  ports::AdmitRequest request{std::move(split.items), std::move(split.quarantined)};
  admitter_.Admit(std::move(request), [done = std::move(done)](StatusOr<ports::AdmitResult> r) {
    if (!r.ok()) {
      done(r.status());
      return;
    }
    done(IngestCounts{r->Count(ports::AdmitOutcome::kAccepted),
                      r->Count(ports::AdmitOutcome::kDuplicate), r->quarantined});
  });
}

}  // namespace wagate::ingest
