// HealthMonitor: keeps a fresh snapshot of the store's reachability and the queue depths, so
// that /health and /health/detailed answer from memory and never touch storage on an I/O thread.
//
// A background thread ("health-monitor") refreshes the snapshot every `interval` (the depth
// counts walk an index, so they are not taken more often than needed); Start() takes
// the first snapshot before returning, so the first request already sees real values.
//
// Thread safety: Snapshot() and SetDraining() are safe from any thread.
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <optional>
#include <string>
#include <thread>

#include "wagate/base/clock.h"
#include "wagate/base/mutex.h"
#include "wagate/ports/queue_stats.h"
#include "wagate/ports/work_store.h"

namespace wagate::http {

struct HealthSnapshot {
  Status store;  // OK when the store answered the last ping
  Timestamp taken;
  // incoming, outgoing, analytics; nullopt when the stats could not be read.
  std::array<std::optional<ports::QueueStats>, 3> queues;
};

class HealthMonitor {
 public:
  // Both ports are borrowed and must outlive the monitor.
  HealthMonitor(ports::WorkStore& store, ports::QueueStatsSource& queues, const Clock& clock,
                std::chrono::milliseconds interval = std::chrono::milliseconds(2000));
  ~HealthMonitor();

  void Start();
  void Stop();
  HealthSnapshot Snapshot() const;

  // While draining, /health answers 503 so load balancers stop sending (SPEC §4 Shutdown).
  void SetDraining() { draining_.store(true); }
  bool draining() const { return draining_.load(); }

 private:
  void Refresh();
  void Loop();

  ports::WorkStore& store_;
  ports::QueueStatsSource& queues_;
  const Clock& clock_;
  const std::chrono::milliseconds interval_;
  std::atomic<bool> draining_{false};

  mutable Mutex mu_;
  CondVar wake_;
  HealthSnapshot snapshot_ WAGATE_GUARDED_BY(mu_);
  bool stopping_ WAGATE_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace wagate::http
