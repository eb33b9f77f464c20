// GET /metrics of the real binary over loopback (SPEC §8): the scrape parses as the Prometheus
// text format, its counters move with accepted, duplicate, rejected, completed and dead-lettered
// work, and it shares the health endpoints' rate limit.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "harness.h"
#include "service.h"
#include "wagate/testing/fake_http_server.h"
#include "wagate/testing/prometheus_text.h"

namespace wagate::integration {
namespace {

using testing::FakeHttpServer;
using testing::FakeResponse;
using testing::PrometheusSamples;
using testing::RecordedRequest;
using testing::Sample;
using testing::SumSamples;

// A loopback port that was free a moment ago (for a process that takes its port from the
// environment and has no port file).
int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof addr;
  int port = -1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

constexpr char kContentType[] = "text/plain; version=0.0.4; charset=utf-8";

class MetricsTest : public ::testing::Test {
 protected:
  // One scrape, parsed; fails the test when it is not a 200 in the exposition format.
  PrometheusSamples Scrape(const WagateProcess& p, const Env& headers = {}) {
    return Scrape(p.port(), headers);
  }
  PrometheusSamples Scrape(int port, const Env& headers = {}) {
    HttpResult r = HttpRequest(port, "GET", "/metrics", "", headers);
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.headers["content-type"], kContentType);
    StatusOr<PrometheusSamples> parsed = testing::ParsePrometheusText(r.body);
    EXPECT_TRUE(parsed.ok()) << parsed.status().ToString() << "\n" << r.body;
    return parsed.ok() ? *parsed : PrometheusSamples{};
  }

  // Scrapes until `series` reaches `at_least` (the outcome events follow the record's state
  // change), for at most 20 s; returns the last scrape.
  PrometheusSamples AwaitSample(const WagateProcess& p, std::string_view name,
                                const testing::PrometheusLabels& labels, double at_least) {
    PrometheusSamples s;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    do {
      s = Scrape(p);
      if (Sample(s, name, labels).value_or(0) >= at_least) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    } while (std::chrono::steady_clock::now() < deadline);
    return s;
  }

  testing::TempDir data_;
};

TEST_F(MetricsTest, CountersMoveWithAcceptedDuplicateRejectedCompletedAndDeadLetteredWork) {
  // The business endpoint completes every item but one, which it rejects for good (a 4xx).
  auto business = FakeHttpServer::Create([](const RecordedRequest& r) -> FakeResponse {
                    if (r.body.find("wamid.MX-BAD") != std::string::npos)
                      return {400, {}, R"({"error":"no"})"};
                    return {200, {{"Content-Type", "application/json"}}, "{}"};
                  }).value();
  Env env = BaseEnv(data_.path());
  env["WORKERS"] = "1";
  env["SENDERS"] = "1";
  env["SQS_WAIT_TIME_SECONDS"] = "1";
  env["HANDLER"] = "http";
  env["HANDLER_URL"] = business->url() + "/hook";
  env["RATE_LIMIT_HEALTH_PER_MINUTE"] = "0";  // this test scrapes often
  env["MAX_BODY_BYTES"] = "4096";
  WagateProcess p(env);
  ASSERT_TRUE(p.started()) << p.ReadLog();

  PrometheusSamples before = Scrape(p);
  const testing::PrometheusLabels accepted{{"kind", "message"}, {"outcome", "accepted"}};
  const testing::PrometheusLabels duplicate{{"kind", "message"}, {"outcome", "duplicate"}};
  EXPECT_EQ(Sample(before, "wagate_work_items_total", accepted), 0);
  EXPECT_EQ(Sample(before, "wagate_signature_failures_total"), 0);
  EXPECT_EQ(Sample(before, "wagate_claims_total", {{"outcome", "won"}}), 0);

  const std::string good = TextMessageBody("wamid.MX-OK");
  const std::string bad = TextMessageBody("wamid.MX-BAD");
  ASSERT_EQ(HttpRequest(p.port(), "POST", "/webhook", good, Signed(good)).status, 200);
  ASSERT_EQ(HttpRequest(p.port(), "POST", "/webhook", good, Signed(good)).status, 200);
  ASSERT_EQ(HttpRequest(p.port(), "POST", "/webhook", bad, Signed(bad)).status, 200);
  Env forged{{"X-Hub-Signature-256", "sha256=" + std::string(64, '0')}};
  ASSERT_EQ(HttpRequest(p.port(), "POST", "/webhook", good, forged).status, 401);
  ASSERT_EQ(HttpRequest(p.port(), "GET", "/no/such/endpoint").status, 404);
  const std::string oversize = TextMessageBody("wamid.MX-BIG", std::string(8000, 'x'));
  ASSERT_EQ(HttpRequest(p.port(), "POST", "/webhook", oversize, Signed(oversize)).status, 413);

  ASSERT_EQ(AwaitState(env, "msg:wamid.MX-OK", "COMPLETED").at("state").as_string(), "COMPLETED");
  ASSERT_EQ(AwaitState(env, "msg:wamid.MX-BAD", "DEAD").at("state").as_string(), "DEAD");

  const testing::PrometheusLabels completed{{"kind", "message"}, {"outcome", "completed"}};
  const testing::PrometheusLabels dead{{"kind", "message"}, {"outcome", "dead_lettered"}};
  AwaitSample(p, "wagate_processed_total", completed, 1);
  AwaitSample(p, "wagate_processed_total", dead, 1);
  // The DLQ gauge comes from the health monitor's snapshot, refreshed every 2 s.
  PrometheusSamples s = AwaitSample(p, "wagate_dlq_depth", {{"queue", "incoming"}}, 1);

  EXPECT_EQ(Sample(s, "wagate_work_items_total", accepted), 2);
  EXPECT_EQ(Sample(s, "wagate_work_items_total", duplicate), 1);
  EXPECT_EQ(Sample(s, "wagate_signature_failures_total"), 1);
  EXPECT_EQ(Sample(s, "wagate_processed_total", completed), 1);
  EXPECT_EQ(Sample(s, "wagate_processed_total", dead), 1);
  EXPECT_EQ(Sample(s, "wagate_processed_total", {{"kind", "message"}, {"outcome", "retried"}}), 0);
  EXPECT_EQ(Sample(s, "wagate_claims_total", {{"outcome", "won"}}), 2);
  EXPECT_EQ(Sample(s, "wagate_processing_duration_seconds_count", {{"kind", "message"}}), 2);
  EXPECT_EQ(Sample(s, "wagate_dlq_depth", {{"queue", "incoming"}}), 1);
  EXPECT_EQ(Sample(s, "wagate_lease_expiries_total"), 0);

  const std::string requests = "wagate_http_requests_total";
  EXPECT_EQ(Sample(s, requests, {{"endpoint", "/webhook"}, {"code", "200"}}), 3);
  EXPECT_EQ(Sample(s, requests, {{"endpoint", "/webhook"}, {"code", "401"}}), 1);
  EXPECT_EQ(Sample(s, requests, {{"endpoint", "other"}, {"code", "404"}}), 1);
  EXPECT_EQ(Sample(s, requests, {{"endpoint", "/webhook"}, {"code", "413"}}), 1)
      << "answered by the server itself";
  EXPECT_GE(Sample(s, requests, {{"endpoint", "/metrics"}, {"code", "200"}}).value_or(0), 1);
  EXPECT_EQ(SumSamples(s, "wagate_http_request_duration_seconds_count", {{"endpoint", "/webhook"}}),
            5);
  EXPECT_EQ(SumSamples(s, "wagate_rate_limited_total"), 0);

  // Nothing secret or personal appears in the exposition.
  const std::string text = HttpRequest(p.port(), "GET", "/metrics").body;
  for (const char* secret : {kSecret, kVerifyToken, "5215512345678", "hola", "MX-OK"}) {
    EXPECT_EQ(text.find(secret), std::string::npos) << secret;
  }
  EXPECT_EQ(p.Terminate(), 0);
}

TEST_F(MetricsTest, MetricsShareTheHealthRateLimitBucket) {
  Env env = BaseEnv(data_.path());
  env["RATE_LIMIT_HEALTH_PER_MINUTE"] = "2";
  env["TRUSTED_PROXIES"] = "127.0.0.1/32";  // so a second client can look at the counts
  WagateProcess p(env);
  ASSERT_TRUE(p.started()) << p.ReadLog();
  const Env client{{"X-Forwarded-For", "198.51.100.7"}};
  EXPECT_EQ(HttpRequest(p.port(), "GET", "/health", "", client).status, 200);
  EXPECT_EQ(HttpRequest(p.port(), "GET", "/metrics", "", client).status, 200);
  HttpResult limited = HttpRequest(p.port(), "GET", "/metrics", "", client);
  EXPECT_EQ(limited.status, 429) << limited.body;
  EXPECT_TRUE(limited.headers.count("retry-after"));
  EXPECT_EQ(Json(limited).at("error").as_string(), "rate_limited");
  EXPECT_EQ(HttpRequest(p.port(), "GET", "/health", "", client).status, 429)
      << "/metrics used up the bucket /health draws from";

  PrometheusSamples s = Scrape(p, {{"X-Forwarded-For", "198.51.100.8"}});
  EXPECT_EQ(Sample(s, "wagate_rate_limited_total", {{"limit", "health"}}), 2);
  EXPECT_EQ(Sample(s, "wagate_rate_limited_total", {{"limit", "webhook"}}), 0);
  EXPECT_EQ(Sample(s, "wagate_http_requests_total", {{"endpoint", "/metrics"}, {"code", "429"}}),
            1);
  EXPECT_EQ(Sample(s, "wagate_http_requests_total", {{"endpoint", "/health"}, {"code", "429"}}), 1);
}

TEST_F(MetricsTest, AWorkerWithMetricsPortExposesItsProcessingCounts) {
  Env env = BaseEnv(data_.path());
  env["WORKERS"] = "1";
  env["SQS_WAIT_TIME_SECONDS"] = "1";
  env["RATE_LIMIT_HEALTH_PER_MINUTE"] = "0";
  WagateProcess api(env, "api");
  ASSERT_TRUE(api.started()) << api.ReadLog();
  Env worker_env = env;
  const int metrics_port = FreePort();
  ASSERT_GT(metrics_port, 0);
  worker_env["METRICS_PORT"] = std::to_string(metrics_port);
  WagateProcess worker(worker_env, "worker");
  ASSERT_TRUE(worker.started()) << worker.ReadLog();

  const std::string body = TextMessageBody("wamid.MX-WORKER");
  ASSERT_EQ(HttpRequest(api.port(), "POST", "/webhook", body, Signed(body)).status, 200);
  ASSERT_EQ(AwaitState(env, "msg:wamid.MX-WORKER", "COMPLETED").at("state").as_string(),
            "COMPLETED");

  const testing::PrometheusLabels completed{{"kind", "message"}, {"outcome", "completed"}};
  PrometheusSamples processing = Scrape(metrics_port);
  for (int i = 0; i < 100 && Sample(processing, "wagate_processed_total", completed).value_or(0) < 1;
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    processing = Scrape(metrics_port);
  }
  EXPECT_EQ(Sample(processing, "wagate_processed_total", completed), 1);
  EXPECT_GE(Sample(processing, "wagate_claims_total", {{"outcome", "won"}}).value_or(0), 1)
      << "the message, and its reply items in the worker's senders";
  EXPECT_EQ(Sample(processing, "wagate_work_items_total",
                   {{"kind", "message"}, {"outcome", "accepted"}}).value_or(0), 0)
      << "admission happens in the api process";
  EXPECT_EQ(HttpRequest(metrics_port, "GET", "/health").status, 200);
  EXPECT_EQ(HttpRequest(metrics_port, "POST", "/webhook", body, Signed(body)).status, 404)
      << "a worker serves no webhook";

  PrometheusSamples ingest = Scrape(api);
  EXPECT_EQ(Sample(ingest, "wagate_work_items_total", {{"kind", "message"}, {"outcome", "accepted"}}),
            1);
  EXPECT_EQ(Sample(ingest, "wagate_processed_total", completed).value_or(0), 0)
      << "processing happens in the worker";
  EXPECT_EQ(worker.Terminate(), 0);
  EXPECT_EQ(api.Terminate(), 0);
}

}  // namespace
}  // namespace wagate::integration
