// AdminHistory: what the dashboard charts over the last hour, in constant memory.
//
// It is an EventSink observer (added to processing::EventFanout) that counts this process's
// outcome events per minute, and a sampler of the HealthMonitor's snapshot (Sample(), called
// every few seconds by the admin worker) that keeps the last queue depths seen in each minute.
// The ring holds kMinutes one-minute buckets; a bucket is reused when its minute has passed, so
// memory never grows, however long the process runs.
//
// ToJson(now) gives the last kMinutes minutes, oldest first:
//   [{"t":"<RFC 3339 start of minute>","received":n,"duplicate":n,"quarantined":n,
//     "processed":n,"retried":n,"dead_lettered":n,"sent":n,"send_failed":n,
//     "depth":{"incoming":n,"outgoing":n,"analytics":n}|null,
//     "dlq":{"incoming":n,"outgoing":n,"analytics":n}|null}]
// A minute without a sample has "depth":null (the charts leave a gap); counts are 0.
//
// Thread safety: every method is safe from any thread; Publish() only takes a short lock.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "wagate/base/clock.h"
#include "wagate/base/mutex.h"
#include "wagate/http/health_monitor.h"
#include "wagate/ports/event_sink.h"

namespace wagate::http {

class AdminHistory final : public ports::EventSink {
 public:
  static constexpr int kMinutes = 60;

  void Publish(domain::AnalyticsEvent event) override;
  // Keeps the depths of `snapshot` as the latest of the minute of `now`.
  void Sample(const HealthSnapshot& snapshot, Timestamp now);
  // The last kMinutes minutes up to and including the minute of `now`, as a JSON array.
  std::string ToJson(Timestamp now) const;

 private:
  // The outcome events counted, in the order of the JSON keys.
  static constexpr std::array<const char*, 8> kEvents = {"received",  "duplicate",  "quarantined",
                                                         "processed", "retried",    "dead_lettered",
                                                         "sent",      "send_failed"};

  struct Bucket {
    int64_t minute = -1;  // minutes since the epoch; -1: never used
    std::array<int64_t, kEvents.size()> counts{};
    bool sampled = false;
    std::array<int64_t, 3> depth{};  // visible + in flight + delayed, per queue
    std::array<int64_t, 3> dlq{};
  };

  // The bucket of `minute`, cleared first when it last held an older minute; null when its slot
  // already holds a newer minute (a late event for a minute the ring has forgotten).
  Bucket* BucketFor(int64_t minute) WAGATE_REQUIRES(mu_);

  mutable Mutex mu_;
  std::array<Bucket, kMinutes> buckets_ WAGATE_GUARDED_BY(mu_);
};

}  // namespace wagate::http
