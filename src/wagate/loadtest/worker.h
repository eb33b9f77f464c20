// One load thread: an io_context, its connections, and what they measured.
//
// RunWorker() owns everything it creates and returns when every connection has finished, so the
// only state threads share is the RequestFactory (atomic id counter) and the RunBudget.
//
// Times come from std::chrono::steady_clock, the clock Asio's timers run on, because pacing,
// deadlines and latency must agree with the timers that drive them.
//
// Thread safety: RunBudget is safe to share; everything else is per call.
#pragma once

#include <array>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <vector>

#include "wagate/loadtest/histogram.h"
#include "wagate/loadtest/loadtest.h"
#include "wagate/loadtest/wire.h"

namespace wagate::loadtest {

using SteadyTime = std::chrono::steady_clock::time_point;

// The request count shared by every thread when --requests is set.
class RunBudget {
 public:
  explicit RunBudget(uint64_t limit) : limit_(limit) {}
  // Takes `n` requests from the budget; false (and nothing taken) when fewer than `n` remain.
  // Always true without a limit.
  bool TryTake(uint64_t n);

 private:
  const uint64_t limit_;  // 0 = unlimited
  std::atomic<uint64_t> taken_{0};
};

enum class ErrorKind { kConnect, kWrite, kRead, kTimeout, kCount };

// What one thread saw.
struct WorkerStats {
  uint64_t sent = 0;
  uint64_t completed = 0;
  uint64_t ok_2xx = 0;
  std::array<uint64_t, 1000> by_status{};  // HTTP status codes are three digits
  std::array<uint64_t, static_cast<size_t>(ErrorKind::kCount)> errors{};
  uint64_t accepted = 0;
  uint64_t duplicates = 0;
  uint64_t quarantined = 0;
  uint64_t unique_ids_sent = 0;
  uint64_t resent = 0;
  uint64_t concurrent_groups = 0;
  uint64_t concurrent_requests = 0;
  SteadyTime last_answer{};
  LatencyHistogram latency;
};

// The part of the run one thread carries out.
struct WorkerPlan {
  int connections = 1;
  double rate = 0;  // this thread's share of Options::rate; 0 = closed loop
  uint64_t seed = 0;
};

// Everything a worker borrows; it all outlives the call.
struct WorkerContext {
  const Options& options;
  const std::vector<boost::asio::ip::tcp::endpoint>& endpoints;
  RequestFactory& factory;
  RunBudget& budget;
  SteadyTime start;
  SteadyTime deadline;  // SteadyTime::max() when there is no time limit
};

// Runs one thread's connections on the calling thread until the deadline or the budget ends
// them, then waits for their answers in flight (up to Options::timeout_seconds).
WorkerStats RunWorker(const WorkerContext& context, const WorkerPlan& plan);

}  // namespace wagate::loadtest
