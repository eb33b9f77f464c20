// PrometheusMetrics: the metrics of SPEC §8 in a prometheus-cpp registry, and their text
// exposition for GET /metrics. Every name is documented in docs/metrics.md.
//
// It is fed three ways:
//   - as a ports::EventSink added to the outcome fan-out: admit outcomes (work items by kind and
//     outcome), processing outcomes with their latency, and sends by outcome and error code;
//   - as ports::Metrics, called by the router, the rate limiters, ingest and the workers:
//     requests, signature failures, 429s, claims, lease expiries, uncertain sends, resends and
//     pauses;
//   - at each scrape, from the SetQueues() source: a snapshot held in memory (the health monitor's,
//   refreshed on
//     its own thread), never storage, so a scrape costs no I/O.
//
// Hot path: every fixed label set is created once, here, and kept as a `prometheus::Counter*`;
// the label sets known only at run time (request endpoint and code, Graph error code) are cached
// after their first use. Cardinality is bounded: at most kMaxEndpoints endpoints and
// kMaxErrorCodes error codes, the rest counted as "other"; codes outside 100–599 as "other".
// No label ever holds a key, a token, a phone number or message text.
//
// Thread safety: every method is safe from any thread.
#pragma once

#include <array>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wagate/base/mutex.h"
#include "wagate/domain/analytics_event.h"
#include "wagate/ports/event_sink.h"
#include "wagate/ports/metrics.h"
#include "wagate/ports/queue_stats.h"

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
class Registry;
}  // namespace prometheus

namespace wagate::metrics {

// The Content-Type of the text exposition format.
inline constexpr char kContentType[] = "text/plain; version=0.0.4; charset=utf-8";

// incoming, outgoing, analytics (as in http::HealthSnapshot); nullopt when unknown.
using QueueSnapshot = std::array<std::optional<ports::QueueStats>, 3>;

class PrometheusMetrics final : public ports::Metrics, public ports::EventSink {
 public:
  static constexpr size_t kMaxEndpoints = 32;
  static constexpr size_t kMaxErrorCodes = 64;

  PrometheusMetrics();
  ~PrometheusMetrics() override;
  PrometheusMetrics(const PrometheusMetrics&) = delete;
  PrometheusMetrics& operator=(const PrometheusMetrics&) = delete;

  // Where the queue gauges come from: `queues` is called at each scrape and must only read
  // memory. A queue whose stats are unknown keeps the values of the last snapshot that had them.
  // Before the first Scrape().
  void SetQueues(std::function<QueueSnapshot()> queues) { queues_ = std::move(queues); }

  // The text exposition of every metric, queue gauges refreshed first.
  std::string Scrape();

  // ports::EventSink.
  void Publish(domain::AnalyticsEvent event) override;

  // ports::Metrics.
  void RequestAnswered(std::string_view endpoint, unsigned code,
                       std::chrono::nanoseconds latency) override;
  void SignatureFailed() override;
  void RateLimited(std::string_view limit) override;
  void Claimed(ports::ClaimMetric outcome) override;
  void LeaseExpired() override;
  void SendUncertain() override;
  void Resent() override;
  void SenderPaused() override;

 private:
  struct Families;
  struct Endpoint;
  static constexpr size_t kKinds = 4;  // domain::ItemKind
  // Work item outcomes at admit, and processing outcomes, by kind.
  enum Admitted { kAccepted, kDuplicate, kQuarantined, kAdmittedCount };
  enum Processed { kCompleted, kRetried, kDeadLettered, kStale, kProcessedCount };
  struct QueueGauges {
    prometheus::Gauge* visible;
    prometheus::Gauge* in_flight;
    prometheus::Gauge* delayed;
    prometheus::Gauge* oldest_age;
    prometheus::Gauge* dlq;
  };

  Endpoint& EndpointFor(std::string_view name) WAGATE_REQUIRES(mu_);
  // The counter of failed sends with `error_code`.
  prometheus::Counter& SendFailures(std::string_view error_code);

  std::function<QueueSnapshot()> queues_;  // set before serving
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<Families> families_;

  // Fixed label sets, created in the constructor.
  std::array<std::array<prometheus::Counter*, kAdmittedCount>, kKinds> admitted_{};
  std::array<std::array<prometheus::Counter*, kProcessedCount>, kKinds> processed_{};
  std::array<prometheus::Histogram*, kKinds> processing_latency_{};
  std::array<prometheus::Counter*, 6> claims_{};  // by ports::ClaimMetric
  prometheus::Counter* signature_failures_ = nullptr;
  prometheus::Counter* limited_webhook_ = nullptr;
  prometheus::Counter* limited_health_ = nullptr;
  prometheus::Counter* limited_other_ = nullptr;
  prometheus::Counter* lease_expiries_ = nullptr;
  prometheus::Counter* uncertain_sends_ = nullptr;
  prometheus::Counter* resends_ = nullptr;
  prometheus::Counter* pauses_ = nullptr;
  prometheus::Counter* sent_ = nullptr;
  std::array<QueueGauges, 3> queue_gauges_{};

  // Label sets first seen at run time.
  Mutex mu_;
  std::vector<std::unique_ptr<Endpoint>> endpoints_ WAGATE_GUARDED_BY(mu_);
  std::map<std::string, prometheus::Counter*, std::less<>> send_failures_ WAGATE_GUARDED_BY(mu_);
};

}  // namespace wagate::metrics
