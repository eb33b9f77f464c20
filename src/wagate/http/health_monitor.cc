#include "wagate/http/health_monitor.h"

#include <pthread.h>

namespace wagate::http {

HealthMonitor::HealthMonitor(ports::WorkStore& store, ports::QueueStatsSource& queues,
                             const Clock& clock, std::chrono::milliseconds interval)
    : store_(store), queues_(queues), clock_(clock), interval_(interval) {}

HealthMonitor::~HealthMonitor() { Stop(); }

void HealthMonitor::SetWorkers(ports::WorkerRegistry* registry,
                               std::function<std::optional<ports::WorkerBeat>()> self) {
  registry_ = registry;
  self_ = std::move(self);
}

void HealthMonitor::Start() {
  Refresh();
  thread_ = std::thread([this] { Loop(); });
}

void HealthMonitor::Stop() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

HealthSnapshot HealthMonitor::Snapshot() const {
  MutexLock lock(mu_);
  return snapshot_;
}

void HealthMonitor::Refresh() {
  HealthSnapshot next;
  next.store = store_.Ping();
  next.taken = clock_.Now();
  const domain::QueueName names[] = {domain::QueueName::kIncoming, domain::QueueName::kOutgoing,
                                     domain::QueueName::kAnalytics};
  for (size_t i = 0; i < 3; ++i) {
    StatusOr<ports::QueueStats> stats = queues_.Stats(names[i]);
    if (stats.ok()) next.queues[i] = *stats;
  }
  if (registry_) {
    if (std::optional<ports::WorkerBeat> beat = self_ ? self_() : std::nullopt) {
      (void)registry_->Beat(*beat);  // a failed beat shows as a missing worker
    }
    StatusOr<std::vector<ports::WorkerBeat>> live = registry_->Live(next.taken - kLiveWorkerWindow);
    if (live.ok()) next.workers = std::move(*live);
  }
  if (listener_) listener_(next);
  MutexLock lock(mu_);
  snapshot_ = std::move(next);
}

void HealthMonitor::Loop() {
  pthread_setname_np(pthread_self(), "health-monitor");
  for (;;) {
    {
      MutexLock lock(mu_);
      wake_.wait_for(mu_, interval_, [this]() WAGATE_REQUIRES(mu_) { return stopping_; });
      if (stopping_) return;
    }
    Refresh();
  }
}

}  // namespace wagate::http
