// AlertWindow: the `alerts` of /health/detailed (SPEC §5), over the last 5 minutes.
//
// It is fed two ways:
//   - as an EventSink added to processing::EventFanout, by every outcome event of this process
//     (admit: received, duplicate, quarantined; processing: processed, stale, retried,
//     dead_lettered; sending: sent, send_failed);
//   - by the HealthMonitor's snapshots (Observe), whose dead-letter depths it compares with the
//     previous snapshot's.
// Counts live in 30 buckets of 10 s on the steady clock, so memory is constant and a count leaves
// the window 5 minutes (to within one bucket) after it was made.
//
// Alerts, each {name, value, threshold}, raised when value > threshold:
//   high_duplicate_rate  duplicate / (received + duplicate) in the window (the seed's 5 %).
//   high_error_rate      failed / finished attempts in the window (the seed's 1 %). An attempt is
//                        one claim of an item and ends in one outcome. Incoming items: processed
//                        or stale succeed, retried or dead_lettered fail. Outgoing items:
//                        sent (or processed, with the dry-run sender) succeed; send_failed fails,
//                        whatever follows it (retry, dead letter, pause, requeue), so one failed
//                        send counts once. `status` (an extra event of a processed status) and a
//                        reply dead-lettered before any send are not attempts (dead_letter covers
//                        the latter).
//   stuck_in_flight      the oldest in-flight message of any queue, in seconds, counted from its
//                        first receive (QueueStats::oldest_in_flight_seconds; the seed's 15 min).
//   dead_letter          new dead letters in the window: the larger of this process's
//                        dead_lettered events and the growth of the dead-letter queues between
//                        snapshots (other processes, SQS's redrive policy and retention move
//                        messages too) less the payloads this process quarantined meanwhile
//                        (quarantine is an alert of its own). Threshold 0: any.
//   quarantined          payloads quarantined in the window. Threshold 0.
//   dlq_expiring         the oldest dead letter's age in seconds, when the backend can tell
//                        (QueueStats::oldest_dlq_age_seconds); threshold 10 days of the 14 days'
//                        retention.
//   sender_paused        business numbers whose sends are paused now. Threshold 0.
// Event counts are this process's own: a `--role api` process sees admit outcomes, a worker sees
// processing outcomes; the queue figures are shared by all.
//
// Thread safety: Publish() from any thread (a short lock per event); Observe() and Alerts() from
// any thread. `paused_numbers` is called by Alerts() and must not block on storage.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "wagate/base/clock.h"
#include "wagate/base/mutex.h"
#include "wagate/http/health_monitor.h"
#include "wagate/ports/event_sink.h"

namespace wagate::http {

struct Alert {
  std::string name;
  double value = 0;
  double threshold = 0;
};

inline constexpr double kHighDuplicateRate = 0.05;
inline constexpr double kHighErrorRate = 0.01;
inline constexpr int64_t kStuckInFlightSeconds = 15 * 60;
inline constexpr int64_t kDlqExpiringSeconds = 10 * 24 * 3600;

class AlertWindow final : public ports::EventSink {
 public:
  static constexpr Millis kWindow{300'000};
  static constexpr Millis kBucket{10'000};

  // `paused_numbers` (may be empty) lists the business numbers whose sends are paused now.
  explicit AlertWindow(const Clock& clock,
                       std::function<std::vector<std::string>()> paused_numbers = {});

  void Publish(domain::AnalyticsEvent event) override;
  // A fresh monitor snapshot: dead-letter queues that grew since the previous one count as new
  // dead letters. The first snapshot (and the first after a queue was unreadable) is a baseline.
  void Observe(const HealthSnapshot& snapshot);
  // The alerts raised now; `latest` gives the queue ages.
  std::vector<Alert> Alerts(const HealthSnapshot& latest) const;

 private:
  struct Counts {
    int64_t received = 0;
    int64_t duplicate = 0;
    int64_t quarantined = 0;
    int64_t succeeded = 0;
    int64_t failed = 0;
    int64_t dead_lettered = 0;
    int64_t dlq_growth = 0;
  };
  struct Bucket {
    int64_t epoch = -1;  // steady milliseconds / kBucket
    Counts counts;
  };
  static constexpr size_t kBuckets = kWindow / kBucket;

  int64_t Epoch() const;
  void Add(int64_t Counts::*field, int64_t n);
  Counts Sum() const;

  const Clock& clock_;
  const std::function<std::vector<std::string>()> paused_numbers_;
  mutable Mutex mu_;
  std::array<Bucket, kBuckets> buckets_ WAGATE_GUARDED_BY(mu_);
  // Dead-letter depth per queue at the last snapshot that could read it.
  std::array<std::optional<int64_t>, 3> last_dlq_ WAGATE_GUARDED_BY(mu_);
};

}  // namespace wagate::http
