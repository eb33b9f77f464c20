#include "wagate/ingest/ingest_service.h"

#include "wagate/base/log.h"
#include "wagate/whatsapp/payload.h"

namespace wagate::ingest {

namespace {

struct ItemRef {
  std::string key;
  domain::ItemKind kind;
};

// The admit outcomes as analytics events.
void PublishAdmitEvents(ports::EventSink& events, Timestamp now, const std::vector<ItemRef>& items,
                        const std::vector<std::string>& quarantined,
                        const ports::AdmitResult& result) {
  for (size_t i = 0; i < items.size() && i < result.outcomes.size(); ++i) {
    const char* event = result.outcomes[i] == ports::AdmitOutcome::kAccepted ? "received" : "duplicate";
    events.Publish({event, items[i].key, items[i].kind, now, 0, 0, std::nullopt, ""});
  }
  for (const std::string& key : quarantined) {
    events.Publish({"quarantined", key, domain::ItemKind::kEvent, now, 0, 0, std::nullopt, "invalid_payload"});
  }
}

}  // namespace

IngestService::IngestService(const whatsapp::SignatureVerifier& verifier,
                             ports::Admitter& admitter, ports::EventSink* events,
                             const Clock& clock, ports::Metrics* metrics)
    : verifier_(verifier), admitter_(admitter), events_(events), clock_(clock), metrics_(metrics) {}

void IngestService::Ingest(std::string_view body, std::string_view signature_header,
                           Callback done) {
  if (verifier_.enabled()) {
    whatsapp::SignatureResult sig = verifier_.Verify(body, signature_header);
    if (sig != whatsapp::SignatureResult::kValid) {
      if (metrics_ != nullptr) metrics_->SignatureFailed();
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

  std::vector<ItemRef> items;
  std::vector<std::string> quarantined;
  if (events_ != nullptr) {
    items.reserve(split.items.size());
    for (const domain::WorkItem& item : split.items) items.push_back({item.key, item.kind});
    for (const domain::QuarantinedPayload& q : split.quarantined) quarantined.push_back("quarantined:" + q.sha256);
  }
  ports::AdmitRequest request{std::move(split.items), std::move(split.quarantined)};
  admitter_.Admit(std::move(request), [done = std::move(done), events = events_, clock = &clock_,
                                       items = std::move(items), quarantined = std::move(quarantined)](
                                          StatusOr<ports::AdmitResult> r) {
    if (!r.ok()) {
      done(r.status());
      return;
    }
    if (events != nullptr) PublishAdmitEvents(*events, clock->Now(), items, quarantined, *r);
    done(IngestCounts{r->Count(ports::AdmitOutcome::kAccepted),
                      r->Count(ports::AdmitOutcome::kDuplicate), r->quarantined});
  });
}

}  // namespace wagate::ingest
