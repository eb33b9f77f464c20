#include "wagate/metrics/prometheus_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <algorithm>

namespace wagate::metrics {

namespace {

using prometheus::Counter;
using prometheus::Family;
using prometheus::Gauge;
using prometheus::Histogram;

// A request's latency: from well under a millisecond (an answer from memory) to seconds (a
// request waiting for the sqlite writer or a slow client).
const Histogram::BucketBoundaries& RequestBuckets() {
  static const Histogram::BucketBoundaries buckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                   0.1,    0.25,  0.5,    1,     2.5,  5,     10};
  return buckets;
}

// From admission to the outcome: a handler's few milliseconds up to hours of retries.
const Histogram::BucketBoundaries& ProcessingBuckets() {
  static const Histogram::BucketBoundaries buckets{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                                   2.5,   5,    10,    30,   60,  300,  900, 3600};
  return buckets;
}

constexpr std::array<std::string_view, 4> kKindNames = {"message", "status", "event", "outgoing"};
constexpr std::array<std::string_view, 3> kQueueNames = {"incoming", "outgoing", "analytics"};
constexpr std::array<std::string_view, 6> kClaimNames = {
    "won", "busy", "duplicate_entry", "already_done", "uncertain", "fenced"};

// A Graph API error code as a label value: digits and names such as "http_500", at most 32
// characters; none is "unknown", anything else "other".
std::string_view ErrorCodeLabel(std::string_view code) {
  if (code.empty()) return "unknown";
  if (code.size() > 32) return "other";
  const bool plain = std::all_of(code.begin(), code.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  });
  return plain ? code : "other";
}

}  // namespace

struct PrometheusMetrics::Families {
  Family<Counter>& requests;
  Family<Histogram>& request_latency;
  Family<Counter>& work_items;
  Family<Counter>& sends;
};

struct PrometheusMetrics::Endpoint {
  std::string name;
  Histogram* latency = nullptr;
  std::map<unsigned, Counter*> by_code;
};

PrometheusMetrics::PrometheusMetrics() : registry_(std::make_shared<prometheus::Registry>()) {
  prometheus::Registry& r = *registry_;
  auto counter = [&r](const char* name, const char* help) -> Family<Counter>& {
    return prometheus::BuildCounter().Name(name).Help(help).Register(r);
  };
  auto gauge = [&r](const char* name, const char* help) -> Family<Gauge>& {
    return prometheus::BuildGauge().Name(name).Help(help).Register(r);
  };

  families_.reset(new Families{
      counter("wagate_http_requests_total",
              "HTTP requests answered, by endpoint (the route path, or \"other\" for an unknown "
              "path) and status code."),
      prometheus::BuildHistogram()
          .Name("wagate_http_request_duration_seconds")
          .Help("Time from a request's arrival to its answer, by endpoint.")
          .Register(r),
      counter("wagate_work_items_total",
              "Work items admitted from webhook POSTs, by kind and outcome (accepted, duplicate, "
              "quarantined)."),
      counter("wagate_sends_total",
              "Graph API sends, by outcome (sent, failed) and Graph API error code (\"none\" when "
              "sent; \"other\" past a bounded set of codes).")});

  Family<Counter>& processed =
      counter("wagate_processed_total",
              "Work items processed, by kind and outcome: completed, retried, dead_lettered, stale "
              "(completed with its replies dropped).");
  Family<Histogram>& processing_latency =
      prometheus::BuildHistogram()
          .Name("wagate_processing_duration_seconds")
          .Help(
              "Time from an item's admission to its final processing outcome (completed, stale "
              "or dead-lettered), by kind.")
          .Register(r);
  constexpr std::array<std::string_view, kAdmittedCount> admitted_names = {"accepted", "duplicate",
                                                                           "quarantined"};
  constexpr std::array<std::string_view, kProcessedCount> processed_names = {
      "completed", "retried", "dead_lettered", "stale"};
  for (size_t k = 0; k < kKinds; ++k) {
    const std::string kind(kKindNames[k]);
    for (size_t o = 0; o < kAdmittedCount; ++o) {
      admitted_[k][o] =
          &families_->work_items.Add({{"kind", kind}, {"outcome", std::string(admitted_names[o])}});
    }
    for (size_t o = 0; o < kProcessedCount; ++o) {
      processed_[k][o] =
          &processed.Add({{"kind", kind}, {"outcome", std::string(processed_names[o])}});
    }
    processing_latency_[k] = &processing_latency.Add({{"kind", kind}}, ProcessingBuckets());
  }

  Family<Counter>& claims = counter(
      "wagate_claims_total",
      "Claims of work items by outcome: won; busy (another live lease on the same queue "
      "message); duplicate_entry (another live lease from another queue message); already_done; "
      "uncertain (an outgoing item waiting for a status); fenced (a later write of the attempt "
      "found the item taken over by another worker).");
  for (size_t i = 0; i < claims_.size(); ++i) {
    claims_[i] = &claims.Add({{"outcome", std::string(kClaimNames[i])}});
  }
  signature_failures_ = &counter("wagate_signature_failures_total",
                                 "Webhook POSTs whose X-Hub-Signature-256 was missing or wrong.")
                             .Add({});
  Family<Counter>& limited = counter(
      "wagate_rate_limited_total",
      "Requests answered 429 by a rate limit: webhook (POSTs failing the signature, or every POST "
      "without an app secret) or health (/, /health*, /metrics).");
  limited_webhook_ = &limited.Add({{"limit", "webhook"}});
  limited_health_ = &limited.Add({{"limit", "health"}});
  limited_other_ = &limited.Add({{"limit", "other"}});
  lease_expiries_ =
      &counter("wagate_lease_expiries_total",
               "Claims found lost by their worker's heartbeat: the lease had lapsed before the "
               "work finished and another worker took the item over (or its record was gone).")
           .Add({});
  uncertain_sends_ = &counter("wagate_send_uncertain_total",
                              "Graph API calls whose outcome is unknown (the item is "
                              "SENT_UNCERTAIN until a status webhook settles it).")
                          .Add({});
  resends_ = &counter("wagate_resends_total",
                      "Sends of items whose earlier send had an unknown outcome and no status "
                      "within UNCERTAIN_RESEND_AFTER_SECONDS.")
                  .Add({});
  pauses_ = &counter("wagate_sender_pauses_total",
                     "Business numbers paused after an account-level Graph API error.")
                 .Add({});
  sent_ = &families_->sends.Add({{"outcome", "sent"}, {"error_code", "none"}});

  Family<Gauge>& depth =
      gauge("wagate_queue_depth",
            "Messages in a queue by state: visible (ready), in_flight (received, not yet deleted), "
            "delayed. From the health monitor's last snapshot.");
  Family<Gauge>& oldest =
      gauge("wagate_queue_oldest_age_seconds",
            "Age of the oldest message in a queue (0 when empty). From the health monitor's last "
            "snapshot.");
  Family<Gauge>& dlq = gauge("wagate_dlq_depth",
                             "Messages in a queue's dead-letter queue. From the health monitor's "
                             "last snapshot.");
  for (size_t q = 0; q < kQueueNames.size(); ++q) {
    const std::string queue(kQueueNames[q]);
    queue_gauges_[q] = QueueGauges{&depth.Add({{"queue", queue}, {"state", "visible"}}),
                                   &depth.Add({{"queue", queue}, {"state", "in_flight"}}),
                                   &depth.Add({{"queue", queue}, {"state", "delayed"}}),
                                   &oldest.Add({{"queue", queue}}), &dlq.Add({{"queue", queue}})};
  }
}

PrometheusMetrics::~PrometheusMetrics() = default;

std::string PrometheusMetrics::Scrape() {
  if (queues_) {
    const QueueSnapshot snapshot = queues_();
    for (size_t q = 0; q < snapshot.size(); ++q) {
      if (!snapshot[q]) continue;
      const ports::QueueStats& s = *snapshot[q];
      queue_gauges_[q].visible->Set(static_cast<double>(s.visible));
      queue_gauges_[q].in_flight->Set(static_cast<double>(s.in_flight));
      queue_gauges_[q].delayed->Set(static_cast<double>(s.delayed));
      queue_gauges_[q].oldest_age->Set(static_cast<double>(s.oldest_age_seconds.value_or(0)));
      queue_gauges_[q].dlq->Set(static_cast<double>(s.dlq));
    }
  }
  return prometheus::TextSerializer{}.Serialize(registry_->Collect());
}

void PrometheusMetrics::Publish(domain::AnalyticsEvent event) {
  const size_t kind = std::min(static_cast<size_t>(event.kind), kKinds - 1);
  const std::string_view name = event.event;
  auto processed = [&](Processed outcome, bool final) {
    processed_[kind][outcome]->Increment();
    if (final && event.latency_ms) {
      processing_latency_[kind]->Observe(static_cast<double>(*event.latency_ms) / 1000.0);
    }
  };
  if (name == "received")
    admitted_[kind][kAccepted]->Increment();
  else if (name == "duplicate")
    admitted_[kind][kDuplicate]->Increment();
  else if (name == "quarantined")
    admitted_[kind][kQuarantined]->Increment();
  else if (name == "processed")
    processed(kCompleted, true);
  else if (name == "stale")
    processed(kStale, true);
  else if (name == "retried")
    processed(kRetried, false);
  else if (name == "dead_lettered")
    processed(kDeadLettered, true);
  else if (name == "sent")
    sent_->Increment();
  else if (name == "send_failed")
    SendFailures(event.error_code).Increment();
  // "status" is also a "processed" event of the same item: counted there.
}

Counter& PrometheusMetrics::SendFailures(std::string_view error_code) {
  const std::string_view label = ErrorCodeLabel(error_code);
  MutexLock lock(mu_);
  auto it = send_failures_.find(label);
  if (it != send_failures_.end()) return *it->second;
  const std::string stored(send_failures_.size() < kMaxErrorCodes ? label
                                                                  : std::string_view("other"));
  it = send_failures_.find(stored);
  if (it != send_failures_.end()) return *it->second;
  Counter& c = families_->sends.Add({{"outcome", "failed"}, {"error_code", stored}});
  send_failures_.emplace(stored, &c);
  return c;
}

PrometheusMetrics::Endpoint& PrometheusMetrics::EndpointFor(std::string_view name) {
  for (const std::unique_ptr<Endpoint>& e : endpoints_) {
    if (e->name == name) return *e;
  }
  if (endpoints_.size() >= kMaxEndpoints - 1 && name != "other") return EndpointFor("other");
  auto e = std::make_unique<Endpoint>();
  e->name = std::string(name);
  e->latency = &families_->request_latency.Add({{"endpoint", e->name}}, RequestBuckets());
  endpoints_.push_back(std::move(e));
  return *endpoints_.back();
}

void PrometheusMetrics::RequestAnswered(std::string_view endpoint, unsigned code,
                                        std::chrono::nanoseconds latency) {
  if (code < 100 || code > 599) code = 0;
  Counter* requests = nullptr;
  Histogram* histogram = nullptr;
  {
    MutexLock lock(mu_);
    Endpoint& e = EndpointFor(endpoint);
    auto it = e.by_code.find(code);
    if (it == e.by_code.end()) {
      Counter& c = families_->requests.Add(
          {{"endpoint", e.name}, {"code", code == 0 ? "other" : std::to_string(code)}});
      it = e.by_code.emplace(code, &c).first;
    }
    requests = it->second;
    histogram = e.latency;
  }
  requests->Increment();
  histogram->Observe(
      std::chrono::duration<double>(std::max(latency, std::chrono::nanoseconds(0))).count());
}

void PrometheusMetrics::SignatureFailed() { signature_failures_->Increment(); }

void PrometheusMetrics::RateLimited(std::string_view limit) {
  if (limit == "webhook")
    limited_webhook_->Increment();
  else if (limit == "health")
    limited_health_->Increment();
  else
    limited_other_->Increment();
}

void PrometheusMetrics::Claimed(ports::ClaimMetric outcome) {
  claims_[std::min(static_cast<size_t>(outcome), claims_.size() - 1)]->Increment();
}

void PrometheusMetrics::LeaseExpired() { lease_expiries_->Increment(); }
void PrometheusMetrics::SendUncertain() { uncertain_sends_->Increment(); }
void PrometheusMetrics::Resent() { resends_->Increment(); }
void PrometheusMetrics::SenderPaused() { pauses_->Increment(); }

}  // namespace wagate::metrics
