// The aws backend on the local emulators (dynalite, fauxqs), for the contract suites and the aws
// tests: a fresh table and six fresh queues per backend, named with a unique prefix.
//
// The emulators' clock follows the test's FakeClock: every queue call first sets it to the fake
// now (ClockSyncedQueue), so SQS visibility and delays are driven by the test as on sqlite. The
// clock returns to real time when the backend is destroyed.
//
// Thread safety: test code; the backends' parts are as thread-safe as in production.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "wagate/backends/aws/aws_json_client.h"
#include "wagate/backends/aws/dynamodb_admitter.h"
#include "wagate/backends/aws/dynamodb_work_store.h"
#include "wagate/backends/aws/sqs_queue.h"
#include "wagate/net/http_client_pool.h"
#include "wagate/testing/aws_emulators.h"
#include "wagate/testing/contract/admit_contract.h"
#include "wagate/testing/contract/queue_contract.h"

namespace wagate::aws {

// Clients of the shared emulators, with fixed test credentials.
class EmulatorClients {
 public:
  EmulatorClients();
  AwsJsonClient& dynamodb() { return *dynamodb_; }
  AwsJsonClient& sqs() { return *sqs_; }
  testing::AwsEmulators& emulators() { return emulators_; }

 private:
  testing::AwsEmulators& emulators_;
  std::unique_ptr<CredentialsProvider> credentials_;
  net::HttpClientPool http_{net::HttpClientPool::Options{.client = {.observe_writes = false}}};
  SystemRandom random_;
  std::unique_ptr<AwsJsonClient> dynamodb_;
  std::unique_ptr<AwsJsonClient> sqs_;
};

// The environment of a `wagate serve` on `table` and `urls` at the emulators of `clients`, with
// test credentials (`secret_key` is the AWS secret, for tests that look for it in logs).
std::map<std::string, std::string> ServeEnvironment(EmulatorClients& clients, const std::string& table,
                                                    const SqsQueueUrls& urls,
                                                    const std::string& secret_key);

// Six fresh queues; Fails the test when they cannot be made.
SqsQueueUrls FreshQueues(AwsJsonClient& sqs, int max_receive_count = 3);
// A fresh table; its name.
std::string FreshTable(AwsJsonClient& dynamodb);

// Sets the emulators' clock to `clock`'s now before each call, then forwards it.
class ClockSyncedQueue final : public ports::Queue,
                               public ports::QueueStatsSource,
                               public ports::QueueAdmin {
 public:
  ClockSyncedQueue(std::unique_ptr<SqsQueue> queue, testing::AwsEmulators& emulators,
                   const Clock& clock);
  SqsQueue& inner() { return *queue_; }

  StatusOr<std::vector<std::string>> Send(domain::QueueName queue,
                                          std::vector<ports::OutgoingMessage> messages) override;
  StatusOr<std::vector<ports::ReceivedMessage>> Receive(domain::QueueName queue, int max,
                                                        Millis visibility, Millis wait) override;
  Status ChangeVisibility(domain::QueueName queue, const std::string& receipt,
                          Millis visibility) override;
  Status Delete(domain::QueueName queue, const std::string& receipt) override;
  std::vector<Status> DeleteMany(domain::QueueName queue,
                                 const std::vector<std::string>& receipts) override;
  Status MoveToDeadLetter(domain::QueueName queue, const ports::ReceivedMessage& message,
                          const ports::DeadLetterReason& why) override;
  StatusOr<ports::QueueStats> Stats(domain::QueueName queue) override;
  StatusOr<ports::RedriveResult> Redrive(domain::QueueName source, int64_t max_messages,
                                         double messages_per_second) override;
  StatusOr<int64_t> Purge(ports::QueueRef queue) override;
  StatusOr<std::vector<ports::DeadLetter>> ListDeadLetters(domain::QueueName source,
                                                           int64_t max) override;
  StatusOr<ports::DeadLetter> GetDeadLetter(domain::QueueName source,
                                            const std::string& message_id) override;

 private:
  void Sync();
  std::unique_ptr<SqsQueue> queue_;
  testing::AwsEmulators& emulators_;
  const Clock& clock_;
};

class AwsTestBackend final : public testing::AdmitBackend {
 public:
  explicit AwsTestBackend(const testing::AdmitBackendOptions& options);
  ~AwsTestBackend() override;

  ports::Admitter& admitter() override { return *admitter_; }
  ports::WorkStore& store() override { return *store_; }
  ports::QueueStatsSource& queues() override { return *queue_; }
  bool single_queue_entry() const override { return false; }

  EmulatorClients& clients() { return clients_; }
  const std::string& table() const { return table_; }
  const SqsQueueUrls& urls() const { return urls_; }

 private:
  EmulatorClients clients_;
  std::string table_;
  SqsQueueUrls urls_;
  std::unique_ptr<ClockSyncedQueue> queue_;
  std::unique_ptr<DynamoDbWorkStore> store_;
  std::unique_ptr<DynamoDbAdmitter> admitter_;
};

std::unique_ptr<testing::AdmitBackend> MakeAwsTestBackend(const testing::AdmitBackendOptions& o);

class AwsQueueTestBackend final : public testing::QueueBackend {
 public:
  explicit AwsQueueTestBackend(const testing::QueueBackendOptions& options);
  ~AwsQueueTestBackend() override;
  ports::Queue& queue() override { return *queue_; }
  ports::QueueStatsSource& stats() override { return *queue_; }
  ports::QueueAdmin& admin() override { return *queue_; }
  std::unique_ptr<ports::Queue> OpenAnother() override;
  bool stale_receipts_fail_deletes() const override { return false; }

 private:
  EmulatorClients clients_;
  testing::QueueBackendOptions options_;
  SqsQueueUrls urls_;
  std::unique_ptr<ClockSyncedQueue> queue_;
};

std::unique_ptr<testing::QueueBackend> MakeAwsQueueTestBackend(const testing::QueueBackendOptions& o);

}  // namespace wagate::aws
