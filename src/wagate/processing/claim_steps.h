// ClaimSteps: what every consumer of a work queue (processor and sender) does around a claim
// (SPEC §2 invariants 3 and 6).
//
//   Claim       claims the item a message delivered; every answer but kWon is settled here:
//               kAlreadyDone and kDuplicateEntry delete the message; kBusy hides it until the
//               holder's lease ends, plus 1 s; kUncertain re-enqueues it for when a resend is due.
//   Retry       releases the item and hides the message for a backoff (exponential, full
//               jitter, capped), unless the message has used its receives: then DeadLetter.
//   DeadLetter  the dead letter first (key, reason, error and the attempt history, this attempt
//               included), then DEAD on the record, conditional on the fence. A crash in between
//               leaves a PROCESSING record whose message is already dead-lettered; its lease lapses.
// Retry and DeadLetter publish `retried` and `dead_lettered` analytics events.
//   Requeue     sends a delayed copy, then deletes the original: waiting that must not use up
//               receives (throttling, pacing, pauses). A crash in between leaves two entries,
//               and the claim lets one through.
// A fenced store answer (FailedPrecondition) becomes kFenced: the caller lost the item.
// Every claim answer, and every kFenced, is counted in `metrics` (claims by outcome).
//
// Thread safety: safe from several threads at once; all state is in the store and the queue.
#pragma once

#include <optional>
#include <string>

#include "wagate/base/clock.h"
#include "wagate/base/random.h"
#include "wagate/domain/backoff.h"
#include "wagate/ports/event_sink.h"
#include "wagate/ports/metrics.h"
#include "wagate/ports/queue.h"
#include "wagate/ports/work_store.h"
#include "wagate/processing/outcome.h"

namespace wagate::processing {

struct ClaimStepsOptions {
  std::string worker_id = "worker";
  domain::QueueName queue = domain::QueueName::kIncoming;
  Millis lease{30'000};
  int max_receive_count = 3;
  domain::BackoffPolicy backoff;
  ports::EventSink* events = nullptr;  // analytics; null publishes nothing
  ports::Metrics* metrics = nullptr;   // claims by outcome; null counts nothing
};

// The kind of item a key names, from its prefix (SPEC §1).
domain::ItemKind KindOfKey(std::string_view key);

class ClaimSteps {
 public:
  ClaimSteps(ports::Queue& queue, ports::WorkStore& store, const Clock& clock, Random& random,
             ClaimStepsOptions options);

  // The claim when won; otherwise the message has been dealt with and `lost` says how.
  std::optional<ports::ClaimResult> Claim(const ports::ReceivedMessage& m, ProcessOutcome* lost);
  // Claim for a batch in one store call; `lost` (sized like `batch`) says how each lost one
  // was dealt with.
  std::vector<std::optional<ports::ClaimResult>> ClaimMany(
      const std::vector<ports::ReceivedMessage>& batch, std::vector<ProcessOutcome>* lost);
  ProcessOutcome Retry(const ports::ReceivedMessage& m, const ports::Fenced& claim,
                       int64_t attempt, const std::string& error);
  ProcessOutcome DeadLetter(const ports::ReceivedMessage& m, const ports::Fenced& claim,
                            int64_t attempt, const std::string& reason, const std::string& error);
  Status Requeue(const ports::ReceivedMessage& m, std::string body, Millis delay);
  // Publishes the analytics event `event` for this message's item; latency is measured from when
  // the message was enqueued.
  void Emit(std::string_view event, const ports::ReceivedMessage& m, int64_t attempt,
            int64_t fence, std::string error_code = "");

  ports::Fenced FencedFor(const ports::ReceivedMessage& m, const ports::ClaimResult& claim) const {
    return ports::Fenced{m.key, claim.fence, options_.worker_id};
  }
  // Counts a claim outcome in the metrics (when there are any).
  void Count(ports::ClaimMetric outcome) const {
    if (options_.metrics != nullptr) options_.metrics->Claimed(outcome);
  }
  const ClaimStepsOptions& options() const { return options_; }
  ports::Queue& queue() { return queue_; }
  ports::WorkStore& store() { return store_; }

 private:
  ports::ClaimRequest RequestFor(const ports::ReceivedMessage& m) const;
  std::optional<ports::ClaimResult> Settle(const ports::ReceivedMessage& m,
                                           StatusOr<ports::ClaimResult> claim,
                                           ProcessOutcome* lost);
  ports::Queue& queue_;
  ports::WorkStore& store_;
  const Clock& clock_;
  Random& random_;
  const ClaimStepsOptions options_;
};

}  // namespace wagate::processing
