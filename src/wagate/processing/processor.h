// Processor: turns inbound queue messages into handled, completed work items (SPEC §2.3, §2.6,
// §4 Processor).
//
// For each batch received from `incoming` (up to 10, long-polled): claim them all in one write →
// run the handler for each → complete them all, with their replies, in one write → delete their
// messages in one write.
// The claim's other answers: a completed item's message is deleted (already_done); a duplicate
// queue entry is deleted (duplicate_entry); the owner's own message whose visibility lapsed is
// hidden until the lease ends, plus 1 s (busy).
// Handler failures: a retriable one releases the item and hides the message for a backoff
// (exponential, full jitter, capped) unless the message has reached SQS_MAX_RECEIVE_COUNT
// receives; a permanent one, or the last allowed receive, moves the message to the dead-letter
// queue with the reason and the attempt history, then marks the record DEAD.
// A worker whose fence was taken over stops without completing or deleting (fenced).
// Messages older than REPLY_MAX_AGE_SECONDS still reach the handler with stale = true; their
// replies and mark-as-read are dropped (stale).
//
// While the handler runs, the claim is kept alive by heartbeats (worker_pool.h). Stop() stops
// receiving, lets running handlers finish within the grace period, and releases the claims of
// those still running, so their messages are visible again at once (SPEC §4 Shutdown).
// The steps around the claim are shared with the sender (claim_steps.h).
//
// Thread safety: ProcessOne/RunOnce are safe from several threads at once; Start/Stop from the
// owner. Counters are atomics.
#pragma once

#include <string>

#include "wagate/base/clock.h"
#include "wagate/base/random.h"
#include "wagate/domain/backoff.h"
#include "wagate/ports/handler.h"
#include "wagate/ports/queue.h"
#include "wagate/ports/work_store.h"
#include "wagate/processing/claim_steps.h"
#include "wagate/processing/outcome.h"
#include "wagate/processing/queue_consumer.h"

namespace wagate::processing {

struct ProcessorOptions {
  std::string worker_id = "worker";
  // The queue to drain: `incoming` for the processor, `outgoing` for the dry-run sender.
  domain::QueueName queue = domain::QueueName::kIncoming;
  std::string thread_name = "processor";
  int workers = 4;
  Millis lease{30'000};
  Millis wait{20'000};  // long poll
  int batch = 10;
  int max_receive_count = 3;
  domain::BackoffPolicy backoff;
  Millis reply_max_age{86'400'000};
  Millis shutdown_grace{20'000};
  ports::EventSink* events = nullptr;  // analytics; null publishes nothing
  ports::Metrics* metrics = nullptr;   // claims and lease expiries; null counts nothing

  ClaimStepsOptions ForClaims() const {
    return ClaimStepsOptions{worker_id, queue, lease, max_receive_count, backoff, events, metrics};
  }
  ConsumerOptions ForConsumer() const {
    return ConsumerOptions{queue, thread_name, workers, batch, lease, wait, shutdown_grace, true,
                           metrics};
  }
};

class Processor final : public QueueConsumer {
 public:
  // Every dependency is borrowed and must outlive the processor.
  Processor(ports::Queue& queue, ports::WorkStore& store, ports::Handler& handler,
            const Clock& clock, Random& random, ProcessorOptions options);
  ~Processor() override;

  ProcessOutcome ProcessOne(const ports::ReceivedMessage& message) override;
  // The whole batch at once: one claim write, the handlers, one completion write, one delete.
  void ProcessBatch(const std::vector<ports::ReceivedMessage>& batch) override;

 private:
  std::vector<ProcessOutcome> ProcessAll(const std::vector<ports::ReceivedMessage>& batch);
  ports::Completion CompletionFor(const ports::ReceivedMessage& m, const ports::Fenced& claim,
                                  const ports::HandlerItem& item,
                                  const ports::HandlerResult& result) const;
  // A handler failure: retried with backoff, or dead-lettered.
  ProcessOutcome Failed(const ports::ReceivedMessage& m, const ports::Fenced& claim,
                        const ports::HandlerItem& item, const Status& error);
  bool IsStale(const std::string& payload) const;
  // Status items: the status merger (invariant 8) applies an echoed `out:` key to its record.
  void MergeStatus(const std::string& payload);

  ClaimSteps steps_;
  ports::Handler& handler_;
  const Clock& clock_;
  const ProcessorOptions options_;
};

}  // namespace wagate::processing
