#include "wagate/processing/queue_consumer.h"

#include <thread>

#include "wagate/base/log.h"

namespace wagate::processing {

QueueConsumer::QueueConsumer(ports::Queue& queue, ports::WorkStore& store, const Clock& clock,
                             ConsumerOptions options)
    : heartbeats_(queue, store, options.queue, options.lease, options.metrics),
      queue_(queue),
      clock_(clock),
      options_(std::move(options)) {}

StatusOr<int> QueueConsumer::RunOnce(Millis wait) {
  StatusOr<std::vector<ports::ReceivedMessage>> batch =
      queue_.Receive(options_.queue, options_.batch, options_.lease, wait);
  if (!batch.ok()) return batch.status();
  if (pool_.stopping()) {
    // Shutting down: hand the batch back unclaimed.
    for (const ports::ReceivedMessage& m : *batch) {
      (void)queue_.ChangeVisibility(options_.queue, m.receipt, Millis(0));
    }
  } else if (!batch->empty()) {
    ProcessBatch(*batch);
  }
  return static_cast<int>(batch->size());
}

void QueueConsumer::ProcessBatch(const std::vector<ports::ReceivedMessage>& batch) {
  const auto received_at = clock_.Steady();
  for (const ports::ReceivedMessage& m : batch) {
    if (pool_.stopping()) {
      // Shutting down: hand the rest of the batch back unclaimed.
      (void)queue_.ChangeVisibility(options_.queue, m.receipt, Millis(0));
      continue;
    }
    // Messages waiting behind slow items get a fresh visibility before theirs starts; one that
    // lapsed meanwhile belongs to another worker now (NotFound) and is skipped.
    if (clock_.Steady() - received_at > options_.lease / 2 &&
        queue_.ChangeVisibility(options_.queue, m.receipt, options_.lease).code() == StatusCode::kNotFound) {
      continue;
    }
    ProcessOne(m);
  }
}

void QueueConsumer::Start() {
  heartbeats_.Start();
  pool_.Start(options_.threads, options_.thread_name, [this] {
    // Short polls, so that Stop() is noticed within a second.
    StatusOr<int> n = RunOnce(std::min(options_.wait, Millis(1000)));
    if (!n.ok()) {
      log::Warn("receive failed", {log::F("error", n.status().ToString())});
      std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the store is down
    }
  });
}

void QueueConsumer::Stop() {
  pool_.Stop(options_.shutdown_grace, [this] {
    if (!options_.release_on_overrun) {
      log::Warn("shutdown grace ended with work running; its claims will lapse",
                {log::F("queue", domain::QueueNameText(options_.queue))});
      return;
    }
    int released = heartbeats_.ReleaseAll("shutdown: released after the grace period");
    log::Warn("shutdown grace ended", {log::F("released", released)});
  });
  heartbeats_.Stop();
}

}  // namespace wagate::processing
