// EventSink: where outcomes are published as analytics events (SPEC §4 Analytics).
//
// Publish() never blocks on storage: it is called on HTTP I/O threads (admit outcomes) and from
// workers. Analytics are not part of the race-safety contract: an implementation may drop events
// under overload, and must count what it drops.
//
// Thread safety: implementations are safe from any thread.
#pragma once

#include "wagate/domain/analytics_event.h"

namespace wagate::ports {

class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void Publish(domain::AnalyticsEvent event) = 0;
};

}  // namespace wagate::ports
