// Redrive through SQS's own message move task, against a fake SQS that has one (the emulator
// used by the contract suite has none, so there the receive-send-delete path runs).
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <mutex>

#include "wagate/backends/aws/aws_test_backend.h"
#include "wagate/backends/aws/sqs_queue.h"
#include "wagate/testing/fake_clock.h"
#include "wagate/testing/fake_http_server.h"

namespace wagate::aws {
namespace {

namespace json = boost::json;
using testing::FakeResponse;
using testing::RecordedRequest;

// Answers GetQueueAttributes (a dead-letter queue of `dead` messages), StartMessageMoveTask and
// ListMessageMoveTasks (RUNNING twice, then COMPLETED), and records every operation.
class FakeSqsWithMoveTasks {
 public:
  explicit FakeSqsWithMoveTasks(int dead) : dead_(dead) {
    server_ = testing::FakeHttpServer::Create([this](const RecordedRequest& r) { return Answer(r); }).value();
  }
  std::string url() const { return server_->url(); }
  std::vector<std::string> operations() const {
    std::lock_guard<std::mutex> lock(mu_);
    return operations_;
  }
  json::object start_request() const {
    std::lock_guard<std::mutex> lock(mu_);
    return start_;
  }

 private:
  FakeResponse Answer(const RecordedRequest& r) {
    const std::string op = r.Header("x-amz-target").value_or("").substr(std::string("AmazonSQS.").size());
    json::object request = json::parse(r.body).as_object();
    std::lock_guard<std::mutex> lock(mu_);
    operations_.push_back(op);
    json::object answer;
    if (op == "GetQueueAttributes") {
      const std::string queue(request["QueueUrl"].as_string());
      answer["Attributes"] = json::object{{"ApproximateNumberOfMessages", std::to_string(dead_)},
                                          {"ApproximateNumberOfMessagesNotVisible", "0"},
                                          {"ApproximateNumberOfMessagesDelayed", "0"},
                                          {"QueueArn", "arn:aws:sqs:us-east-1:1:" + queue.substr(queue.rfind('/') + 1)}};
    } else if (op == "StartMessageMoveTask") {
      start_ = request;
      answer["TaskHandle"] = "task-1";
    } else if (op == "ListMessageMoveTasks") {
      const bool done = ++polls_ > 2;
      answer["Results"] = json::array{json::object{
          {"Status", done ? "COMPLETED" : "RUNNING"},
          {"ApproximateNumberOfMessagesMoved", done ? dead_ : 1}}};
    } else {
      return {400, {}, R"({"__type":"com.amazonaws.sqs#InvalidAction","message":"unexpected"})"};
    }
    return {200, {}, json::serialize(answer)};
  }
  const int dead_;
  std::unique_ptr<testing::FakeHttpServer> server_;
  mutable std::mutex mu_;
  std::vector<std::string> operations_;
  json::object start_;
  int polls_ = 0;
};

struct Client {
  explicit Client(const std::string& url)
      : json_client({.endpoint = url, .region = "us-east-1", .service = "sqs", .target_prefix = "AmazonSQS"},
                    *credentials, http, SystemClock::Instance(), random) {}
  std::unique_ptr<CredentialsProvider> credentials = MakeStaticCredentialsProvider({"AKID", "secret", "", {}});
  net::HttpClientPool http;
  SystemRandom random;
  AwsJsonClient json_client;
};

SqsQueue::Options Queues(const std::string& base, std::vector<Millis>* slept) {
  SqsQueue::Options options;
  for (domain::QueueName q : {domain::QueueName::kIncoming, domain::QueueName::kOutgoing,
                              domain::QueueName::kAnalytics}) {
    for (bool dlq : {false, true}) options.urls.Of({q, dlq}) = base + "/1/w-" + ports::QueueRef{q, dlq}.Name();
  }
  options.sleep_for = [slept](Millis d) { slept->push_back(d); };
  return options;
}

TEST(SqsMoveTaskTest, AWholeOutgoingDeadLetterQueueIsMovedBySqsAtTheAskedRate) {
  FakeSqsWithMoveTasks sqs(/*dead=*/7);
  Client client(sqs.url());
  testing::FakeClock clock;
  std::vector<Millis> slept;
  SqsQueue queue(client.json_client, Queues(sqs.url(), &slept), clock);
  StatusOr<ports::RedriveResult> result = queue.Redrive(domain::QueueName::kOutgoing, 100, 5);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->moved, 7);
  json::object start = sqs.start_request();
  EXPECT_EQ(start["SourceArn"].as_string(), "arn:aws:sqs:us-east-1:1:w-outgoing-dlq");
  EXPECT_EQ(start["DestinationArn"].as_string(), "arn:aws:sqs:us-east-1:1:w-outgoing");
  EXPECT_EQ(start["MaxNumberOfMessagesPerSecond"].as_int64(), 5);
  EXPECT_EQ(slept.size(), 2u) << "it waited for the running task";
  for (const std::string& op : sqs.operations()) {
    EXPECT_NE(op, "ReceiveMessage") << "no message passed through this process";
  }
}

TEST(SqsMoveTaskTest, IncomingAndPartialRedrivesNeverUseAMoveTask) {
  FakeSqsWithMoveTasks sqs(/*dead=*/7);
  Client client(sqs.url());
  testing::FakeClock clock;
  std::vector<Millis> slept;
  SqsQueue queue(client.json_client, Queues(sqs.url(), &slept), clock);
  // The fake refuses ReceiveMessage, so the receive-send-delete path fails: what matters is
  // that it was taken.
  EXPECT_FALSE(queue.Redrive(domain::QueueName::kIncoming, 100, 0).ok());
  EXPECT_FALSE(queue.Redrive(domain::QueueName::kAnalytics, 3, 0).ok()) << "3 of 7: a limit";
  for (const std::string& op : sqs.operations()) EXPECT_NE(op, "StartMessageMoveTask");
}

TEST(SqsMoveTaskTest, AnEndpointWithoutMoveTasksRedrivesOutgoingByReceivingAndSending) {
  EmulatorClients clients;  // fauxqs answers StartMessageMoveTask with InvalidAction
  testing::FakeClock clock;
  SqsQueue::Options options;
  options.urls = FreshQueues(clients.sqs());
  SqsQueue queue(clients.sqs(), options, clock);
  ASSERT_TRUE(queue.Send(domain::QueueName::kOutgoing, {{"out:a:0", "a", Millis(0)}, {"out:b:0", "b", Millis(0)}}).ok());
  StatusOr<std::vector<ports::ReceivedMessage>> got =
      queue.Receive(domain::QueueName::kOutgoing, 10, Millis(30'000), Millis(0));
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 2u);
  for (const ports::ReceivedMessage& m : *got) {
    ASSERT_TRUE(queue.MoveToDeadLetter(domain::QueueName::kOutgoing, m, {"graph_rejected", "x", ""}).ok());
  }
  StatusOr<ports::RedriveResult> result = queue.Redrive(domain::QueueName::kOutgoing, 100, 0);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->moved, 2);
  got = queue.Receive(domain::QueueName::kOutgoing, 10, Millis(30'000), Millis(0));
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->size(), 2u);
}

}  // namespace
}  // namespace wagate::aws
