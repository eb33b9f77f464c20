#include "wagate/http/admin_outbound.h"

#include <algorithm>

namespace wagate::http {

void OutboundLog::Publish(domain::AnalyticsEvent event) {
  if (event.kind != domain::ItemKind::kOutgoing) return;
  if (event.event != "sent" && event.event != "send_failed" && event.event != "processed" &&
      event.event != "dead_lettered" && event.event != "retried") {
    return;
  }
  MutexLock lock(mu_);
  auto same = std::find_if(entries_.begin(), entries_.end(),
                           [&](const OutboundEntry& e) { return e.key == event.key; });
  if (same != entries_.end()) entries_.erase(same);
  entries_.push_front(OutboundEntry{std::move(event.key), std::move(event.event), event.ts,
                                    event.attempt, std::move(event.error_code)});
  while (entries_.size() > capacity_) entries_.pop_back();
}

std::vector<OutboundEntry> OutboundLog::Recent() const {
  MutexLock lock(mu_);
  return {entries_.begin(), entries_.end()};
}

}  // namespace wagate::http
