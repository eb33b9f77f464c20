// The GET /metrics route (SPEC §5, §8): the Prometheus text exposition of PrometheusMetrics,
// Content-Type `text/plain; version=0.0.4; charset=utf-8`.
//
// A scrape reads memory only (the registry and the health monitor's snapshot), so it is
// answered on the I/O thread. It shares the health endpoints' rate limit when one is given.
//
// Thread safety: the handler is safe from any thread.
#pragma once

#include "wagate/http/rate_limiter.h"
#include "wagate/http/router.h"
#include "wagate/metrics/prometheus_metrics.h"

namespace wagate::metrics {

// The 200 answer with the current exposition.
http::Response MetricsResponse(PrometheusMetrics& metrics);

// Adds GET /metrics. `metrics` and `limit` (null: no limit) are borrowed and must outlive the
// router.
void AddMetricsRoute(http::Router& router, PrometheusMetrics& metrics,
                     http::RateLimiter* limit = nullptr);

}  // namespace wagate::metrics
