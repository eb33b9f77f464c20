// `wagate serve` on the aws backend: the real binary against dynalite and fauxqs (a fresh table
// and fresh queues per test), replying through a fake Graph API. Two instances share one table
// and one set of queues, as two machines would; concurrent duplicates spread across both still
// get exactly one reply, and a SIGKILLed instance loses nothing.
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <thread>

#include "fake_graph.h"
#include "harness.h"
#include "service.h"
#include "wagate/backends/aws/aws_test_backend.h"
#include "wagate/testing/temp_dir.h"
#include "wagate/testing/webhook_bodies.h"

namespace wagate::integration {
namespace {

namespace json = boost::json;

constexpr char kAwsSecretKey[] = "it-aws-secret-key-d00d";

class AwsServeTest : public ::testing::Test {
 protected:
  AwsServeTest()
      : table_(aws::FreshTable(clients_.dynamodb())), urls_(aws::FreshQueues(clients_.sqs())) {}

  // Processing and sending on the aws backend of this test.
  Env AwsEnv() {
    Env env = BaseEnv(data_.path());
    env.merge(aws::ServeEnvironment(clients_, table_, urls_, kAwsSecretKey));
    env["WORKERS"] = "2";
    env["SENDERS"] = "2";
    env["SQS_WAIT_TIME_SECONDS"] = "1";
    env["LEASE_SECONDS"] = "3";
    env["WHATSAPP_ACCESS_TOKEN"] = kAccessToken;
    env["WHATSAPP_API_BASE_URL"] = graph_.url();
    return env;
  }
  // POSTs `body` until it is answered 200, as Meta retries; every answer must be 200 or 503.
  static void PostUntilAccepted(const std::vector<const WagateProcess*>& instances, const std::string& body,
                                size_t first) {
    for (size_t attempt = 0; attempt < 200; ++attempt) {
      const WagateProcess& p = *instances[(first + attempt) % instances.size()];
      int status = HttpRequest(p.port(), "POST", "/webhook", body, Signed(body)).status;
      if (status == 200) return;
      ASSERT_TRUE(status == 503 || status == 0) << "answered " << status;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL() << "never accepted";
  }
  // Waits until every wamid's item is COMPLETED and its reply SENT, then requires exactly one
  // Graph send for each. With `killed`, a sender may have died around its call: that reply is
  // SENT_UNCERTAIN (no status webhook comes here, and it is not resent within the test), and it
  // reached the Graph API at most once.
  void ExpectExactlyOneReplyEach(const Env& env, const std::vector<std::string>& wamids,
                                 bool killed = false) {
    std::map<std::string, std::string> reply_state;
    for (const std::string& wamid : wamids) {
      json::value inbound = AwaitState(env, "msg:" + wamid, "COMPLETED");
      ASSERT_EQ(inbound.at("state").as_string(), "COMPLETED") << inbound;
      const std::string reply_key(inbound.at("outputs").as_array().at(0).as_string());
      json::value reply = killed ? AwaitAnyState(env, reply_key, {"SENT", "SENT_UNCERTAIN"})
                                 : AwaitState(env, reply_key, "SENT");
      reply_state[wamid] = std::string(reply.at("state").as_string());
      ASSERT_TRUE(reply_state[wamid] == "SENT" || (killed && reply_state[wamid] == "SENT_UNCERTAIN"))
          << reply;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    for (const std::string& wamid : wamids) {
      const size_t sends = graph_.SendsFor(wamid).size();
      if (reply_state[wamid] == "SENT") {
        EXPECT_EQ(sends, 1u) << wamid << " was not replied to exactly once";
      } else {
        EXPECT_LE(sends, 1u) << wamid << " was sent twice";
      }
    }
  }

  aws::EmulatorClients clients_;
  std::string table_;
  aws::SqsQueueUrls urls_;
  testing::TempDir data_;
  FakeGraph graph_;
};

TEST_F(AwsServeTest, EachUniqueMessageGetsOneReplyAndHealthReportsDynamoDbAndSqs) {
  Env env = AwsEnv();
  WagateProcess p(env);
  ASSERT_TRUE(p.started()) << p.ReadLog();
  std::vector<std::string> wamids;
  for (int i = 0; i < 5; ++i) {
    wamids.push_back("wamid.AWS-ONE" + std::to_string(i));
    std::string body = testing::TextBody(wamids.back(), NowSeconds(), "eco " + std::to_string(i));
    PostUntilAccepted({&p}, body, 0);
    PostUntilAccepted({&p}, body, 0);  // Meta's redelivery: a duplicate
  }
  ExpectExactlyOneReplyEach(env, wamids);

  HttpResult detailed = HttpRequest(p.port(), "GET", "/health/detailed", "", {});
  ASSERT_EQ(detailed.status, 200) << detailed.body;
  json::object health = Json(detailed);
  EXPECT_EQ(health["backend"].as_string(), "aws");
  EXPECT_EQ(health["components"].as_object()["dynamodb"].as_string(), "connected");
  EXPECT_EQ(health["components"].as_object()["sqs"].as_string(), "connected");
  // Every message came twice: the duplicate rate alert degrades the service.
  EXPECT_EQ(health["status"].as_string(), "degraded") << detailed.body;
  bool duplicate_rate = false;
  for (const json::value& a : health["alerts"].as_array()) {
    if (a.at("name").as_string() != "high_duplicate_rate") continue;
    duplicate_rate = true;
    EXPECT_DOUBLE_EQ(a.at("value").to_number<double>(), 0.5);
    EXPECT_DOUBLE_EQ(a.at("threshold").to_number<double>(), 0.05);
  }
  EXPECT_TRUE(duplicate_rate) << detailed.body;
  EXPECT_EQ(p.Terminate(), 0);
  const std::string log = p.ReadLog();
  EXPECT_EQ(log.find(kAwsSecretKey), std::string::npos) << "the AWS secret never reaches the log";
  EXPECT_EQ(log.find(kAccessToken), std::string::npos);
}

TEST_F(AwsServeTest, ConcurrentDuplicatesAcrossTwoInstancesGetExactlyOneReply) {
  Env env = AwsEnv();
  WagateProcess a(env);
  WagateProcess b(env);
  ASSERT_TRUE(a.started()) << a.ReadLog();
  ASSERT_TRUE(b.started()) << b.ReadLog();
  std::vector<std::string> wamids;
  for (int i = 0; i < 30; ++i) wamids.push_back("wamid.AWS-DUP" + std::to_string(i));
  // Four deliveries of every message at once, two to each instance.
  std::vector<std::thread> posters;
  for (int copy = 0; copy < 4; ++copy) {
    posters.emplace_back([&, copy] {
      for (const std::string& wamid : wamids) {
        PostUntilAccepted({&a, &b}, testing::TextBody(wamid, NowSeconds(), "dup"), static_cast<size_t>(copy));
      }
    });
  }
  for (std::thread& t : posters) t.join();
  ExpectExactlyOneReplyEach(env, wamids);
  EXPECT_EQ(a.Terminate(), 0);
  EXPECT_EQ(b.Terminate(), 0);
}

TEST_F(AwsServeTest, AnInstanceKilledMidLoadLosesNothing) {
  Env env = AwsEnv();
  auto a = std::make_unique<WagateProcess>(env);
  WagateProcess b(env);
  ASSERT_TRUE(a->started()) << a->ReadLog();
  ASSERT_TRUE(b.started()) << b.ReadLog();
  std::vector<std::string> wamids;
  for (int i = 0; i < 60; ++i) wamids.push_back("wamid.AWS-KILL" + std::to_string(i));
  for (size_t i = 0; i < wamids.size(); ++i) {
    if (i == 30) a->Kill();  // SIGKILL, with claims and admits under way
    std::vector<const WagateProcess*> alive;
    if (i < 30) alive.push_back(a.get());
    alive.push_back(&b);
    PostUntilAccepted(alive, testing::TextBody(wamids[i], NowSeconds(), "kill"), i);
  }
  // The killed instance's claims lapse after LEASE_SECONDS; the survivor finishes everything.
  ExpectExactlyOneReplyEach(env, wamids, /*killed=*/true);
  EXPECT_EQ(b.Terminate(), 0);
}

}  // namespace
}  // namespace wagate::integration
