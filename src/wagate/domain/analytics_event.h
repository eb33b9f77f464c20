// Analytics events: one JSON event per outcome, published to the `analytics` queue (SPEC §4
// Analytics).
//
// Events: received, duplicate, quarantined (admit); processed, retried, dead_lettered, stale,
// status (processing); sent, send_failed (sending). As JSON:
//   {"id":"<key>:<event>:<fence>","event","key","kind","ts","attempt","latency_ms","error_code"}
// `id` is stable for one outcome of one attempt, so a consumer can drop the copies an
// at-least-once queue may deliver. latency_ms is from admission to the outcome (null at admit);
// error_code is the handler's or Graph API's code, or null.
//
// Thread safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "wagate/base/clock.h"
#include "wagate/domain/work_item.h"

namespace wagate::domain {

struct AnalyticsEvent {
  std::string event;
  std::string key;
  ItemKind kind = ItemKind::kMessage;
  Timestamp ts;
  int64_t attempt = 0;
  int64_t fence = 0;
  std::optional<int64_t> latency_ms;
  std::string error_code;  // empty: none
};

std::string AnalyticsEventToJson(const AnalyticsEvent& e);

}  // namespace wagate::domain
