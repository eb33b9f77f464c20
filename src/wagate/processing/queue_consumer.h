// QueueConsumer: the receive loop a processor or sender pool runs (SPEC §3, §4 Shutdown).
//
// RunOnce receives a batch (up to `batch`, long-polled, invisible for the lease) and hands each
// message to ProcessOne; a message still waiting when half the lease has passed gets a fresh
// visibility before it starts, so slow items never let the rest of the batch lapse. Start() runs RunOnce on `threads` threads and the heartbeats; Stop()
// stops receiving, hands back the unstarted rest of each batch (visible at once), waits up to
// the shutdown grace for running items, then deals with the overrun as `release_on_overrun`
// says: release the claims still held (their messages visible again at once), or leave them to
// lapse when the work may already have had its effect (a Graph API call in flight).
//
// Thread safety: RunOnce/ProcessOne are safe from several threads at once; Start/Stop from the
// owner.
#pragma once

#include <string>

#include "wagate/base/clock.h"
#include "wagate/ports/metrics.h"
#include "wagate/ports/queue.h"
#include "wagate/processing/outcome.h"
#include "wagate/processing/worker_pool.h"

namespace wagate::processing {

struct ConsumerOptions {
  domain::QueueName queue = domain::QueueName::kIncoming;
  std::string thread_name = "processor";
  int threads = 4;
  int batch = 10;
  Millis lease{30'000};
  Millis wait{20'000};
  Millis shutdown_grace{20'000};
  bool release_on_overrun = true;
  ports::Metrics* metrics = nullptr;  // fenced claims and lease expiries; null counts nothing
};

class QueueConsumer {
 public:
  QueueConsumer(ports::Queue& queue, ports::WorkStore& store, const Clock& clock,
                ConsumerOptions options);
  virtual ~QueueConsumer() = default;

  virtual ProcessOutcome ProcessOne(const ports::ReceivedMessage& message) = 0;
  // A received batch; the default hands the messages to ProcessOne one by one, refreshing the
  // visibility of those still waiting when half the lease has passed.
  virtual void ProcessBatch(const std::vector<ports::ReceivedMessage>& batch);
  // Receives once (waiting up to `wait`) and processes the batch; returns how many it received.
  StatusOr<int> RunOnce(Millis wait);
  void Start();
  // Derived classes call Stop() from their destructor, while ProcessOne is still theirs.
  void Stop();

  const ProcessorCounters& counters() const { return counters_; }
  Heartbeats& heartbeats() { return heartbeats_; }

 protected:
  // Adds one outcome to the counters (and a fenced one to the metrics) and returns it.
  ProcessOutcome Count(ProcessOutcome outcome) {
    if (outcome == ProcessOutcome::kFenced && options_.metrics != nullptr) {
      options_.metrics->Claimed(ports::ClaimMetric::kFenced);
    }
    return counters_.Count(outcome);
  }

  ProcessorCounters counters_;
  Heartbeats heartbeats_;

 private:
  ports::Queue& queue_;
  const Clock& clock_;
  const ConsumerOptions options_;
  WorkerPool pool_;
};

}  // namespace wagate::processing
