#include "wagate/loadtest/loadtest.h"

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <cmath>
#include <random>
#include <thread>

#include "wagate/base/clock.h"
#include "wagate/loadtest/worker.h"

namespace wagate::loadtest {
namespace {

using std::chrono::steady_clock;

constexpr int kMaxItemsPerRequest = 1000;  // Meta's batch limit

bool IsFraction(double v) { return std::isfinite(v) && v >= 0 && v <= 1; }

// Hex of a random 64-bit value: the part of every wamid that tells runs apart.
std::string RandomRunTag() {
  std::random_device device;
  const uint64_t value = (static_cast<uint64_t>(device()) << 32) | device();
  static constexpr char kHex[] = "0123456789abcdef";
  std::string tag(16, '0');
  for (int i = 0; i < 16; ++i) tag[i] = kHex[(value >> (60 - 4 * i)) & 0xf];
  return tag;
}

StatusOr<std::vector<boost::asio::ip::tcp::endpoint>> Resolve(const Target& target) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::resolver resolver(io);
  boost::system::error_code ec;
  const auto results = resolver.resolve(target.host, target.port, ec);
  if (ec || results.empty()) {
    return UnavailableError("cannot resolve " + target.host + ":" + target.port + ": " +
                            ec.message());
  }
  std::vector<boost::asio::ip::tcp::endpoint> endpoints;
  for (const auto& entry : results) endpoints.push_back(entry.endpoint());
  return endpoints;
}

double Millis(uint64_t nanos) { return static_cast<double>(nanos) / 1e6; }

void AddTo(Report& report, const WorkerStats& stats) {
  report.sent += stats.sent;
  report.completed += stats.completed;
  report.ok_2xx += stats.ok_2xx;
  for (size_t code = 0; code < stats.by_status.size(); ++code) {
    if (stats.by_status[code] > 0)
      report.status_counts[static_cast<int>(code)] += stats.by_status[code];
  }
  static constexpr const char* kErrorNames[] = {"connect", "write", "read", "timeout"};
  static_assert(std::size(kErrorNames) == static_cast<size_t>(ErrorKind::kCount));
  for (size_t kind = 0; kind < stats.errors.size(); ++kind) {
    report.errors += stats.errors[kind];
    if (stats.errors[kind] > 0) report.error_counts[kErrorNames[kind]] += stats.errors[kind];
  }
  report.accepted += stats.accepted;
  report.duplicates += stats.duplicates;
  report.quarantined += stats.quarantined;
  report.unique_ids_sent += stats.unique_ids_sent;
  report.resent += stats.resent;
  report.concurrent_groups += stats.concurrent_groups;
  report.concurrent_requests += stats.concurrent_requests;
}

}  // namespace

Status Validate(const Options& o) {
  if (StatusOr<Target> target = ParseTarget(o.url); !target.ok()) return target.status();
  if (!std::isfinite(o.rate) || o.rate < 0) return InvalidArgumentError("--rate must be >= 0");
  if (!std::isfinite(o.duration_seconds) || o.duration_seconds < 0) {
    return InvalidArgumentError("--duration must be >= 0");
  }
  if (o.duration_seconds == 0 && o.requests == 0) {
    return InvalidArgumentError("--duration 0 needs --requests, or the run would never end");
  }
  if (o.connections < 1) return InvalidArgumentError("--connections must be >= 1");
  if (o.threads < 1 || o.threads > o.connections) {
    return InvalidArgumentError("--threads must be between 1 and --connections");
  }
  if (!IsFraction(o.duplicates))
    return InvalidArgumentError("--duplicates must be between 0 and 1");
  if (!IsFraction(o.concurrent_duplicates)) {
    return InvalidArgumentError("--concurrent-duplicates must be between 0 and 1");
  }
  if (o.duplicates + o.concurrent_duplicates > 1) {
    return InvalidArgumentError("--duplicates plus --concurrent-duplicates must not exceed 1");
  }
  if (o.concurrent_fanout < 2) return InvalidArgumentError("--fanout must be >= 2");
  if (o.concurrent_duplicates > 0 && o.connections / o.threads < 2) {
    return InvalidArgumentError("--concurrent-duplicates needs at least 2 connections per thread");
  }
  if (o.items_per_request < 1 || o.items_per_request > kMaxItemsPerRequest) {
    return InvalidArgumentError("--items must be between 1 and 1000");
  }
  if (o.id_prefix.empty()) return InvalidArgumentError("the wamid prefix must not be empty");
  if (!std::isfinite(o.timeout_seconds) || o.timeout_seconds <= 0) {
    return InvalidArgumentError("--timeout must be > 0");
  }
  return Status::Ok();
}

StatusOr<Report> Run(const Options& options) {
  WAGATE_RETURN_IF_ERROR(Validate(options));
  StatusOr<Target> target = ParseTarget(options.url);
  if (!target.ok()) return target.status();
  StatusOr<std::vector<boost::asio::ip::tcp::endpoint>> endpoints = Resolve(*target);
  if (!endpoints.ok()) return endpoints.status();

  RequestShape shape;
  shape.items_per_request = options.items_per_request;
  shape.secret = options.secret;
  shape.id_prefix = options.id_prefix;
  shape.run_tag = RandomRunTag();
  shape.unix_seconds = ToUnixMillis(SystemClock::Instance().Now()) / 1000;
  RequestFactory factory(*target, std::move(shape));
  RunBudget budget(options.requests);

  const SteadyTime start = SystemClock::Instance().Steady();
  const SteadyTime deadline =
      options.duration_seconds > 0
          ? start + std::chrono::duration_cast<steady_clock::duration>(
                        std::chrono::duration<double>(options.duration_seconds))
          : SteadyTime::max();
  const WorkerContext context{options, *endpoints, factory, budget, start, deadline};

  const uint64_t seed = options.seed != 0 ? options.seed : std::random_device()();
  std::vector<WorkerStats> stats(static_cast<size_t>(options.threads));
  {
    std::vector<std::jthread> threads;
    for (int i = 0; i < options.threads; ++i) {
      WorkerPlan plan;
      plan.connections = options.connections / options.threads +
                         (i < options.connections % options.threads ? 1 : 0);
      plan.rate = options.rate / options.threads;
      plan.seed = seed + static_cast<uint64_t>(i);
      threads.emplace_back([&context, &stats, plan, i] {
        stats[static_cast<size_t>(i)] = RunWorker(context, plan);
      });
    }
  }  // joins
  const SteadyTime end = SystemClock::Instance().Steady();

  Report report;
  report.options = options;
  LatencyHistogram latency;
  SteadyTime last_answer = start;
  for (const WorkerStats& s : stats) {
    AddTo(report, s);
    latency.Merge(s.latency);
    last_answer = std::max(last_answer, s.last_answer);
  }
  // The run lasts until its last answer; waiting out a timed-out request would understate
  // the rate, and a run with no answers lasts until it stopped.
  const SteadyTime finish = report.completed > 0 ? last_answer : end;
  report.seconds = std::chrono::duration<double>(finish - start).count();
  report.req_per_sec =
      report.seconds > 0 ? static_cast<double>(report.completed) / report.seconds : 0;
  report.mean_ms = latency.mean() / 1e6;
  report.p50_ms = Millis(latency.Percentile(0.50));
  report.p90_ms = Millis(latency.Percentile(0.90));
  report.p99_ms = Millis(latency.Percentile(0.99));
  report.p999_ms = Millis(latency.Percentile(0.999));
  report.max_ms = Millis(latency.max());
  return report;
}

}  // namespace wagate::loadtest
