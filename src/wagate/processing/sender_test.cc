#include "wagate/processing/sender.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <atomic>

#include "wagate/backends/sqlite/sqlite_test_backend.h"
#include "wagate/handlers/echo_handler.h"
#include "wagate/processing/processor.h"
#include "wagate/testing/fake_http_server.h"
#include "wagate/testing/fake_metrics.h"
#include "wagate/testing/webhook_bodies.h"
#include "wagate/whatsapp/graph_client.h"
#include "wagate/whatsapp/payload.h"
#include "wagate/whatsapp/signature.h"

namespace wagate::processing {
namespace {

namespace json = boost::json;
using domain::QueueName;
using domain::RecordState;
using testing::FakeResponse;
using testing::RecordedRequest;

constexpr char kToken[] = "EAAG-test-access-token";

FakeResponse Accepted(const std::string& wamid) {
  return {200, {{"Content-Type", "application/json"}},
          R"({"messaging_product":"whatsapp","contacts":[{"input":"+5215512345678","wa_id":"5215512345678"}],"messages":[{"id":")" +
              wamid + R"("}]})"};
}

FakeResponse GraphError(int http_status, int64_t code, const std::string& message) {
  return {http_status, {{"Content-Type", "application/json"}},
          R"({"error":{"message":")" + message + R"(","type":"OAuthException","code":)" +
              std::to_string(code) + R"(,"fbtrace_id":"Atest"}})"};
}

// The inbound message, the echo processor that turns it into `out:` items, and a sender that
// talks to a fake Graph API answering from `script` (then accepting everything).
class SenderTest : public ::testing::Test {
 protected:
  SenderTest() : backend_(testing::AdmitBackendOptions{&clock_, Millis(3'600'000)}) {
    graph_server_ = testing::FakeHttpServer::Create([this](const RecordedRequest& r) {
      return Answer(r);
    }).value();
  }

  // Read receipts are always accepted; replies get the scripted answers first.
  FakeResponse Answer(const RecordedRequest& r) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!script_.empty() && r.body.find("\"status\":\"read\"") == std::string::npos) {
      FakeResponse next = script_.front();
      script_.pop_front();
      return next;
    }
    return Accepted("wamid.OUT" + std::to_string(++accepted_));
  }
  void Script(std::initializer_list<FakeResponse> answers) {
    std::lock_guard<std::mutex> lock(mu_);
    script_.insert(script_.end(), answers);
  }

  void Admit(const std::string& body) {
    whatsapp::SplitResult split = whatsapp::SplitWebhook(body);
    ASSERT_FALSE(split.items.empty());
    ASSERT_TRUE(testing::AdmitAndWait(backend_.admitter(), {std::move(split.items), {}}).ok());
  }

  // Admits a text message and processes it with the echo handler: its reply and read receipt
  // wait in `outgoing`.
  void Inbound(const std::string& wamid, const std::string& from_number = "5215512345678") {
    std::string body = testing::TextBody(wamid, ToUnixMillis(clock_.Now()) / 1000 - 5);
    if (from_number != "5215512345678") {
      // A business-scoped user id instead of a phone number, and no contact.
      body = R"({"object":"whatsapp_business_account","entry":[{"id":"301","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15551230000","phone_number_id":"112233"},"messages":[{"from":")" +
             from_number + R"(","id":")" + wamid + R"(","timestamp":")" +
             std::to_string(ToUnixMillis(clock_.Now()) / 1000 - 5) +
             R"(","type":"text","text":{"body":"hola"}}]}}]}]})";
    }
    Admit(body);
    handlers::EchoHandler echo;
    ProcessorOptions options;
    options.worker_id = "p-test";
    Processor processor(backend_.queue(), backend_.store(), echo, clock_, random_, options);
    ASSERT_EQ(*processor.RunOnce(Millis(0)), 1);
  }

  std::unique_ptr<Sender> MakeSender(SenderOptions options = {}) {
    graph_ = std::make_unique<whatsapp::GraphClient>(whatsapp::GraphClient::Options{
        graph_server_->url(), "v25.0", kToken, graph_timeout_});
    options.worker_id = "s-test";
    options.backoff = {Millis(1'000), Millis(60'000)};
    options.max_pacing_wait = Millis(0);
    return std::make_unique<Sender>(backend_.queue(), backend_.store(), *graph_, clock_, random_,
                                    options);
  }

  static std::string ReplyKey(const std::string& wamid, const std::string& n) {
    return "out:" + whatsapp::Sha256Hex("msg:" + wamid) + ":" + n;
  }
  domain::Record Record(const std::string& key) { return *backend_.store().Inspect(key); }
  ports::QueueStats Stats(QueueName q) { return *backend_.queues().Stats(q); }
  std::vector<RecordedRequest> Sends() {
    std::vector<RecordedRequest> sends;
    for (RecordedRequest& r : graph_server_->Requests()) {
      if (r.body.find("\"status\":\"read\"") == std::string::npos) sends.push_back(std::move(r));
    }
    return sends;
  }

  testing::FakeClock clock_;
  testing::MaxRandom random_;
  sqlite::SqliteTestBackend backend_;
  std::unique_ptr<testing::FakeHttpServer> graph_server_;
  std::unique_ptr<whatsapp::GraphClient> graph_;
  Millis graph_timeout_{2'000};
  std::mutex mu_;
  std::deque<FakeResponse> script_;
  int accepted_ = 0;
};

TEST_F(SenderTest, SendsTheReplyAndTheReadReceiptOnceWithTheRightRequest) {
  Inbound("wamid.S1");
  auto sender = MakeSender();
  ASSERT_EQ(*sender->RunOnce(Millis(0)), 2);
  EXPECT_EQ(sender->counters().sent.load(), 2u);

  std::vector<RecordedRequest> requests = graph_server_->Requests();
  ASSERT_EQ(requests.size(), 2u);
  for (const RecordedRequest& r : requests) {
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.target, "/v25.0/112233/messages");
    EXPECT_EQ(r.Header("authorization"), std::string("Bearer ") + kToken);
    EXPECT_EQ(r.Header("content-type"), "application/json");
  }
  std::vector<RecordedRequest> sends = Sends();
  ASSERT_EQ(sends.size(), 1u);
  json::object body = json::parse(sends[0].body).as_object();
  EXPECT_EQ(json::value_to<std::string>(body["to"]), "+5215512345678");
  EXPECT_EQ(json::value_to<std::string>(body["type"]), "text");
  EXPECT_EQ(json::value_to<std::string>(body["text"].as_object()["body"]), "hola");
  EXPECT_EQ(json::value_to<std::string>(body["context"].as_object()["message_id"]), "wamid.S1");
  EXPECT_EQ(json::value_to<std::string>(body["biz_opaque_callback_data"]), ReplyKey("wamid.S1", "0"));

  domain::Record reply = Record(ReplyKey("wamid.S1", "0"));
  EXPECT_EQ(reply.state, RecordState::kSent);
  EXPECT_NE(reply.result.find("wamid.OUT"), std::string::npos) << reply.result;
  EXPECT_EQ(Record(ReplyKey("wamid.S1", "read")).state, RecordState::kSent);
  ports::QueueStats outgoing = Stats(QueueName::kOutgoing);
  EXPECT_EQ(outgoing.visible + outgoing.in_flight + outgoing.delayed, 0);

  // A redelivered copy of the reply's message is deleted without a second call.
  ASSERT_TRUE(backend_.queue().Send(QueueName::kOutgoing, {{ReplyKey("wamid.S1", "0"), "{}", Millis(0)}}).ok());
  ASSERT_EQ(*sender->RunOnce(Millis(0)), 1);
  EXPECT_EQ(graph_server_->RequestCount(), 2);
  EXPECT_EQ(sender->counters().already_done.load(), 1u);
}

TEST_F(SenderTest, ThrottlingReEnqueuesADelayedCopyAndSucceedsOnTheThirdTry) {
  Script({GraphError(400, 130429, "Rate limit hit"), GraphError(400, 130429, "Rate limit hit")});
  Inbound("wamid.T1");
  auto sender = MakeSender();
  ASSERT_EQ(*sender->RunOnce(Millis(0)), 2);  // the reply is throttled, the read receipt sent
  const std::string key = ReplyKey("wamid.T1", "0");
  EXPECT_EQ(Record(key).state, RecordState::kFailed);
  EXPECT_EQ(sender->counters().throttled.load(), 1u);
  ports::QueueStats outgoing = Stats(QueueName::kOutgoing);
  EXPECT_EQ(outgoing.delayed, 1) << "a delayed copy";
  EXPECT_EQ(outgoing.in_flight, 0) << "the original is gone";

  for (int round = 0; round < 2; ++round) {
    clock_.Advance(Millis(120'000));
    ASSERT_EQ(*sender->RunOnce(Millis(0)), 1);
  }
  EXPECT_EQ(sender->counters().throttled.load(), 2u);
  EXPECT_EQ(Sends().size(), 3u);
  domain::Record r = Record(key);
  EXPECT_EQ(r.state, RecordState::kSent);
  EXPECT_EQ(r.attempts, 3);
  EXPECT_EQ(Stats(QueueName::kOutgoing).dlq, 0) << "throttling never used up receives";
}

TEST_F(SenderTest, ThrottlingLongerThanTheLimitDeadLettersAsThrottled) {
  Script({GraphError(400, 130429, "Rate limit hit"), GraphError(400, 130429, "Rate limit hit")});
  Inbound("wamid.T2");
  SenderOptions options;
  options.throttle_max = Millis(100'000);
  auto sender = MakeSender(options);
  ASSERT_EQ(*sender->RunOnce(Millis(0)), 2);
  clock_.Advance(Millis(120'000));
  ASSERT_EQ(*sender->RunOnce(Millis(0)), 1);
  EXPECT_EQ(Record(ReplyKey("wamid.T2", "0")).state, RecordState::kDead);
  EXPECT_EQ(Stats(QueueName::kOutgoing).dlq, 1);
}

TEST_F(SenderTest, OutsideTheCustomerWindowDeadLettersWithItsReason) {
  Script({GraphError(400, 131047, "Re-engagement message")});
  Inbound("wamid.W1");
  auto sender = MakeSender();
  ASSERT_EQ(*sender->RunOnce(Millis(0)), 2);
  domain::Record r = Record(ReplyKey("wamid.W1", "0"));
  EXPECT_EQ(r.state, RecordState::kDead);
  ASSERT_FALSE(r.history.empty());
  EXPECT_EQ(r.history.back().outcome, "outside the 24-hour window: needs a template");
  EXPECT_NE(r.last_error.find("131047"), std::string::npos);
  EXPECT_EQ(Stats(QueueName::kOutgoing).dlq, 1);
  EXPECT_EQ(sender->counters().dead_lettered.load(), 1u);
}

TEST_F(SenderTest, ATimeoutIsUncertainAndAStatusWebhookSettlesItWithoutAResend) {
  graph_timeout_ = Millis(300);
  Script({FakeResponse{.status = 200, .headers = {}, .body = "{}", .delay = Millis(1'500)}});
  Inbound("wamid.U1");
  auto sender = MakeSender();
  ASSERT_EQ(*sender->RunOnce(Millis(0)), 2);
  const std::string key = ReplyKey("wamid.U1", "0");
  EXPECT_EQ(Record(key).state, RecordState::kSentUncertain);
  EXPECT_EQ(sender->counters().uncertain.load(), 1u);

  // Meta did send it: the `sent` status echoes the key and settles the record during admit.
  Admit(testing::StatusBody("wamid.META1", "sent", key, ToUnixMillis(clock_.Now()) / 1000));
  domain::Record settled = Record(key);
  EXPECT_EQ(settled.state, RecordState::kSent);
  EXPECT_NE(settled.result.find("wamid.META1"), std::string::npos) << settled.result;

  clock_.Advance(Millis(125'000));
  ASSERT_EQ(*sender->RunOnce(Millis(0)), 1);
  EXPECT_EQ(sender->counters().already_done.load(), 1u);
  EXPECT_EQ(sender->counters().resends.load(), 0u);
  EXPECT_EQ(Sends().size(), 1u) << "never resent";
}

TEST_F(SenderTest, AnUncertainSendWithoutAStatusIsResentAfterTheWaitAndCounted) {
  graph_timeout_ = Millis(300);
  Script({FakeResponse{.status = 200, .headers = {}, .body = "{}", .delay = Millis(1'500)}});
  Inbound("wamid.U2");
  testing::FakeMetrics metrics;
  SenderOptions options;
  options.metrics = &metrics;
  auto sender = MakeSender(options);
  ASSERT_EQ(*sender->RunOnce(Millis(0)), 2);
  EXPECT_EQ(metrics.uncertain_sends.load(), 1);
  EXPECT_EQ(metrics.resends.load(), 0);
  clock_.Advance(Millis(60'000));
  ASSERT_EQ(*sender->RunOnce(Millis(0)), 0) << "not before the resend time";
  clock_.Advance(Millis(65'000));
  ASSERT_EQ(*sender->RunOnce(Millis(0)), 1);
  EXPECT_EQ(sender->counters().resends.load(), 1u);
  EXPECT_EQ(metrics.resends.load(), 1);
  EXPECT_EQ(metrics.uncertain_sends.load(), 1) << "the resend was accepted";
  EXPECT_EQ(Record(ReplyKey("wamid.U2", "0")).state, RecordState::kSent);
  EXPECT_EQ(Sends().size(), 2u);
}

TEST_F(SenderTest, ASenderThatDiedDuringTheCallLeavesTheItemUncertainNotResent) {
  Inbound("wamid.C1");
  const std::string key = ReplyKey("wamid.C1", "0");
  std::string mid = Record(key).queue_message_id;
  // The dead sender's claim and SENDING, as it left them.
  StatusOr<ports::ClaimResult> claim =
      backend_.store().Claim({key, domain::ItemKind::kOutgoing, "s-dead", mid, Millis(30'000)});
  ASSERT_EQ(claim->outcome, ports::ClaimOutcome::kWon);
  ASSERT_TRUE(backend_.store().MarkSending({key, claim->fence, "s-dead"}).ok());
  clock_.Advance(Millis(31'000));
  testing::FakeMetrics metrics;
  SenderOptions options;
  options.metrics = &metrics;
  auto sender = MakeSender(options);
  ASSERT_GE(*sender->RunOnce(Millis(0)), 1);
  EXPECT_EQ(Record(key).state, RecordState::kSentUncertain);
  EXPECT_EQ(metrics.Claims(ports::ClaimMetric::kUncertain), 1) << "the claim settled it";
  EXPECT_EQ(metrics.uncertain_sends.load(), 0) << "this sender made no call";
  EXPECT_EQ(Sends().size(), 0u);
  EXPECT_EQ(sender->counters().uncertain.load(), 1u);
}

TEST_F(SenderTest, AReadReceiptWhoseSenderDiedIsSentAgainNeverUncertain) {
  Inbound("wamid.C2");
  const std::string key = ReplyKey("wamid.C2", "read");
  std::string mid = Record(key).queue_message_id;
  StatusOr<ports::ClaimResult> claim =
      backend_.store().Claim({key, domain::ItemKind::kOutgoing, "s-dead", mid, Millis(30'000)});
  ASSERT_EQ(claim->outcome, ports::ClaimOutcome::kWon);
  ASSERT_TRUE(backend_.store().MarkSending({key, claim->fence, "s-dead"}).ok());
  clock_.Advance(Millis(31'000));
  auto sender = MakeSender();
  ASSERT_EQ(*sender->RunOnce(Millis(0)), 2);
  EXPECT_EQ(Record(key).state, RecordState::kSent);
  EXPECT_EQ(sender->counters().uncertain.load(), 0u);
}

TEST_F(SenderTest, AnAccountErrorPausesTheNumberAndAProbeResumesIt) {
  Script({GraphError(401, 190, "Error validating access token")});
  Inbound("wamid.P1");
  testing::FakeMetrics metrics;
  SenderOptions options;
  options.metrics = &metrics;
  auto sender = MakeSender(options);
  ASSERT_EQ(*sender->RunOnce(Millis(0)), 2);
  EXPECT_EQ(sender->pacer().PausedNumbers(), std::vector<std::string>{"112233"});
  EXPECT_EQ(metrics.pauses.load(), 1);
  EXPECT_EQ(metrics.Claims(ports::ClaimMetric::kWon), 1) << "the read receipt waited unclaimed";
  EXPECT_EQ(graph_server_->RequestCount(), 1) << "the read receipt waits for the pause too";
  EXPECT_EQ(Record(ReplyKey("wamid.P1", "0")).state, RecordState::kFailed);
  EXPECT_EQ(Stats(QueueName::kOutgoing).dlq, 0) << "nothing dead-lettered while paused";

  clock_.Advance(Millis(61'000));
  ASSERT_EQ(*sender->RunOnce(Millis(0)), 2);
  EXPECT_TRUE(sender->pacer().PausedNumbers().empty());
  EXPECT_EQ(metrics.pauses.load(), 1) << "the probe went through";
  EXPECT_EQ(Record(ReplyKey("wamid.P1", "0")).state, RecordState::kSent);
  EXPECT_EQ(Record(ReplyKey("wamid.P1", "read")).state, RecordState::kSent);
}

TEST_F(SenderTest, ARecipientWithoutAPhoneNumberIsDeadLettered) {
  Inbound("wamid.R1", "US.13491208655302741918");
  auto sender = MakeSender();
  ASSERT_EQ(*sender->RunOnce(Millis(0)), 2);
  domain::Record r = Record(ReplyKey("wamid.R1", "0"));
  EXPECT_EQ(r.state, RecordState::kDead);
  EXPECT_EQ(r.history.back().outcome, "recipient_unsupported");
  EXPECT_EQ(Sends().size(), 0u);
}

TEST_F(SenderTest, RepliesGoOutInOrder) {
  Admit(testing::TextBody("wamid.O1", ToUnixMillis(clock_.Now()) / 1000));
  // A handler answering with two replies.
  class TwoReplies final : public ports::Handler {
   public:
    StatusOr<ports::HandlerResult> Handle(const ports::HandlerItem&) override {
      ports::HandlerResult r;
      r.replies = {{ports::Reply::Type::kText, "first", ""}, {ports::Reply::Type::kText, "second", ""}};
      return r;
    }
  } handler;
  Processor processor(backend_.queue(), backend_.store(), handler, clock_, random_, {});
  ASSERT_EQ(*processor.RunOnce(Millis(0)), 1);
  // Reply 1 arrives first: it waits until reply 0 is sent.
  auto sender = MakeSender();
  ports::ReceivedMessage second;
  StatusOr<std::vector<ports::ReceivedMessage>> received =
      backend_.queue().Receive(QueueName::kOutgoing, 10, Millis(30'000), Millis(0));
  ASSERT_TRUE(received.ok());
  for (const ports::ReceivedMessage& m : *received) {
    if (m.key.ends_with(":1")) second = m;
    else ASSERT_TRUE(backend_.queue().ChangeVisibility(QueueName::kOutgoing, m.receipt, Millis(0)).ok());
  }
  ASSERT_FALSE(second.key.empty());
  EXPECT_EQ(sender->ProcessOne(second), ProcessOutcome::kDeferred);
  ASSERT_EQ(*sender->RunOnce(Millis(0)), 1);
  clock_.Advance(Millis(3'000));
  ASSERT_EQ(*sender->RunOnce(Millis(0)), 1);
  std::vector<RecordedRequest> sends = Sends();
  ASSERT_EQ(sends.size(), 2u);
  EXPECT_NE(sends[0].body.find("first"), std::string::npos);
  EXPECT_NE(sends[1].body.find("second"), std::string::npos);
}

TEST_F(SenderTest, StatusesMergeMonotonically) {
  Inbound("wamid.M1");
  auto sender = MakeSender();
  ASSERT_EQ(*sender->RunOnce(Millis(0)), 2);
  const std::string key = ReplyKey("wamid.M1", "0");
  int64_t ts = ToUnixMillis(clock_.Now()) / 1000;
  Admit(testing::StatusBody("wamid.OUT1", "read", key, ts));
  Admit(testing::StatusBody("wamid.OUT1", "delivered", key, ts));
  json::object result = json::parse(Record(key).result).as_object();
  EXPECT_EQ(json::value_to<std::string>(result["delivery"]), "read") << "a late delivered never downgrades read";
  Admit(testing::StatusBody("wamid.OUT1", "failed", key, ts));
  Admit(testing::StatusBody("wamid.OUT1", "played", key, ts));
  result = json::parse(Record(key).result).as_object();
  EXPECT_EQ(json::value_to<std::string>(result["delivery"]), "failed") << "failed is terminal";
  EXPECT_EQ(Record(key).state, RecordState::kSent);
}

}  // namespace
}  // namespace wagate::processing
