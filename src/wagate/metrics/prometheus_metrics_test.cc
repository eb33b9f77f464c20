#include "wagate/metrics/prometheus_metrics.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

#include "wagate/http/router.h"
#include "wagate/metrics/metrics_route.h"
#include "wagate/testing/fake_clock.h"
#include "wagate/testing/prometheus_text.h"

namespace wagate::metrics {
namespace {

namespace beast_http = boost::beast::http;
using testing::PrometheusSamples;
using testing::Sample;
using testing::SumSamples;

PrometheusSamples Scrape(PrometheusMetrics& metrics) {
  StatusOr<PrometheusSamples> parsed = testing::ParsePrometheusText(metrics.Scrape());
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  return parsed.ok() ? *parsed : PrometheusSamples{};
}

double Value(const PrometheusSamples& samples, std::string_view name,
             const testing::PrometheusLabels& labels = {}) {
  std::optional<double> v = Sample(samples, name, labels);
  EXPECT_TRUE(v.has_value()) << testing::SeriesKey(name, labels) << " is missing";
  return v.value_or(-1);
}

domain::AnalyticsEvent Event(std::string event, domain::ItemKind kind,
                             std::optional<int64_t> latency_ms = std::nullopt,
                             std::string error_code = "") {
  domain::AnalyticsEvent e;
  e.event = std::move(event);
  e.key = "msg:wamid.SECRET-KEY";
  e.kind = kind;
  e.latency_ms = latency_ms;
  e.error_code = std::move(error_code);
  return e;
}

TEST(PrometheusMetricsTest, AFreshRegistryExposesEveryFamilyAtZero) {
  PrometheusMetrics metrics;
  // The request families have label sets known only once a request is answered.
  metrics.RequestAnswered("/health", 200, std::chrono::milliseconds(1));
  const std::string text = metrics.Scrape();
  for (const char* family :
       {"wagate_http_requests_total", "wagate_http_request_duration_seconds",
        "wagate_work_items_total", "wagate_signature_failures_total", "wagate_rate_limited_total",
        "wagate_claims_total", "wagate_processing_duration_seconds", "wagate_processed_total",
        "wagate_queue_depth", "wagate_queue_oldest_age_seconds", "wagate_dlq_depth",
        "wagate_sends_total", "wagate_send_uncertain_total", "wagate_resends_total",
        "wagate_sender_pauses_total", "wagate_lease_expiries_total"}) {
    EXPECT_NE(text.find(std::string("# HELP ") + family + " "), std::string::npos) << family;
    EXPECT_NE(text.find(std::string("# TYPE ") + family + " "), std::string::npos) << family;
  }
  EXPECT_NE(text.find("# TYPE wagate_claims_total counter"), std::string::npos);
  EXPECT_NE(text.find("# TYPE wagate_queue_depth gauge"), std::string::npos);
  EXPECT_NE(text.find("# TYPE wagate_processing_duration_seconds histogram"), std::string::npos);

  PrometheusSamples s = Scrape(metrics);
  EXPECT_EQ(Value(s, "wagate_work_items_total", {{"kind", "message"}, {"outcome", "accepted"}}), 0);
  EXPECT_EQ(Value(s, "wagate_claims_total", {{"outcome", "fenced"}}), 0);
  EXPECT_EQ(Value(s, "wagate_rate_limited_total", {{"limit", "health"}}), 0);
  EXPECT_EQ(Value(s, "wagate_dlq_depth", {{"queue", "incoming"}}), 0);
  for (const auto& [series, value] : s) {
    EXPECT_EQ(series.rfind("wagate_", 0), 0u) << series;
  }
}

TEST(PrometheusMetricsTest, OutcomeEventsMoveWorkItemProcessedAndSendCounters) {
  PrometheusMetrics metrics;
  using domain::ItemKind;
  metrics.Publish(Event("received", ItemKind::kMessage));
  metrics.Publish(Event("received", ItemKind::kMessage));
  metrics.Publish(Event("received", ItemKind::kStatus));
  metrics.Publish(Event("duplicate", ItemKind::kMessage));
  metrics.Publish(Event("quarantined", ItemKind::kEvent, std::nullopt, "invalid_payload"));
  metrics.Publish(Event("processed", ItemKind::kMessage, 30));
  metrics.Publish(Event("stale", ItemKind::kMessage, 2000));
  metrics.Publish(Event("retried", ItemKind::kMessage, 10, "http_503"));
  metrics.Publish(Event("dead_lettered", ItemKind::kMessage, 700, "handler_rejected"));
  metrics.Publish(Event("status", ItemKind::kStatus, 5));
  metrics.Publish(Event("sent", ItemKind::kOutgoing, 40));
  metrics.Publish(Event("send_failed", ItemKind::kOutgoing, 40, "131047"));
  metrics.Publish(Event("send_failed", ItemKind::kOutgoing, 40, "131047"));

  PrometheusSamples s = Scrape(metrics);
  const std::string items = "wagate_work_items_total";
  EXPECT_EQ(Value(s, items, {{"kind", "message"}, {"outcome", "accepted"}}), 2);
  EXPECT_EQ(Value(s, items, {{"kind", "status"}, {"outcome", "accepted"}}), 1);
  EXPECT_EQ(Value(s, items, {{"kind", "message"}, {"outcome", "duplicate"}}), 1);
  EXPECT_EQ(Value(s, items, {{"kind", "event"}, {"outcome", "quarantined"}}), 1);
  EXPECT_EQ(SumSamples(s, items), 5);

  const std::string processed = "wagate_processed_total";
  EXPECT_EQ(Value(s, processed, {{"kind", "message"}, {"outcome", "completed"}}), 1);
  EXPECT_EQ(Value(s, processed, {{"kind", "message"}, {"outcome", "stale"}}), 1);
  EXPECT_EQ(Value(s, processed, {{"kind", "message"}, {"outcome", "retried"}}), 1);
  EXPECT_EQ(Value(s, processed, {{"kind", "message"}, {"outcome", "dead_lettered"}}), 1);
  EXPECT_EQ(SumSamples(s, processed, {{"kind", "status"}}), 0) << "a status event is not counted";

  // Completed (30 ms), stale (2 s) and dead-lettered (0.7 s) items are final outcomes.
  const std::string latency = "wagate_processing_duration_seconds";
  EXPECT_EQ(Value(s, latency + "_count", {{"kind", "message"}}), 3);
  EXPECT_NEAR(Value(s, latency + "_sum", {{"kind", "message"}}), 2.73, 1e-9);
  EXPECT_EQ(Value(s, latency + "_bucket", {{"kind", "message"}, {"le", "0.05"}}), 1);
  EXPECT_EQ(Value(s, latency + "_bucket", {{"kind", "message"}, {"le", "1"}}), 2);
  EXPECT_EQ(Value(s, latency + "_bucket", {{"kind", "message"}, {"le", "+Inf"}}), 3);

  EXPECT_EQ(Value(s, "wagate_sends_total", {{"outcome", "sent"}, {"error_code", "none"}}), 1);
  EXPECT_EQ(Value(s, "wagate_sends_total", {{"outcome", "failed"}, {"error_code", "131047"}}), 2);
  // No label carries the item's key.
  EXPECT_EQ(metrics.Scrape().find("SECRET-KEY"), std::string::npos);
}

TEST(PrometheusMetricsTest, ErrorCodeLabelsAreBoundedAndNeverCarryFreeText) {
  PrometheusMetrics metrics;
  metrics.Publish(Event("send_failed", domain::ItemKind::kOutgoing, 1, "+5215512345678 hola"));
  metrics.Publish(Event("send_failed", domain::ItemKind::kOutgoing, 1, ""));
  for (int i = 0; i < 200; ++i) {
    metrics.Publish(Event("send_failed", domain::ItemKind::kOutgoing, 1, std::to_string(1000 + i)));
  }
  const std::string text = metrics.Scrape();
  EXPECT_EQ(text.find("5215512345678"), std::string::npos);
  EXPECT_EQ(text.find("hola"), std::string::npos);
  PrometheusSamples s = Scrape(metrics);
  EXPECT_EQ(SumSamples(s, "wagate_sends_total", {{"outcome", "failed"}}), 202);
  EXPECT_EQ(Value(s, "wagate_sends_total", {{"outcome", "failed"}, {"error_code", "unknown"}}), 1);
  EXPECT_GE(Value(s, "wagate_sends_total", {{"outcome", "failed"}, {"error_code", "other"}}), 1);
  size_t series = 0;
  for (const auto& [key, value] : s) series += key.starts_with("wagate_sends_total{") ? 1 : 0;
  EXPECT_LE(series, PrometheusMetrics::kMaxErrorCodes + 2);  // + sent, + other
}

TEST(PrometheusMetricsTest, HooksMoveTheirCounters) {
  PrometheusMetrics metrics;
  metrics.SignatureFailed();
  metrics.SignatureFailed();
  metrics.RateLimited("webhook");
  metrics.RateLimited("health");
  metrics.RateLimited("health");
  metrics.Claimed(ports::ClaimMetric::kWon);
  metrics.Claimed(ports::ClaimMetric::kWon);
  metrics.Claimed(ports::ClaimMetric::kBusy);
  metrics.Claimed(ports::ClaimMetric::kDuplicateEntry);
  metrics.Claimed(ports::ClaimMetric::kAlreadyDone);
  metrics.Claimed(ports::ClaimMetric::kUncertain);
  metrics.Claimed(ports::ClaimMetric::kFenced);
  metrics.LeaseExpired();
  metrics.SendUncertain();
  metrics.Resent();
  metrics.SenderPaused();

  PrometheusSamples s = Scrape(metrics);
  EXPECT_EQ(Value(s, "wagate_signature_failures_total"), 2);
  EXPECT_EQ(Value(s, "wagate_rate_limited_total", {{"limit", "webhook"}}), 1);
  EXPECT_EQ(Value(s, "wagate_rate_limited_total", {{"limit", "health"}}), 2);
  EXPECT_EQ(Value(s, "wagate_claims_total", {{"outcome", "won"}}), 2);
  for (const char* outcome : {"busy", "duplicate_entry", "already_done", "uncertain", "fenced"}) {
    EXPECT_EQ(Value(s, "wagate_claims_total", {{"outcome", outcome}}), 1) << outcome;
  }
  EXPECT_EQ(Value(s, "wagate_lease_expiries_total"), 1);
  EXPECT_EQ(Value(s, "wagate_send_uncertain_total"), 1);
  EXPECT_EQ(Value(s, "wagate_resends_total"), 1);
  EXPECT_EQ(Value(s, "wagate_sender_pauses_total"), 1);
}

TEST(PrometheusMetricsTest, QueueGaugesComeFromTheSnapshotAndKeepTheLastKnownValues) {
  PrometheusMetrics metrics;
  QueueSnapshot snapshot;
  snapshot[0] = ports::QueueStats{7, 2, 1, 3, 42};
  snapshot[2] = ports::QueueStats{0, 0, 0, 0, std::nullopt};
  int calls = 0;
  metrics.SetQueues([&] {
    ++calls;
    return snapshot;
  });
  PrometheusSamples s = Scrape(metrics);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(Value(s, "wagate_queue_depth", {{"queue", "incoming"}, {"state", "visible"}}), 7);
  EXPECT_EQ(Value(s, "wagate_queue_depth", {{"queue", "incoming"}, {"state", "in_flight"}}), 2);
  EXPECT_EQ(Value(s, "wagate_queue_depth", {{"queue", "incoming"}, {"state", "delayed"}}), 1);
  EXPECT_EQ(Value(s, "wagate_dlq_depth", {{"queue", "incoming"}}), 3);
  EXPECT_EQ(Value(s, "wagate_queue_oldest_age_seconds", {{"queue", "incoming"}}), 42);
  EXPECT_EQ(Value(s, "wagate_queue_oldest_age_seconds", {{"queue", "analytics"}}), 0);

  snapshot[0].reset();  // the monitor could not read it this time
  s = Scrape(metrics);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(Value(s, "wagate_queue_depth", {{"queue", "incoming"}, {"state", "visible"}}), 7);
}

TEST(PrometheusMetricsTest, RequestsAreCountedByEndpointAndCodeWithBoundedEndpoints) {
  PrometheusMetrics metrics;
  metrics.RequestAnswered("/webhook", 200, std::chrono::microseconds(300));
  metrics.RequestAnswered("/webhook", 200, std::chrono::milliseconds(20));
  metrics.RequestAnswered("/webhook", 401, std::chrono::milliseconds(1));
  metrics.RequestAnswered("/health", 999, std::chrono::milliseconds(1));
  for (int i = 0; i < 100; ++i) {
    metrics.RequestAnswered("/path-" + std::to_string(i), 404, std::chrono::milliseconds(1));
  }
  PrometheusSamples s = Scrape(metrics);
  const std::string requests = "wagate_http_requests_total";
  EXPECT_EQ(Value(s, requests, {{"endpoint", "/webhook"}, {"code", "200"}}), 2);
  EXPECT_EQ(Value(s, requests, {{"endpoint", "/webhook"}, {"code", "401"}}), 1);
  EXPECT_EQ(Value(s, requests, {{"endpoint", "/health"}, {"code", "other"}}), 1);
  EXPECT_EQ(SumSamples(s, requests), 104);
  EXPECT_GE(Value(s, requests, {{"endpoint", "other"}, {"code", "404"}}), 1);
  std::set<std::string> endpoints;
  for (const auto& [key, value] : s) {
    if (key.starts_with(requests + "{")) endpoints.insert(key.substr(0, key.find(',')));
  }
  EXPECT_LE(endpoints.size(), PrometheusMetrics::kMaxEndpoints);

  const std::string latency = "wagate_http_request_duration_seconds";
  EXPECT_EQ(Value(s, latency + "_count", {{"endpoint", "/webhook"}}), 3);
  EXPECT_EQ(Value(s, latency + "_bucket", {{"endpoint", "/webhook"}, {"le", "0.0005"}}), 1);
  EXPECT_EQ(Value(s, latency + "_bucket", {{"endpoint", "/webhook"}, {"le", "0.01"}}), 2);
  EXPECT_EQ(Value(s, latency + "_bucket", {{"endpoint", "/webhook"}, {"le", "0.025"}}), 3);
}

TEST(PrometheusMetricsTest, ConcurrentUpdatesAreAllCounted) {
  PrometheusMetrics metrics;
  constexpr int kThreads = 8;
  constexpr int kEach = 2000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&metrics, t] {
      const std::string endpoint = t % 2 == 0 ? "/webhook" : "/health";
      for (int i = 0; i < kEach; ++i) {
        metrics.RequestAnswered(endpoint, i % 2 == 0 ? 200 : 429, std::chrono::microseconds(i));
        metrics.Publish(Event("received", domain::ItemKind::kMessage));
        metrics.Publish(
            Event("send_failed", domain::ItemKind::kOutgoing, 1, std::to_string(i % 10)));
        metrics.Claimed(ports::ClaimMetric::kWon);
        if (i % 100 == 0) (void)metrics.Scrape();
      }
    });
  }
  for (std::thread& t : threads) t.join();
  PrometheusSamples s = Scrape(metrics);
  EXPECT_EQ(SumSamples(s, "wagate_http_requests_total"), kThreads * kEach);
  EXPECT_EQ(SumSamples(s, "wagate_http_requests_total", {{"code", "429"}}), kThreads * kEach / 2);
  EXPECT_EQ(Value(s, "wagate_work_items_total", {{"kind", "message"}, {"outcome", "accepted"}}),
            kThreads * kEach);
  EXPECT_EQ(SumSamples(s, "wagate_sends_total", {{"outcome", "failed"}}), kThreads * kEach);
  EXPECT_EQ(Value(s, "wagate_claims_total", {{"outcome", "won"}}), kThreads * kEach);
}

http::Response Get(const http::Router& router, std::string target, http::RequestContext context) {
  http::Request req{beast_http::verb::get, target, 11};
  http::Response out;
  router.Dispatch(req, context, [&](http::Response r) { out = std::move(r); });
  return out;
}

TEST(MetricsRouteTest, ServesTheExpositionAndCountsRequestsThroughTheRouter) {
  testing::FakeClock clock;
  PrometheusMetrics metrics;
  http::Router router;
  router.SetMetrics(&metrics, clock);
  router.Add(beast_http::verb::get, "/slow",
             [&clock](const http::Request&, const http::RequestContext&, http::Respond r) {
               clock.Advance(Millis(30));
               r(http::TextResponse(200, "done"));
             });
  AddMetricsRoute(router, metrics);
  http::RequestContext context;
  context.received = clock.Steady();
  EXPECT_EQ(Get(router, "/slow", context).result_int(), 200u);
  EXPECT_EQ(Get(router, "/no/such/path?token=abc", context).result_int(), 404u);

  http::Response res = Get(router, "/metrics", context);
  ASSERT_EQ(res.result_int(), 200u);
  EXPECT_EQ(res[beast_http::field::content_type], kContentType);
  StatusOr<PrometheusSamples> s = testing::ParsePrometheusText(res.body());
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(Value(*s, "wagate_http_requests_total", {{"endpoint", "/slow"}, {"code", "200"}}), 1);
  EXPECT_EQ(Value(*s, "wagate_http_requests_total", {{"endpoint", "other"}, {"code", "404"}}), 1);
  const std::string latency = "wagate_http_request_duration_seconds_bucket";
  EXPECT_EQ(Value(*s, latency, {{"endpoint", "/slow"}, {"le", "0.025"}}), 0);
  EXPECT_EQ(Value(*s, latency, {{"endpoint", "/slow"}, {"le", "0.05"}}), 1);
  EXPECT_EQ(res.body().find("token"), std::string::npos) << "paths are never labels";

  // The scrape itself is counted once answered, so the next scrape shows it.
  StatusOr<PrometheusSamples> next =
      testing::ParsePrometheusText(Get(router, "/metrics", context).body());
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(Value(*next, "wagate_http_requests_total", {{"endpoint", "/metrics"}, {"code", "200"}}),
            1);
}

TEST(MetricsRouteTest, SharesTheHealthBucketAndCountsItsRefusals) {
  testing::FakeClock clock;
  PrometheusMetrics metrics;
  http::RateLimiter health_limit(2, clock);
  health_limit.CountRefusals(&metrics, "health");
  http::Router router;
  router.Add(
      beast_http::verb::get, "/health",
      http::RateLimited(health_limit, [](const http::Request&, const http::RequestContext&,
                                         http::Respond r) { r(http::TextResponse(200, "ok")); }));
  AddMetricsRoute(router, metrics, &health_limit);
  http::RequestContext context;
  context.client = boost::asio::ip::make_address("192.0.2.7");
  EXPECT_EQ(Get(router, "/health", context).result_int(), 200u);
  EXPECT_EQ(Get(router, "/metrics", context).result_int(), 200u);
  http::Response limited = Get(router, "/metrics", context);
  EXPECT_EQ(limited.result_int(), 429u);
  EXPECT_FALSE(limited[beast_http::field::retry_after].empty());
  EXPECT_EQ(Get(router, "/health", context).result_int(), 429u);

  // Another address has its own bucket; its scrape shows the two refusals.
  context.client = boost::asio::ip::make_address("192.0.2.8");
  http::Response res = Get(router, "/metrics", context);
  ASSERT_EQ(res.result_int(), 200u);
  StatusOr<PrometheusSamples> s = testing::ParsePrometheusText(res.body());
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(Value(*s, "wagate_rate_limited_total", {{"limit", "health"}}), 2);
}

TEST(PrometheusTextTest, ParsesLabelsEscapesAndTimestampsAndRejectsGarbage) {
  StatusOr<PrometheusSamples> s = testing::ParsePrometheusText(
      "# HELP x_total A help.\n# TYPE x_total counter\n"
      "x_total{b=\"2\",a=\"q\\\"uo\\\\te\"} 3 1700000000000\n"
      "y 1.5e3\n\nz{le=\"+Inf\"} +Inf\n");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->size(), 3u);
  EXPECT_EQ(Sample(*s, "x_total", {{"a", "q\"uo\\te"}, {"b", "2"}}), 3);
  EXPECT_EQ(Sample(*s, "y"), 1500);
  EXPECT_EQ(SumSamples(*s, "x_total", {{"b", "2"}}), 3);
  EXPECT_EQ(SumSamples(*s, "x_total", {{"b", "20"}}), 0);
  EXPECT_FALSE(testing::ParsePrometheusText("x_total{a=\"1\" 3\n").ok());
  EXPECT_FALSE(testing::ParsePrometheusText("x_total three\n").ok());
  EXPECT_FALSE(testing::ParsePrometheusText("{a=\"1\"} 3\n").ok());
  EXPECT_FALSE(testing::ParsePrometheusText("x 1\nx 2\n").ok());
}

}  // namespace
}  // namespace wagate::metrics
