// Alerts of /health/detailed from the real binary over loopback (SPEC §5): signed webhook POSTs
// drive the duplicate rate and quarantine, a fake Graph API dead letters and paused senders, and
// the answer shows them with the seed's keys.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "fake_graph.h"
#include "harness.h"
#include "service.h"
#include "wagate/testing/json_schema.h"
#include "wagate/testing/webhook_bodies.h"

namespace wagate::integration {
namespace {

class AlertsTest : public ::testing::Test {
 protected:
  // Processing and sending to the fake Graph API; /health/detailed is polled, so not limited.
  Env SendingEnv() {
    Env env = BaseEnv(data_.path());
    env["WORKERS"] = "1";
    env["SENDERS"] = "1";
    env["SQS_WAIT_TIME_SECONDS"] = "1";
    env["WHATSAPP_ACCESS_TOKEN"] = kAccessToken;
    env["WHATSAPP_API_BASE_URL"] = graph_.url();
    env["RATE_LIMIT_HEALTH_PER_MINUTE"] = "0";
    return env;
  }

  testing::TempDir data_;
  FakeGraph graph_;
};

// The answer conforms to docs/schemas/health_detailed.json (the seed's keys, and the alerts').
void ExpectSeedShape(const boost::json::object& detailed) {
  EXPECT_EQ(testing::ValidateJsonSchema(testing::LoadSchema("health_detailed.json"), detailed),
            std::vector<std::string>{});
}

std::optional<boost::json::object> FindAlert(const boost::json::object& detailed,
                                             const std::string& name) {
  for (const boost::json::value& a : detailed.at("alerts").as_array()) {
    if (a.at("name").as_string() == name) return a.as_object();
  }
  return std::nullopt;
}

TEST_F(AlertsTest, ADuplicateRateOverFivePercentDegradesTheServiceWithItsAlert) {
  WagateProcess p(BaseEnv(data_.path()));
  ASSERT_TRUE(p.started()) << p.ReadLog();
  EXPECT_EQ(Json(HttpRequest(p.port(), "GET", "/health/detailed")).at("status").as_string(),
            "healthy");

  // Ten new messages, then one of them again: 1 duplicate of 11 items.
  for (int i = 0; i < 10; ++i) {
    std::string body = TextMessageBody("wamid.ALERT-" + std::to_string(i));
    HttpResult r = HttpRequest(p.port(), "POST", "/webhook", body, Signed(body));
    ASSERT_EQ(r.status, 200) << r.body;
  }
  std::string again = TextMessageBody("wamid.ALERT-3");
  HttpResult dup = HttpRequest(p.port(), "POST", "/webhook", again, Signed(again));
  ASSERT_EQ(dup.body, R"({"status":"ok","accepted":0,"duplicates":1,"quarantined":0})");

  HttpResult detailed = HttpRequest(p.port(), "GET", "/health/detailed");
  EXPECT_EQ(detailed.status, 200) << "degraded still answers 200";
  boost::json::object d = Json(detailed);
  EXPECT_EQ(d.at("status").as_string(), "degraded");
  ExpectSeedShape(d);
  ASSERT_EQ(d.at("alerts").as_array().size(), 1u) << detailed.body;
  std::optional<boost::json::object> a = FindAlert(d, "high_duplicate_rate");
  ASSERT_TRUE(a) << detailed.body;
  EXPECT_EQ(a->size(), 3u) << "exactly name, value and threshold";
  EXPECT_DOUBLE_EQ(a->at("value").to_number<double>(), 0.0909);
  EXPECT_DOUBLE_EQ(a->at("threshold").to_number<double>(), 0.05);
  // Load balancers keep sending to a degraded service.
  EXPECT_EQ(HttpRequest(p.port(), "GET", "/health").body, R"({"status":"healthy"})");
}

TEST_F(AlertsTest, AQuarantinedPayloadRaisesQuarantinedButNotDeadLetter) {
  Env env = BaseEnv(data_.path());
  env["RATE_LIMIT_HEALTH_PER_MINUTE"] = "0";  // the test polls /health/detailed
  WagateProcess p(env);
  ASSERT_TRUE(p.started()) << p.ReadLog();
  const std::string bad = R"({"object":"whatsapp_business_account"})";  // no `entry` array
  HttpResult r = HttpRequest(p.port(), "POST", "/webhook", bad, Signed(bad));
  ASSERT_EQ(r.body, R"({"status":"ok","accepted":0,"duplicates":0,"quarantined":1})");

  // The monitor refreshes in the background: wait until it has seen the dead-letter queue grow.
  boost::json::object d;
  for (int i = 0; i < 100; ++i) {
    d = Json(HttpRequest(p.port(), "GET", "/health/detailed"));
    if (d.at("queues").at("incoming").at("dlq").to_number<int64_t>() == 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(d.at("queues").at("incoming").at("dlq").to_number<int64_t>(), 1);
  EXPECT_EQ(d.at("status").as_string(), "degraded");
  ExpectSeedShape(d);
  std::optional<boost::json::object> q = FindAlert(d, "quarantined");
  ASSERT_TRUE(q) << boost::json::serialize(d);
  EXPECT_EQ(q->at("value").to_number<int64_t>(), 1);
  EXPECT_EQ(q->at("threshold").to_number<int64_t>(), 0);
  EXPECT_FALSE(FindAlert(d, "dead_letter")) << boost::json::serialize(d);
}

// Polls /health/detailed (bounded) until `name` is raised; returns the last answer.
boost::json::object AwaitAlert(const WagateProcess& p, const std::string& name) {
  boost::json::object d;
  for (int i = 0; i < 150; ++i) {
    d = Json(HttpRequest(p.port(), "GET", "/health/detailed"));
    if (FindAlert(d, name)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return d;
}

TEST_F(AlertsTest, ARejectedSendRaisesDeadLetterOnceAndTheErrorRate) {
  graph_.Script({GraphError(400, 131047)});  // outside the 24-hour window: permanent
  WagateProcess p(SendingEnv());
  ASSERT_TRUE(p.started()) << p.ReadLog();
  std::string body = testing::TextBody("wamid.AL-DEAD", NowSeconds());
  ASSERT_EQ(HttpRequest(p.port(), "POST", "/webhook", body, Signed(body)).status, 200);

  // The reply is dead-lettered; the read receipt is sent.
  const Env env = SendingEnv();
  boost::json::value inbound = AwaitState(env, "msg:wamid.AL-DEAD", "COMPLETED");
  ASSERT_EQ(inbound.at("state").as_string(), "COMPLETED") << inbound;
  for (const boost::json::value& key : inbound.at("outputs").as_array()) {
    const std::string k(key.as_string());
    const char* want = k.ends_with(":read") ? "SENT" : "DEAD";
    EXPECT_EQ(AwaitState(env, k, want).at("state").as_string(), want) << k;
  }
  // Wait for the monitor to see the dead letter in the queue too: it is still one dead letter.
  boost::json::object d = AwaitAlert(p, "dead_letter");
  for (int i = 0; i < 50 && d.at("queues").at("outgoing").at("dlq").to_number<int64_t>() < 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    d = Json(HttpRequest(p.port(), "GET", "/health/detailed"));
  }
  ASSERT_EQ(d.at("queues").at("outgoing").at("dlq").to_number<int64_t>(), 1);
  ExpectSeedShape(d);
  EXPECT_EQ(d.at("status").as_string(), "degraded");
  EXPECT_EQ(FindAlert(d, "dead_letter")->at("value").to_number<int64_t>(), 1);
  // The inbound message processed, the read receipt sent, the reply's send failed (and then
  // dead-lettered, which is the same attempt): one of three attempts failed.
  std::optional<boost::json::object> errors = FindAlert(d, "high_error_rate");
  ASSERT_TRUE(errors) << boost::json::serialize(d);
  EXPECT_DOUBLE_EQ(errors->at("value").to_number<double>(), 0.3333);
  EXPECT_DOUBLE_EQ(errors->at("threshold").to_number<double>(), 0.01);
  EXPECT_FALSE(FindAlert(d, "quarantined"));
}

TEST_F(AlertsTest, AnAccountErrorPausesTheSenderAndRaisesSenderPaused) {
  graph_.Script({GraphError(403, 131031)});  // the business account is locked
  WagateProcess p(SendingEnv());
  ASSERT_TRUE(p.started()) << p.ReadLog();
  std::string body = testing::TextBody("wamid.AL-PAUSE", NowSeconds());
  ASSERT_EQ(HttpRequest(p.port(), "POST", "/webhook", body, Signed(body)).status, 200);

  boost::json::object d = AwaitAlert(p, "sender_paused");
  std::optional<boost::json::object> paused = FindAlert(d, "sender_paused");
  ASSERT_TRUE(paused) << boost::json::serialize(d);
  ExpectSeedShape(d);
  EXPECT_EQ(d.at("status").as_string(), "degraded");
  EXPECT_EQ(paused->at("value").to_number<int64_t>(), 1) << "one business number";
  EXPECT_EQ(paused->at("threshold").to_number<int64_t>(), 0);
  EXPECT_FALSE(FindAlert(d, "dead_letter")) << "nothing is dead-lettered while paused";
}

}  // namespace
}  // namespace wagate::integration
