#include "wagate/backends/aws/sqs_send_batcher.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <future>
#include <set>
#include <thread>

#include "wagate/testing/fake_clock.h"
#include "wagate/testing/fake_http_server.h"

namespace wagate::aws {
namespace {

namespace json = boost::json;
using testing::FakeResponse;
using testing::RecordedRequest;

// A fake SQS that answers SendMessageBatch slowly (so that senders pile up behind a batch in
// flight), naming each message after its body.
class SlowFakeSqs {
 public:
  SlowFakeSqs() {
    server_ = testing::FakeHttpServer::Create([this](const RecordedRequest& r) { return Answer(r); }).value();
  }
  std::string url() const { return server_->url(); }
  int batches() const { return batches_.load(); }
  int largest_batch() const { return largest_.load(); }

 private:
  FakeResponse Answer(const RecordedRequest& r) {
    json::object request = json::parse(r.body).as_object();
    json::array successful;
    const json::array& entries = request["Entries"].as_array();
    for (const json::value& e : entries) {
      successful.push_back(json::object{{"Id", e.at("Id")}, {"MessageId", "id-" + std::string(e.at("MessageBody").as_string())}});
    }
    ++batches_;
    int n = static_cast<int>(entries.size());
    for (int seen = largest_.load(); n > seen && !largest_.compare_exchange_weak(seen, n);) {
    }
    return {200, {}, json::serialize(json::object{{"Successful", successful}, {"Failed", json::array()}}), Millis(30)};
  }
  std::unique_ptr<testing::FakeHttpServer> server_;
  std::atomic<int> batches_{0};
  std::atomic<int> largest_{0};
};

struct FakeSqsClient {
  SlowFakeSqs sqs;
  std::unique_ptr<CredentialsProvider> credentials = MakeStaticCredentialsProvider({"AKID", "secret", "", {}});
  net::HttpClientPool http;
  SystemRandom random;
  testing::FakeClock clock;
  AwsJsonClient client{{.endpoint = sqs.url(), .region = "us-east-1", .service = "sqs", .target_prefix = "AmazonSQS"},
                       *credentials, http, SystemClock::Instance(), random};
  SqsQueue queue{client, SqsQueue::Options{}, clock};
};

TEST(SqsSendBatcherTest, ConcurrentSendersShareBatchesAndEachGetsItsOwnIdsInOrder) {
  FakeSqsClient s;
  SqsSendBatcher batcher(s.queue, /*max_in_flight=*/1);
  constexpr int kCallers = 60;
  std::vector<std::promise<StatusOr<std::vector<std::string>>>> results(kCallers);
  std::vector<std::thread> threads;
  for (int c = 0; c < kCallers; ++c) {
    threads.emplace_back([&, c] {
      // Every third caller sends three messages, the others one.
      std::vector<ports::OutgoingMessage> messages;
      for (int m = 0; m < (c % 3 == 0 ? 3 : 1); ++m) {
        messages.push_back({"k", std::to_string(c) + "." + std::to_string(m), Millis(0)});
      }
      batcher.Send(domain::QueueName::kIncoming, std::move(messages),
                   [&results, c](StatusOr<std::vector<std::string>> ids) { results[c].set_value(std::move(ids)); });
    });
  }
  for (std::thread& t : threads) t.join();
  int messages = 0;
  for (int c = 0; c < kCallers; ++c) {
    StatusOr<std::vector<std::string>> ids = results[c].get_future().get();
    ASSERT_TRUE(ids.ok()) << ids.status().ToString();
    ASSERT_EQ(ids->size(), c % 3 == 0 ? 3u : 1u);
    for (size_t m = 0; m < ids->size(); ++m) {
      EXPECT_EQ((*ids)[m], "id-" + std::to_string(c) + "." + std::to_string(m));
      ++messages;
    }
  }
  EXPECT_EQ(messages, 100);
  EXPECT_EQ(s.sqs.largest_batch(), 10) << "waiting messages were joined into full batches";
  EXPECT_LT(s.sqs.batches(), 25) << "100 messages took " << s.sqs.batches() << " calls";
}

TEST(SqsSendBatcherTest, AFailedSendReachesItsCaller) {
  FakeSqsClient s;
  SqsSendBatcher batcher(s.queue);
  std::promise<StatusOr<std::vector<std::string>>> result;
  std::string huge(kMaxSqsMessageBytes + 1, 'x');
  batcher.Send(domain::QueueName::kOutgoing, {{"k", huge, Millis(0)}},
               [&](StatusOr<std::vector<std::string>> ids) { result.set_value(std::move(ids)); });
  StatusOr<std::vector<std::string>> ids = result.get_future().get();
  EXPECT_EQ(ids.status().code(), StatusCode::kInvalidArgument) << "over SQS's limit, before sending";
  EXPECT_EQ(s.sqs.batches(), 0);
}

}  // namespace
}  // namespace wagate::aws
