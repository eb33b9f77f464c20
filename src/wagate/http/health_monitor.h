// HealthMonitor: keeps a fresh snapshot of the store's reachability and the queue depths, so
// that /health and /health/detailed answer from memory and never touch storage on an I/O thread.
//
// A background thread ("health-monitor") refreshes the snapshot every `interval` (the depth
// counts walk an index, so they are not taken more often than needed); Start() takes
// the first snapshot before returning, so the first request already sees real values.
//
// With a worker registry (SetWorkers), each refresh also writes this process's heartbeat record
// when it runs processors, and reads the workers seen in the last `kLiveWorkerWindow`, so any
// role can report processing.
//
// A listener (SetListener) sees every snapshot as it is taken, on the monitor's thread; the
// AlertWindow uses it to notice dead-letter queues growing.
//
// Thread safety: Snapshot() and SetDraining() are safe from any thread; SetWorkers() and
// SetListener() before Start().
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "wagate/base/clock.h"
#include "wagate/base/mutex.h"
#include "wagate/ports/queue_stats.h"
#include "wagate/ports/work_store.h"
#include "wagate/ports/worker_registry.h"

namespace wagate::http {

struct HealthSnapshot {
  Status store;  // OK when the store answered the last ping
  Timestamp taken;
  // incoming, outgoing, analytics; nullopt when the stats could not be read.
  std::array<std::optional<ports::QueueStats>, 3> queues;
  // Workers (this process included) whose heartbeat is recent.
  std::vector<ports::WorkerBeat> workers;
};

// A worker whose last heartbeat is older than this is not counted as live.
inline constexpr std::chrono::milliseconds kLiveWorkerWindow{15'000};

class HealthMonitor {
 public:
  // Both ports are borrowed and must outlive the monitor.
  HealthMonitor(ports::WorkStore& store, ports::QueueStatsSource& queues, const Clock& clock,
                std::chrono::milliseconds interval = std::chrono::milliseconds(2000));
  ~HealthMonitor();

  // `self` gives this process's heartbeat, or nullopt when it runs no processors.
  void SetWorkers(ports::WorkerRegistry* registry,
                  std::function<std::optional<ports::WorkerBeat>()> self);
  // `listener` must not block: it runs on the monitor's thread after every refresh.
  void SetListener(std::function<void(const HealthSnapshot&)> listener) {
    listener_ = std::move(listener);
  }
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
  ports::WorkerRegistry* registry_ = nullptr;
  std::function<std::optional<ports::WorkerBeat>()> self_;
  std::function<void(const HealthSnapshot&)> listener_;
  std::atomic<bool> draining_{false};

  mutable Mutex mu_;
  CondVar wake_;
  HealthSnapshot snapshot_ WAGATE_GUARDED_BY(mu_);
  bool stopping_ WAGATE_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace wagate::http
