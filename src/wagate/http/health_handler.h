// HealthHandler: GET /, GET /health and GET /health/detailed (SPEC §5; the seed's keys).
//
// Answers come from the HealthMonitor's snapshot, never from storage directly.
//   /health           200 {"status":"healthy"}; 503 {"status":"unhealthy","reason"} when the store
//                     or the queues are unreachable or the service is draining.
//   /health/detailed  {"status","timestamp","backend","components","processor","queues","alerts"};
//                     200 when healthy or degraded (an alert of the AlertWindow is raised), 503
//                     when unhealthy.
//
// Thread safety: safe from any thread.
#pragma once

#include <functional>
#include <string>

#include "wagate/base/clock.h"
#include "wagate/http/alert_window.h"
#include "wagate/http/health_monitor.h"
#include "wagate/http/rate_limiter.h"
#include "wagate/http/router.h"

namespace wagate::http {

struct ServiceInfo {
  std::string version;
  std::string environment;
  std::string backend;       // "sqlite" | "aws"
  std::string processor_id;  // e.g. "host-1234-ab12"
  // Components of /health/detailed: the store ("sqlite", "dynamodb") and, where the queues are
  // a service of their own, the queues ("sqs"; "" on sqlite).
  std::string store_component;
  std::string queue_component;
};

// What /health/detailed shows of the processing pipeline of this process.
struct ProcessorView {
  bool running = false;
  uint64_t processed = 0;
  uint64_t errors = 0;
};

// What /health and /health/detailed report: "unhealthy" with a reason when the store (or, where
// they are a service of their own, `separate_queues`, the queues) cannot be reached or the
// service is draining; otherwise "degraded" when an alert is raised, else "healthy".
struct HealthVerdict {
  std::string status;
  std::string reason;  // empty unless unhealthy
};
HealthVerdict JudgeHealth(const HealthSnapshot& snap, bool draining, bool separate_queues,
                          bool alerts_raised);

class HealthHandler {
 public:
  // `processor` is called on I/O threads and must only read atomics. `alerts` (null: none) is
  // borrowed and must outlive the handler.
  HealthHandler(ServiceInfo info, const HealthMonitor& monitor, const Clock& clock,
                std::function<ProcessorView()> processor, const AlertWindow* alerts = nullptr);

  // `limit` (null: none) is the bucket shared by /, /health and /health/detailed; it is borrowed
  // and must outlive the router.
  void AddRoutes(Router& router, RateLimiter* limit = nullptr);

  Response Root() const;
  Response Health() const;
  Response Detailed() const;

 private:
  const ServiceInfo info_;
  const HealthMonitor& monitor_;
  const Clock& clock_;
  const std::function<ProcessorView()> processor_;
  const AlertWindow* const alerts_;
  const std::chrono::steady_clock::time_point started_;
};

}  // namespace wagate::http
