// Replies through the Graph API, end to end: the real binary sends to a fake Graph API (a real
// HTTP server on loopback that records requests and answers from a script), and the `http`
// handler posts items to a fake business endpoint.
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <deque>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include "fake_graph.h"
#include "harness.h"
#include "service.h"
#include "wagate/testing/fake_http_server.h"
#include "wagate/testing/webhook_bodies.h"
#include "wagate/whatsapp/signature.h"

namespace wagate::integration {
namespace {

namespace json = boost::json;
using testing::FakeHttpServer;
using testing::FakeResponse;
using testing::RecordedRequest;

constexpr char kHandlerSecret[] = "it-handler-secret-0c4d";

class SendTest : public ::testing::Test {
 protected:
  Env SendingEnv() {
    Env env = BaseEnv(data_.path());
    env["WORKERS"] = "2";
    env["SENDERS"] = "2";
    env["SQS_WAIT_TIME_SECONDS"] = "1";
    env["WHATSAPP_ACCESS_TOKEN"] = kAccessToken;
    env["WHATSAPP_API_BASE_URL"] = graph_.url();
    return env;
  }
  int Post(const WagateProcess& p, const std::string& body) {
    return HttpRequest(p.port(), "POST", "/webhook", body, Signed(body)).status;
  }
  // The key of the text reply to `wamid`, once the inbound item completed.
  std::string ReplyKey(const Env& env, const std::string& wamid) {
    json::value inbound = AwaitState(env, "msg:" + wamid, "COMPLETED");
    EXPECT_EQ(inbound.at("state").as_string(), "COMPLETED") << inbound;
    return std::string(inbound.at("outputs").as_array().at(0).as_string());
  }

  testing::TempDir data_;
  FakeGraph graph_;
};

TEST_F(SendTest, EachUniqueMessageGetsOneReplyWithTheRightRequest) {
  Env env = SendingEnv();
  WagateProcess p(env);
  ASSERT_TRUE(p.started()) << p.ReadLog();
  for (int i = 0; i < 5; ++i) {
    std::string body = testing::TextBody("wamid.ONE" + std::to_string(i), NowSeconds(), "eco " + std::to_string(i));
    ASSERT_EQ(Post(p, body), 200);
    ASSERT_EQ(Post(p, body), 200) << "Meta's redelivery";
  }
  for (int i = 0; i < 5; ++i) {
    const std::string wamid = "wamid.ONE" + std::to_string(i);
    json::value reply = AwaitState(env, ReplyKey(env, wamid), "SENT");
    ASSERT_EQ(reply.at("state").as_string(), "SENT") << reply;
    EXPECT_TRUE(reply.at("result").at("wamid").as_string().starts_with("wamid.OUT")) << reply;
    EXPECT_EQ(reply.at("result").at("to").as_string(), "+5215512345678") << "for the dashboard";
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  for (int i = 0; i < 5; ++i) {
    const std::string wamid = "wamid.ONE" + std::to_string(i);
    std::vector<RecordedRequest> sends = graph_.SendsFor(wamid);
    ASSERT_EQ(sends.size(), 1u) << wamid;
    EXPECT_EQ(sends[0].target, "/v25.0/112233/messages");
    EXPECT_EQ(sends[0].Header("authorization"), std::string("Bearer ") + kAccessToken);
    json::object body = json::parse(sends[0].body).as_object();
    EXPECT_EQ(json::value_to<std::string>(body["to"]), "+5215512345678");
    EXPECT_EQ(json::value_to<std::string>(body["text"].as_object()["body"]), "eco " + std::to_string(i));
    EXPECT_EQ(json::value_to<std::string>(body["biz_opaque_callback_data"]).substr(0, 4), "out:");
  }
  EXPECT_EQ(p.Terminate(), 0);
  EXPECT_EQ(p.ReadLog().find(kAccessToken), std::string::npos) << "the token never reaches the log";
}

TEST_F(SendTest, EveryOutcomeIsPublishedAsAnAnalyticsEventToTheJsonlSink) {
  Env env = SendingEnv();
  const std::string path = data_.path() + "/analytics.jsonl";
  env["ANALYTICS_SINK"] = "jsonl:" + path;
  WagateProcess p(env);
  ASSERT_TRUE(p.started()) << p.ReadLog();
  std::string body = testing::TextBody("wamid.AN1", NowSeconds());
  ASSERT_EQ(Post(p, body), 200);
  ASSERT_EQ(Post(p, body), 200);
  json::value reply = AwaitState(env, ReplyKey(env, "wamid.AN1"), "SENT");
  ASSERT_EQ(reply.at("state").as_string(), "SENT") << reply;
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the read receipt
  EXPECT_EQ(p.Terminate(), 0);

  std::map<std::string, int> events;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    json::object e = json::parse(line).as_object();
    for (const char* field : {"id", "event", "key", "kind", "ts", "attempt", "latency_ms", "error_code"}) {
      EXPECT_TRUE(e.contains(field)) << field << " in " << line;
    }
    ++events[std::string(e.at("event").as_string()) + " " + std::string(e.at("kind").as_string())];
  }
  EXPECT_EQ(events["received message"], 1);
  EXPECT_EQ(events["duplicate message"], 1);
  EXPECT_EQ(events["processed message"], 1);
  EXPECT_EQ(events["received status"], 0);
  EXPECT_EQ(events["sent outgoing"], 2) << "the reply and the read receipt";
}

TEST_F(SendTest, ThrottledTwiceThenSent) {
  graph_.Script({GraphError(400, 130429), GraphError(400, 130429)});
  Env env = SendingEnv();
  env["RETRY_MAX_DELAY_SECONDS"] = "2";
  WagateProcess p(env);
  ASSERT_TRUE(p.started()) << p.ReadLog();
  ASSERT_EQ(Post(p, testing::TextBody("wamid.THR", NowSeconds())), 200);
  json::value reply = AwaitState(env, ReplyKey(env, "wamid.THR"), "SENT");
  ASSERT_EQ(reply.at("state").as_string(), "SENT") << reply;
  EXPECT_EQ(reply.at("attempts").as_int64(), 3);
  EXPECT_EQ(graph_.SendsFor("wamid.THR").size(), 3u);
}

TEST_F(SendTest, OutsideTheWindowGoesToTheDeadLetterQueueWithItsReason) {
  graph_.Script({GraphError(400, 131047)});
  Env env = SendingEnv();
  WagateProcess p(env);
  ASSERT_TRUE(p.started()) << p.ReadLog();
  ASSERT_EQ(Post(p, testing::TextBody("wamid.WIN", NowSeconds())), 200);
  json::value reply = AwaitState(env, ReplyKey(env, "wamid.WIN"), "DEAD");
  ASSERT_EQ(reply.at("state").as_string(), "DEAD") << reply;
  EXPECT_EQ(reply.at("history").as_array().back().at("outcome").as_string(),
            "outside the 24-hour window: needs a template");
  EXPECT_EQ(graph_.SendsFor("wamid.WIN").size(), 1u);
}

TEST_F(SendTest, ATimeoutIsUncertainUntilTheStatusWebhookSettlesIt) {
  graph_.Script({FakeResponse{.status = 200, .headers = {}, .body = "{}", .delay = Millis(2'500)}});
  Env env = SendingEnv();
  env["HANDLER_TIMEOUT_SECONDS"] = "1";  // also the Graph API call's timeout
  env["UNCERTAIN_RESEND_AFTER_SECONDS"] = "3";
  WagateProcess p(env);
  ASSERT_TRUE(p.started()) << p.ReadLog();
  ASSERT_EQ(Post(p, testing::TextBody("wamid.UNC", NowSeconds())), 200);
  const std::string key = ReplyKey(env, "wamid.UNC");
  json::value uncertain = AwaitState(env, key, "SENT_UNCERTAIN");
  ASSERT_EQ(uncertain.at("state").as_string(), "SENT_UNCERTAIN") << uncertain;

  // Meta did send it: the status echoing the key settles the record.
  ASSERT_EQ(Post(p, testing::StatusBody("wamid.META-UNC", "sent", key, NowSeconds())), 200);
  json::value settled = AwaitState(env, key, "SENT");
  ASSERT_EQ(settled.at("state").as_string(), "SENT") << settled;
  EXPECT_EQ(settled.at("result").at("wamid").as_string(), "wamid.META-UNC");
  std::this_thread::sleep_for(std::chrono::seconds(5));  // past the resend time
  EXPECT_EQ(graph_.SendsFor("wamid.UNC").size(), 1u) << "never resent";
  EXPECT_EQ(AwaitState(env, key, "SENT").at("state").as_string(), "SENT");
}

TEST_F(SendTest, StaleMessagesAreHandledButGetNoReply) {
  Env env = SendingEnv();
  env["REPLY_MAX_AGE_SECONDS"] = "60";
  WagateProcess p(env);
  ASSERT_TRUE(p.started()) << p.ReadLog();
  ASSERT_EQ(Post(p, testing::TextBody("wamid.OLD", NowSeconds() - 7'200)), 200);
  ASSERT_EQ(Post(p, testing::TextBody("wamid.NEW", NowSeconds())), 200);
  json::value fresh = AwaitState(env, ReplyKey(env, "wamid.NEW"), "SENT");
  ASSERT_EQ(fresh.at("state").as_string(), "SENT");
  json::value stale = AwaitState(env, "msg:wamid.OLD", "COMPLETED");
  ASSERT_EQ(stale.at("state").as_string(), "COMPLETED") << stale;
  EXPECT_TRUE(stale.at("result").at("stale").as_bool());
  EXPECT_TRUE(stale.at("outputs").is_null()) << "no replies were created";
  EXPECT_TRUE(graph_.SendsFor("wamid.OLD").empty());
}

TEST_F(SendTest, AHandlerStillRunningAfterTheShutdownGraceIsReleasedAndFinishedAfterARestart) {
  std::atomic<bool> slow{true};
  auto business = FakeHttpServer::Create([&](const RecordedRequest&) -> FakeResponse {
    FakeResponse answer{200, {{"Content-Type", "application/json"}}, "{}"};
    if (slow.load()) answer.delay = Millis(4'000);
    return answer;
  }).value();
  Env env = SendingEnv();
  env["HANDLER"] = "http";
  env["HANDLER_URL"] = business->url() + "/hook";
  env["SHUTDOWN_GRACE_SECONDS"] = "1";
  {
    WagateProcess p(env);
    ASSERT_TRUE(p.started()) << p.ReadLog();
    ASSERT_EQ(Post(p, testing::TextBody("wamid.GRACE", NowSeconds())), 200);
    for (int i = 0; i < 200 && business->RequestCount() == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_EQ(business->RequestCount(), 1) << "the handler is running";
    const auto stop_started = std::chrono::steady_clock::now();
    EXPECT_EQ(p.Terminate(std::chrono::seconds(20)), 0) << p.ReadLog();
    EXPECT_LT(std::chrono::steady_clock::now() - stop_started, std::chrono::seconds(15));
    EXPECT_NE(p.ReadLog().find("shutdown grace ended"), std::string::npos);
  }
  // Released, not lost: the next start finishes it without any manual step.
  json::value released = AwaitState(env, "msg:wamid.GRACE", "QUEUED");
  ASSERT_EQ(released.at("state").as_string(), "QUEUED") << released;
  slow.store(false);
  WagateProcess again(env);
  ASSERT_TRUE(again.started()) << again.ReadLog();
  json::value done = AwaitState(env, "msg:wamid.GRACE", "COMPLETED");
  EXPECT_EQ(done.at("state").as_string(), "COMPLETED") << done;
}

TEST_F(SendTest, TheHttpHandlerIsRetriedOnServerErrorsAndDeadLettersClientErrors) {
  std::mutex mu;
  int calls = 0;
  auto business = FakeHttpServer::Create([&](const RecordedRequest& r) -> FakeResponse {
    std::lock_guard<std::mutex> lock(mu);
    if (r.body.find("wamid.HBAD") != std::string::npos) return {400, {}, R"({"error":"no"})"};
    if (++calls == 1) return {500, {}, "busy"};
    return {200, {{"Content-Type", "application/json"}},
            R"({"replies":[{"type":"text","text":"from the business"}],"mark_read":true})"};
  }).value();
  Env env = SendingEnv();
  env["HANDLER"] = "http";
  env["HANDLER_URL"] = business->url() + "/hook";
  env["HANDLER_SECRET"] = kHandlerSecret;
  env["RETRY_MAX_DELAY_SECONDS"] = "2";
  WagateProcess p(env);
  ASSERT_TRUE(p.started()) << p.ReadLog();
  ASSERT_EQ(Post(p, testing::TextBody("wamid.HOK", NowSeconds())), 200);
  ASSERT_EQ(Post(p, testing::TextBody("wamid.HBAD", NowSeconds())), 200);

  json::value reply = AwaitState(env, ReplyKey(env, "wamid.HOK"), "SENT");
  ASSERT_EQ(reply.at("state").as_string(), "SENT") << reply;
  std::vector<RecordedRequest> sends = graph_.SendsFor("wamid.HOK");
  ASSERT_EQ(sends.size(), 1u);
  EXPECT_NE(sends[0].body.find("from the business"), std::string::npos);
  json::value bad = AwaitState(env, "msg:wamid.HBAD", "DEAD");
  ASSERT_EQ(bad.at("state").as_string(), "DEAD") << bad;
  EXPECT_EQ(bad.at("history").as_array().back().at("outcome").as_string(), "handler_rejected");

  int ok_posts = 0;
  for (const RecordedRequest& r : business->Requests()) {
    EXPECT_EQ(r.Header("x-wagate-signature-256"), whatsapp::SignatureHeader(kHandlerSecret, r.body));
    if (r.body.find("wamid.HOK") == std::string::npos) continue;
    ++ok_posts;
    EXPECT_EQ(r.Header("idempotency-key"), "msg:wamid.HOK");
    EXPECT_EQ(r.Header("x-wagate-attempt"), std::to_string(ok_posts));
  }
  EXPECT_EQ(ok_posts, 2) << "500, then the retry";
  EXPECT_EQ(p.Terminate(), 0);
  EXPECT_EQ(p.ReadLog().find(kHandlerSecret), std::string::npos);
}

}  // namespace
}  // namespace wagate::integration
