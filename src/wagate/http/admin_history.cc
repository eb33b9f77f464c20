#include "wagate/http/admin_history.h"

#include <boost/json.hpp>

namespace wagate::http {

namespace {

namespace json = boost::json;

int64_t MinuteOf(Timestamp t) {
  int64_t ms = ToUnixMillis(t);
  return ms >= 0 ? ms / 60'000 : (ms - 59'999) / 60'000;
}

constexpr std::array<const char*, 3> kQueues = {"incoming", "outgoing", "analytics"};

}  // namespace

AdminHistory::Bucket* AdminHistory::BucketFor(int64_t minute) {
  Bucket& b = buckets_[static_cast<size_t>(((minute % kMinutes) + kMinutes) % kMinutes)];
  if (b.minute > minute) return nullptr;
  if (b.minute < minute) b = Bucket{minute};
  return &b;
}

void AdminHistory::Publish(domain::AnalyticsEvent event) {
  for (size_t i = 0; i < kEvents.size(); ++i) {
    if (event.event != kEvents[i]) continue;
    int64_t minute = MinuteOf(event.ts);
    MutexLock lock(mu_);
    if (Bucket* b = BucketFor(minute)) ++b->counts[i];
    return;
  }
}

void AdminHistory::Sample(const HealthSnapshot& snapshot, Timestamp now) {
  MutexLock lock(mu_);
  Bucket* b = BucketFor(MinuteOf(now));
  if (b == nullptr) return;
  for (size_t q = 0; q < kQueues.size(); ++q) {
    // A queue whose stats could not be read keeps the minute's earlier sample, if any.
    if (!snapshot.queues[q]) continue;
    const ports::QueueStats& s = *snapshot.queues[q];
    b->depth[q] = s.visible + s.in_flight + s.delayed;
    b->dlq[q] = s.dlq;
    b->sampled = true;
  }
}

std::string AdminHistory::ToJson(Timestamp now) const {
  const int64_t last = MinuteOf(now);
  json::array out;
  out.reserve(kMinutes);
  MutexLock lock(mu_);
  for (int64_t minute = last - kMinutes + 1; minute <= last; ++minute) {
    const Bucket& b = buckets_[static_cast<size_t>(((minute % kMinutes) + kMinutes) % kMinutes)];
    const bool current = b.minute == minute;
    json::object row;
    row["t"] = FormatRfc3339(FromUnixMillis(minute * 60'000));
    for (size_t i = 0; i < kEvents.size(); ++i) row[kEvents[i]] = current ? b.counts[i] : 0;
    if (current && b.sampled) {
      json::object depth, dlq;
      for (size_t q = 0; q < kQueues.size(); ++q) {
        depth[kQueues[q]] = b.depth[q];
        dlq[kQueues[q]] = b.dlq[q];
      }
      row["depth"] = std::move(depth);
      row["dlq"] = std::move(dlq);
    } else {
      row["depth"] = nullptr;
      row["dlq"] = nullptr;
    }
    out.push_back(std::move(row));
  }
  return json::serialize(out);
}

}  // namespace wagate::http
