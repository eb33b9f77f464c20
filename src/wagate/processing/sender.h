// Sender: drains `outgoing` and sends each reply or read receipt through the Graph API exactly
// once in effect (SPEC §2 invariants 6 and 7, §4 Sender).
//
// For each received message:
//   1. Before claiming (nothing in the store changes): a paused business number re-enqueues the
//      message for the end of the pause, unless this send may probe; reply n > 0 waits until
//      reply n − 1 is settled (replies go out in `n` order); local pacing (pacer.h) waits in
//      place up to `max_pacing_wait`, or re-enqueues the message for its slot.
//   2. Claim (claim_steps.h). A claim on an item whose earlier send had an unknown outcome and
//      no status within UNCERTAIN_RESEND_AFTER_SECONDS is a resend, and counted.
//   3. SENDING, conditional on the fence (a status that already settled the item makes it SENT
//      without a call), then the Graph API call, with heartbeats while it runs.
//   4. The answer decides:
//        accepted             SENT with Meta's wamid, message deleted;
//        unknown outcome      SENT_UNCERTAIN, re-enqueued for the resend time; a status webhook
//                             that echoes the key settles it first (read receipts: retried);
//        not sent, kRetry     retried with backoff; dead-lettered after SQS_MAX_RECEIVE_COUNT;
//        kThrottled           FAILED and re-enqueued as a delayed copy (no receive used up);
//                             dead-lettered as `throttled` after SEND_THROTTLE_MAX_SECONDS;
//        kAccount             the number is paused for the probe interval, the item FAILED and
//                             re-enqueued; nothing is dead-lettered while paused;
//        kPermanent           dead-lettered with the reason (graph_errors.h).
//   An item that can never be sent (recipient_unsupported) is dead-lettered after its claim.
//
// Thread safety: ProcessOne/RunOnce are safe from several threads at once; Start/Stop from the
// owner. Counters are atomics.
#pragma once

#include <string>

#include "wagate/base/clock.h"
#include "wagate/base/random.h"
#include "wagate/ports/graph_api.h"
#include "wagate/ports/queue.h"
#include "wagate/ports/work_store.h"
#include "wagate/processing/claim_steps.h"
#include "wagate/processing/outcome.h"
#include "wagate/processing/pacer.h"
#include "wagate/processing/queue_consumer.h"

namespace wagate::processing {

struct SenderOptions {
  std::string worker_id = "worker";
  std::string thread_name = "sender";
  int senders = 2;
  Millis lease{30'000};
  Millis wait{20'000};
  int batch = 10;
  int max_receive_count = 3;
  domain::BackoffPolicy backoff;
  Millis throttle_max{3'600'000};      // SEND_THROTTLE_MAX_SECONDS
  Millis uncertain_resend_after{120'000};  // UNCERTAIN_RESEND_AFTER_SECONDS
  Millis max_pacing_wait{1'000};       // longer waits re-enqueue the message
  Millis order_retry{2'000};           // how soon reply n is tried again while n − 1 is unsent
  Millis shutdown_grace{20'000};
  Pacer::Options pacing;
  ports::EventSink* events = nullptr;  // analytics; null publishes nothing
  // Claims, lease expiries, uncertain sends, resends and pauses; null counts nothing.
  ports::Metrics* metrics = nullptr;
};

class Sender final : public QueueConsumer {
 public:
  // Every dependency is borrowed and must outlive the sender.
  Sender(ports::Queue& queue, ports::WorkStore& store, ports::GraphApi& graph, const Clock& clock,
         Random& random, SenderOptions options);
  ~Sender() override;

  ProcessOutcome ProcessOne(const ports::ReceivedMessage& message) override;
  Pacer& pacer() { return pacer_; }

 private:
  struct Outgoing;
  ProcessOutcome Send(const ports::ReceivedMessage& m, const Outgoing& out);
  ProcessOutcome Answered(const ports::ReceivedMessage& m, const Outgoing& out,
                          const ports::Fenced& claim, int64_t attempt, bool resend,
                          const ports::GraphAnswer& answer);
  // Whether reply n − 1 of the same inbound item is settled (sent, uncertain, or dead).
  bool PreviousSettled(const std::string& key, int64_t n);
  ProcessOutcome RequeueFailed(const ports::ReceivedMessage& m, const ports::Fenced& claim,
                               const std::string& body, const std::string& error, Millis delay,
                               ProcessOutcome outcome);

  ClaimSteps steps_;
  ports::GraphApi& graph_;
  const Clock& clock_;
  Random& random_;
  const SenderOptions options_;
  Pacer pacer_;
};

}  // namespace wagate::processing
