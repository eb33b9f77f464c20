#include "wagate/http/alert_window.h"

#include <algorithm>
#include <cmath>

namespace wagate::http {

namespace {

// Rates are shown to four decimals: enough to compare with a threshold, short to read.
double Rate(int64_t part, int64_t whole) {
  if (whole <= 0) return 0;
  return std::round(static_cast<double>(part) / static_cast<double>(whole) * 10'000) / 10'000;
}

}  // namespace

AlertWindow::AlertWindow(const Clock& clock,
                         std::function<std::vector<std::string>()> paused_numbers)
    : clock_(clock), paused_numbers_(std::move(paused_numbers)) {}

int64_t AlertWindow::Epoch() const {
  return std::chrono::duration_cast<Millis>(clock_.Steady().time_since_epoch()).count() /
         kBucket.count();
}

void AlertWindow::Add(int64_t Counts::*field, int64_t n) {
  const int64_t epoch = Epoch();
  MutexLock lock(mu_);
  Bucket& b = buckets_[static_cast<size_t>(epoch) % kBuckets];
  if (b.epoch != epoch) b = Bucket{epoch, {}};  // a bucket last used a window or more ago
  b.counts.*field += n;
}

AlertWindow::Counts AlertWindow::Sum() const {
  const int64_t now = Epoch();
  Counts sum;
  MutexLock lock(mu_);
  for (const Bucket& b : buckets_) {
    if (b.epoch < 0 || b.epoch > now || now - b.epoch >= static_cast<int64_t>(kBuckets)) continue;
    sum.received += b.counts.received;
    sum.duplicate += b.counts.duplicate;
    sum.quarantined += b.counts.quarantined;
    sum.succeeded += b.counts.succeeded;
    sum.failed += b.counts.failed;
    sum.dead_lettered += b.counts.dead_lettered;
    sum.dlq_growth += b.counts.dlq_growth;
  }
  return sum;
}

void AlertWindow::Publish(domain::AnalyticsEvent event) {
  const std::string& e = event.event;
  const bool outgoing = event.kind == domain::ItemKind::kOutgoing;
  if (e == "received") {
    Add(&Counts::received, 1);
  } else if (e == "duplicate") {
    Add(&Counts::duplicate, 1);
  } else if (e == "quarantined") {
    Add(&Counts::quarantined, 1);
  } else if (e == "processed" || e == "stale" || e == "sent") {
    Add(&Counts::succeeded, 1);
  } else if (e == "send_failed") {
    Add(&Counts::failed, 1);
  } else if (e == "retried") {
    if (!outgoing) Add(&Counts::failed, 1);  // an outgoing one follows its send_failed
  } else if (e == "dead_lettered") {
    if (!outgoing) Add(&Counts::failed, 1);
    Add(&Counts::dead_lettered, 1);
  }
}

void AlertWindow::Observe(const HealthSnapshot& snapshot) {
  int64_t growth = 0;
  {
    MutexLock lock(mu_);
    for (size_t i = 0; i < snapshot.queues.size(); ++i) {
      if (!snapshot.queues[i]) {
        last_dlq_[i].reset();  // unknown meanwhile: the next reading is a new baseline
        continue;
      }
      const int64_t depth = snapshot.queues[i]->dlq;
      if (last_dlq_[i] && depth > *last_dlq_[i]) growth += depth - *last_dlq_[i];
      last_dlq_[i] = depth;
    }
  }
  if (growth > 0) Add(&Counts::dlq_growth, growth);
}

std::vector<Alert> AlertWindow::Alerts(const HealthSnapshot& latest) const {
  const Counts c = Sum();
  std::vector<Alert> out;
  auto raise = [&out](std::string name, double value, double threshold) {
    if (value > threshold) out.push_back(Alert{std::move(name), value, threshold});
  };
  raise("high_duplicate_rate", Rate(c.duplicate, c.received + c.duplicate), kHighDuplicateRate);
  raise("high_error_rate", Rate(c.failed, c.succeeded + c.failed), kHighErrorRate);

  std::optional<int64_t> in_flight;
  std::optional<int64_t> dead;
  for (const std::optional<ports::QueueStats>& q : latest.queues) {
    if (!q) continue;
    if (q->oldest_in_flight_seconds)
      in_flight = std::max(in_flight.value_or(0), *q->oldest_in_flight_seconds);
    if (q->oldest_dlq_age_seconds) dead = std::max(dead.value_or(0), *q->oldest_dlq_age_seconds);
  }
  if (in_flight) raise("stuck_in_flight", static_cast<double>(*in_flight), kStuckInFlightSeconds);

  const int64_t new_dead =
      std::max(c.dead_lettered, std::max<int64_t>(0, c.dlq_growth - c.quarantined));
  raise("dead_letter", static_cast<double>(new_dead), 0);
  raise("quarantined", static_cast<double>(c.quarantined), 0);
  if (dead) raise("dlq_expiring", static_cast<double>(*dead), kDlqExpiringSeconds);
  if (paused_numbers_) raise("sender_paused", static_cast<double>(paused_numbers_().size()), 0);
  return out;
}

}  // namespace wagate::http
