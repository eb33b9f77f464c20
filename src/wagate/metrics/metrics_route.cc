#include "wagate/metrics/metrics_route.h"

namespace wagate::metrics {

http::Response MetricsResponse(PrometheusMetrics& metrics) {
  http::Response res = http::TextResponse(200, metrics.Scrape());
  res.set(boost::beast::http::field::content_type, kContentType);
  return res;
}

void AddMetricsRoute(http::Router& router, PrometheusMetrics& metrics, http::RateLimiter* limit) {
  http::Handler handler = [&metrics](const http::Request&, const http::RequestContext&,
                                     http::Respond respond) { respond(MetricsResponse(metrics)); };
  router.Add(boost::beast::http::verb::get, "/metrics",
             limit != nullptr ? http::RateLimited(*limit, std::move(handler)) : std::move(handler));
}

}  // namespace wagate::metrics
