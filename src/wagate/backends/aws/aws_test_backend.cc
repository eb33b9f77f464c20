#include "wagate/backends/aws/aws_test_backend.h"

#include <gtest/gtest.h>

#include "wagate/backends/aws/dynamodb_provisioning.h"
#include "wagate/backends/aws/sqs_provisioning.h"

namespace wagate::aws {

namespace {

std::unique_ptr<AwsJsonClient> Client(const std::string& endpoint, std::string service,
                                      std::string prefix, CredentialsProvider& credentials,
                                      net::HttpClientPool& http, Random& random) {
  AwsJsonClient::Options options;
  options.endpoint = endpoint;
  options.region = "us-east-1";
  options.service = std::move(service);
  options.target_prefix = std::move(prefix);
  options.max_attempts = 3;
  return std::make_unique<AwsJsonClient>(options, credentials, http, SystemClock::Instance(), random);
}

}  // namespace

EmulatorClients::EmulatorClients()
    : emulators_(testing::SharedAwsEmulators()),
      credentials_(MakeStaticCredentialsProvider({"AKIDWAGATETEST", "wagate-test-secret", "", {}})) {
  dynamodb_ = Client(emulators_.dynamodb_endpoint(), "dynamodb", "DynamoDB_20120810", *credentials_,
                     http_, random_);
  sqs_ = Client(emulators_.sqs_endpoint(), "sqs", "AmazonSQS", *credentials_, http_, random_);
}

std::map<std::string, std::string> ServeEnvironment(EmulatorClients& clients, const std::string& table,
                                                    const SqsQueueUrls& urls,
                                                    const std::string& secret_key) {
  using domain::QueueName;
  return {{"WAGATE_BACKEND", "aws"},
          {"AWS_REGION", "us-east-1"},
          {"AWS_ACCESS_KEY_ID", "AKIDWAGATETEST"},
          {"AWS_SECRET_ACCESS_KEY", secret_key},
          {"AWS_EC2_METADATA_DISABLED", "true"},
          {"AWS_ENDPOINT_URL_DYNAMODB", clients.emulators().dynamodb_endpoint()},
          {"AWS_ENDPOINT_URL_SQS", clients.emulators().sqs_endpoint()},
          {"DYNAMODB_TABLE_NAME", table},
          {"INCOMING_QUEUE_URL", urls.Of({QueueName::kIncoming, false})},
          {"INCOMING_DLQ_URL", urls.Of({QueueName::kIncoming, true})},
          {"OUTGOING_QUEUE_URL", urls.Of({QueueName::kOutgoing, false})},
          {"OUTGOING_DLQ_URL", urls.Of({QueueName::kOutgoing, true})},
          {"ANALYTICS_QUEUE_URL", urls.Of({QueueName::kAnalytics, false})},
          {"ANALYTICS_DLQ_URL", urls.Of({QueueName::kAnalytics, true})}};
}

SqsQueueUrls FreshQueues(AwsJsonClient& sqs, int max_receive_count) {
  QueueSettings settings;
  settings.prefix = testing::UniqueAwsPrefix();
  settings.max_receive_count = max_receive_count;
  settings.receive_wait_seconds = 0;
  StatusOr<SqsQueueUrls> urls = ProvisionQueues(sqs, settings);
  EXPECT_TRUE(urls.ok()) << urls.status().ToString();
  return urls.ok() ? *urls : SqsQueueUrls{};
}

std::string FreshTable(AwsJsonClient& dynamodb) {
  TableSettings settings;
  settings.name = testing::UniqueAwsPrefix() + "records";
  StatusOr<ProvisionedTable> table = ProvisionTable(dynamodb, settings);
  EXPECT_TRUE(table.ok()) << table.status().ToString();
  return settings.name;
}

ClockSyncedQueue::ClockSyncedQueue(std::unique_ptr<SqsQueue> queue, testing::AwsEmulators& emulators,
                                   const Clock& clock)
    : queue_(std::move(queue)), emulators_(emulators), clock_(clock) {}

void ClockSyncedQueue::Sync() {
  Status s = emulators_.SetClock(clock_.Now());
  EXPECT_TRUE(s.ok()) << s.ToString();
}

StatusOr<std::vector<std::string>> ClockSyncedQueue::Send(domain::QueueName queue,
                                                          std::vector<ports::OutgoingMessage> messages) {
  Sync();
  return queue_->Send(queue, std::move(messages));
}
StatusOr<std::vector<ports::ReceivedMessage>> ClockSyncedQueue::Receive(domain::QueueName queue, int max,
                                                                        Millis visibility, Millis wait) {
  Sync();
  return queue_->Receive(queue, max, visibility, wait);
}
Status ClockSyncedQueue::ChangeVisibility(domain::QueueName queue, const std::string& receipt,
                                          Millis visibility) {
  Sync();
  return queue_->ChangeVisibility(queue, receipt, visibility);
}
Status ClockSyncedQueue::Delete(domain::QueueName queue, const std::string& receipt) {
  Sync();
  return queue_->Delete(queue, receipt);
}
std::vector<Status> ClockSyncedQueue::DeleteMany(domain::QueueName queue,
                                                 const std::vector<std::string>& receipts) {
  Sync();
  return queue_->DeleteMany(queue, receipts);
}
Status ClockSyncedQueue::MoveToDeadLetter(domain::QueueName queue, const ports::ReceivedMessage& message,
                                          const ports::DeadLetterReason& why) {
  Sync();
  return queue_->MoveToDeadLetter(queue, message, why);
}
StatusOr<ports::QueueStats> ClockSyncedQueue::Stats(domain::QueueName queue) {
  Sync();
  return queue_->Stats(queue);
}
StatusOr<ports::RedriveResult> ClockSyncedQueue::Redrive(domain::QueueName source, int64_t max_messages,
                                                         double messages_per_second) {
  Sync();
  return queue_->Redrive(source, max_messages, messages_per_second);
}
StatusOr<int64_t> ClockSyncedQueue::Purge(ports::QueueRef queue) {
  Sync();
  return queue_->Purge(queue);
}

StatusOr<std::vector<ports::DeadLetter>> ClockSyncedQueue::ListDeadLetters(domain::QueueName source,
                                                                           int64_t max) {
  Sync();
  return queue_->ListDeadLetters(source, max);
}

StatusOr<ports::DeadLetter> ClockSyncedQueue::GetDeadLetter(domain::QueueName source,
                                                            const std::string& message_id) {
  Sync();
  return queue_->GetDeadLetter(source, message_id);
}

AwsTestBackend::AwsTestBackend(const testing::AdmitBackendOptions& options)
    : table_(FreshTable(clients_.dynamodb())), urls_(FreshQueues(clients_.sqs())) {
  queue_ = std::make_unique<ClockSyncedQueue>(
      std::make_unique<SqsQueue>(clients_.sqs(), SqsQueue::Options{urls_}, *options.clock),
      clients_.emulators(), *options.clock);
  DynamoDbWorkStore::Options store_options;
  store_options.table = table_;
  store_options.dedup_ttl = options.dedup_ttl;
  store_ = std::make_unique<DynamoDbWorkStore>(clients_.dynamodb(), *queue_, store_options, *options.clock);
  DynamoDbAdmitter::Options admit_options;
  admit_options.table = table_;
  admit_options.dedup_ttl = options.dedup_ttl;
  admitter_ = std::make_unique<DynamoDbAdmitter>(clients_.dynamodb(), queue_->inner(), *store_,
                                                 admit_options, *options.clock);
}

AwsTestBackend::~AwsTestBackend() {
  admitter_->Stop();
  (void)clients_.emulators().UseRealClock();
}

std::unique_ptr<testing::AdmitBackend> MakeAwsTestBackend(const testing::AdmitBackendOptions& o) {
  return std::make_unique<AwsTestBackend>(o);
}

AwsQueueTestBackend::AwsQueueTestBackend(const testing::QueueBackendOptions& options)
    : options_(options), urls_(FreshQueues(clients_.sqs(), options.max_receive_count)) {
  SqsQueue::Options queue_options{urls_};
  queue_options.sleep_for = options.sleep_for;
  queue_ = std::make_unique<ClockSyncedQueue>(
      std::make_unique<SqsQueue>(clients_.sqs(), queue_options, *options.clock), clients_.emulators(),
      *options.clock);
}

AwsQueueTestBackend::~AwsQueueTestBackend() { (void)clients_.emulators().UseRealClock(); }

std::unique_ptr<ports::Queue> AwsQueueTestBackend::OpenAnother() {
  return std::make_unique<ClockSyncedQueue>(
      std::make_unique<SqsQueue>(clients_.sqs(), SqsQueue::Options{urls_}, *options_.clock),
      clients_.emulators(), *options_.clock);
}

std::unique_ptr<testing::QueueBackend> MakeAwsQueueTestBackend(const testing::QueueBackendOptions& o) {
  return std::make_unique<AwsQueueTestBackend>(o);
}

}  // namespace wagate::aws
