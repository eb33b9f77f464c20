// IngestService: the accept path of POST /webhook, free of HTTP and storage types (SPEC §5).
//
// Ingest() runs, in order: signature check on the raw bytes → parse and split into work items →
// durable admit. It answers with the counts of the 200 body, or a Status the HTTP layer maps:
//   Unauthenticated   the signature is missing or wrong (nothing stored);
//   InvalidArgument   the payload is malformed and no app secret is configured (development
//                     answers 400 instead of quarantining);
//   Unavailable       the store failed; nothing of the request is acknowledged, Meta retries.
//
// Thread safety: Ingest() may be called concurrently from any thread. The signature check and
// the split run on the calling thread (pure CPU); storage runs on the admitter's threads. `done`
// is called exactly once, possibly before Ingest() returns.
#pragma once

#include <functional>
#include <string_view>

#include "wagate/base/clock.h"
#include "wagate/base/status.h"
#include "wagate/ports/admitter.h"
#include "wagate/ports/event_sink.h"
#include "wagate/ports/metrics.h"
#include "wagate/whatsapp/signature.h"

namespace wagate::ingest {

// The counts of the 200 answer: accepted + duplicates + quarantined = number of items, where a
// body quarantined whole counts as one.
struct IngestCounts {
  int accepted = 0;
  int duplicates = 0;
  int quarantined = 0;
};

class IngestService {
 public:
  using Callback = std::function<void(StatusOr<IngestCounts>)>;

  // Every dependency is borrowed and must outlive the service. `events`, when given, receives a
  // `received`, `duplicate` or `quarantined` analytics event for each item admitted; `metrics`,
  // when given, counts the signature failures.
  IngestService(const whatsapp::SignatureVerifier& verifier, ports::Admitter& admitter,
                ports::EventSink* events = nullptr, const Clock& clock = SystemClock::Instance(),
                ports::Metrics* metrics = nullptr);

  // `body` is the raw request body; `signature_header` the X-Hub-Signature-256 value, empty when
  // absent. `body` need only stay valid until Ingest() returns.
  void Ingest(std::string_view body, std::string_view signature_header, Callback done);

  // Whether an app secret is configured, so that Ingest() refuses unsigned or forged bodies.
  bool checks_signatures() const { return verifier_.enabled(); }

 private:
  const whatsapp::SignatureVerifier& verifier_;
  ports::Admitter& admitter_;
  ports::EventSink* const events_;
  const Clock& clock_;
  ports::Metrics* const metrics_;
};

}  // namespace wagate::ingest
