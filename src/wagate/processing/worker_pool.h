// WorkerPool: the threads of a processor or sender pool, and the heartbeats that keep their
// claims alive (SPEC §2 invariant 3, §4 Shutdown).
//
// Start(n, name, round) runs `round` over and over on n threads named "<name>-<i>" until Stop().
// Stop(grace, overrun) asks the threads to stop after their current round; when some are still
// in a round after `grace`, it calls `overrun` once (the owner releases their claims), then joins.
//
// Heartbeats: a worker registers each claim it holds while its handler or Graph call runs
// (Track/Untrack). A heartbeat thread extends every registered claim every lease/3: the record's
// lease first, then the message's visibility, so a long handler never loses an item it is
// still working on. A claim whose fence was lost is dropped from the register; the worker finds
// out on its next fenced write.
//
// Thread safety: Start/Stop from the owner; Track/Untrack/BeatOnce from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "wagate/base/mutex.h"
#include "wagate/ports/metrics.h"
#include "wagate/ports/queue.h"
#include "wagate/ports/work_store.h"

namespace wagate::processing {

class Heartbeats {
 public:
  // `metrics` (null: none) counts the claims a heartbeat finds lost (lease expiries).
  Heartbeats(ports::Queue& queue, ports::WorkStore& store, domain::QueueName queue_name,
             Millis lease, ports::Metrics* metrics = nullptr)
      : queue_(queue), store_(store), queue_name_(queue_name), lease_(lease), metrics_(metrics) {}
  ~Heartbeats() { Stop(); }

  uint64_t Track(const ports::Fenced& claim, const std::string& receipt);
  void Untrack(uint64_t token);
  // Extends every registered claim once; returns how many were extended.
  int BeatOnce();
  // Gives every registered claim back (released, message visible at once): shutdown after the
  // grace period. Returns how many were released.
  int ReleaseAll(const std::string& why);

  void Start();
  void Stop();

 private:
  struct Held {
    ports::Fenced claim;
    std::string receipt;
  };
  ports::Queue& queue_;
  ports::WorkStore& store_;
  const domain::QueueName queue_name_;
  const Millis lease_;
  ports::Metrics* const metrics_;

  Mutex mu_;
  uint64_t next_token_ WAGATE_GUARDED_BY(mu_) = 0;
  std::map<uint64_t, Held> held_ WAGATE_GUARDED_BY(mu_);
  bool stopping_ WAGATE_GUARDED_BY(mu_) = false;
  CondVar wake_;
  std::thread thread_;
};

// Registers a claim with Heartbeats for the scope's lifetime.
class HeartbeatScope {
 public:
  HeartbeatScope(Heartbeats& heartbeats, const ports::Fenced& claim, const std::string& receipt)
      : heartbeats_(heartbeats), token_(heartbeats.Track(claim, receipt)) {}
  ~HeartbeatScope() { heartbeats_.Untrack(token_); }
  HeartbeatScope(const HeartbeatScope&) = delete;
  HeartbeatScope& operator=(const HeartbeatScope&) = delete;

 private:
  Heartbeats& heartbeats_;
  const uint64_t token_;
};

class WorkerPool {
 public:
  ~WorkerPool() { Stop(); }
  void Start(int n, const std::string& name, std::function<void()> round);
  void Stop(Millis grace = Millis(0), const std::function<void()>& overrun = {});
  bool stopping() const { return stopping_.load(); }

 private:
  std::atomic<bool> stopping_{false};
  std::atomic<int> in_round_{0};
  std::vector<std::thread> threads_;
};

}  // namespace wagate::processing
