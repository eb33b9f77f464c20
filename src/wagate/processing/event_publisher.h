// EventPublisher: ports::EventSink that batches events into the `analytics` queue.
//
// Publish() appends to a bounded in-memory buffer and returns; a thread ("analytics") sends the
// buffer to the queue in batches (one queue write per batch, at most every `flush_interval`).
// When the buffer is full the event is dropped and counted (`dropped`), so a slow queue never
// slows ingest. Stop() sends what is buffered, then joins.
//
// Thread safety: Publish() and the counters from any thread; Start/Stop from the owner.
#pragma once

#include <atomic>
#include <deque>
#include <thread>

#include "wagate/base/mutex.h"
#include "wagate/ports/event_sink.h"
#include "wagate/ports/queue.h"

namespace wagate::processing {

class EventPublisher final : public ports::EventSink {
 public:
  struct Options {
    size_t max_buffered = 65'536;
    size_t max_batch = 200;  // bounds how long a batch holds the write gate ahead of admits
    Millis flush_interval{100};
  };

  EventPublisher(ports::Queue& queue, Options options) : queue_(queue), options_(options) {}
  ~EventPublisher() override { Stop(); }

  void Publish(domain::AnalyticsEvent event) override;
  // Sends everything buffered now; returns how many events were sent.
  StatusOr<size_t> Flush();

  void Start();
  void Stop();

  uint64_t published() const { return published_.load(); }
  uint64_t dropped() const { return dropped_.load(); }

 private:
  ports::Queue& queue_;
  const Options options_;
  std::atomic<uint64_t> published_{0};
  std::atomic<uint64_t> dropped_{0};

  Mutex mu_;
  std::deque<domain::AnalyticsEvent> buffer_ WAGATE_GUARDED_BY(mu_);
  bool stopping_ WAGATE_GUARDED_BY(mu_) = false;
  CondVar wake_;
  std::thread thread_;
};

}  // namespace wagate::processing
