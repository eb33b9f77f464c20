// Processor: turns inbound queue messages into handled, completed work items (SPEC §2.3, §2.6,
// §4 Processor).
//
// For each message received from `incoming` (batches of up to 10, long-polled):
//   claim → handler → Complete with the replies → delete the message.
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
// Thread safety: ProcessOne/RunOnce are safe from several threads at once; Start/Stop from the
// owner. Counters are atomics.
#pragma once

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "wagate/base/clock.h"
#include "wagate/base/random.h"
#include "wagate/domain/backoff.h"
#include "wagate/ports/handler.h"
#include "wagate/ports/queue.h"
#include "wagate/ports/work_store.h"

namespace wagate::processing {

struct ProcessorOptions {
  std::string worker_id = "worker";
  // The queue to drain: `incoming` for the processor, `outgoing` for the sender.
  domain::QueueName queue = domain::QueueName::kIncoming;
  std::string thread_name = "processor";
  int workers = 4;
  Millis lease{30'000};
  Millis wait{20'000};  // long poll
  int batch = 10;
  int max_receive_count = 3;
  domain::BackoffPolicy backoff;
  Millis reply_max_age{86'400'000};
};

enum class ProcessOutcome {
  kCompleted,
  kStale,           // completed, replies dropped
  kRetried,
  kDeadLettered,
  kAlreadyDone,
  kDuplicateEntry,
  kBusy,
  kFenced,
  kStoreError,      // the store or queue failed; the message reappears after its visibility
};

struct ProcessorCounters {
  std::atomic<uint64_t> processed{0};  // completed, stale included
  std::atomic<uint64_t> errors{0};     // retried + dead-lettered + store errors
  std::atomic<uint64_t> stale{0};
  std::atomic<uint64_t> retried{0};
  std::atomic<uint64_t> dead_lettered{0};
  std::atomic<uint64_t> already_done{0};
  std::atomic<uint64_t> duplicate_entry{0};
  std::atomic<uint64_t> busy{0};
  std::atomic<uint64_t> fenced{0};
};

class Processor {
 public:
  // Every dependency is borrowed and must outlive the processor.
  Processor(ports::Queue& queue, ports::WorkStore& store, ports::Handler& handler,
            const Clock& clock, Random& random, ProcessorOptions options);
  ~Processor();

  ProcessOutcome ProcessOne(const ports::ReceivedMessage& message);
  // Receives once (waiting up to `wait`) and processes the batch; returns how many it handled.
  StatusOr<int> RunOnce(Millis wait);

  // Starts `workers` threads ("<thread_name>-N") running RunOnce until Stop().
  void Start();
  // Stops receiving, lets each worker finish its batch, and joins.
  void Stop();

  const ProcessorCounters& counters() const { return counters_; }

 private:
  ProcessOutcome Finish(const ports::ReceivedMessage& message, const ports::Fenced& claim,
                        const ports::HandlerItem& item,
                        const StatusOr<ports::HandlerResult>& result);
  ProcessOutcome DeadLetter(const ports::ReceivedMessage& message, const ports::Fenced& claim,
                            const std::string& reason, const std::string& error);
  bool IsStale(const std::string& payload) const;
  ProcessOutcome Count(ProcessOutcome outcome);

  ports::Queue& queue_;
  ports::WorkStore& store_;
  ports::Handler& handler_;
  const Clock& clock_;
  Random& random_;
  const ProcessorOptions options_;
  ProcessorCounters counters_;
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> threads_;
};

}  // namespace wagate::processing
