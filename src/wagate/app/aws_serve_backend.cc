// The aws backend of `wagate serve`: the DynamoDB table and the six SQS queues of the
// configuration, through one set of keep-alive clients.
#include "wagate/app/aws_clients.h"
#include "wagate/app/serve_backend.h"
#include "wagate/backends/aws/dynamodb_admitter.h"
#include "wagate/backends/aws/dynamodb_work_store.h"
#include "wagate/backends/aws/dynamodb_worker_registry.h"
#include "wagate/backends/aws/sqs_queue.h"

namespace wagate::app {

namespace {

class AwsServeBackend final : public ServeBackend {
 public:
  AwsServeBackend(const config::Config& config, const Clock& clock)
      : config_(config), clock_(clock), clients_(config) {
    queue_ = MakeQueue();
    store_ = MakeStore(*queue_);
    aws::DynamoDbAdmitter::Options admit;
    admit.table = config.dynamodb_table_name;
    admit.dedup_ttl = std::chrono::seconds(config.dedup_ttl_seconds);
    admit.pending_grace = std::chrono::seconds(config.pending_grace_seconds);
    admitter_ = std::make_unique<aws::DynamoDbAdmitter>(clients_.dynamodb(), *queue_, *store_, admit, clock);
    workers_ = std::make_unique<aws::DynamoDbWorkerRegistry>(clients_.dynamodb(),
                                                             config.dynamodb_table_name, clock);
  }

  ports::Admitter& admitter() override { return *admitter_; }
  ports::WorkStore& store() override { return *store_; }
  ports::QueueStatsSource& queue_stats() override { return *queue_; }
  ports::Queue& events_queue() override { return *queue_; }
  ports::WorkerRegistry& workers() override { return *workers_; }
  ports::QueueAdmin& queue_admin() override { return *queue_; }

  StatusOr<PipelineStorage> OpenPipelineStorage(bool durable) override {
    // Every DynamoDB and SQS write is durable when it is answered.
    auto queue = MakeQueue();
    PipelineStorage storage;
    storage.store = MakeStore(*queue);
    storage.queue = std::move(queue);
    return storage;
  }

  StatusOr<std::unique_ptr<ports::Queue>> OpenQueue() override {
    return std::unique_ptr<ports::Queue>(MakeQueue());
  }

  std::string store_component() const override { return "dynamodb"; }
  std::string queue_component() const override { return "sqs"; }
  std::pair<std::string, std::string> Describe() const override {
    return {"table", config_.dynamodb_table_name};
  }

  void StartHousekeeping() override {}  // DynamoDB TTL and SQS retention
  void Stop() override { admitter_->Stop(); }

 private:
  std::unique_ptr<aws::SqsQueue> MakeQueue() {
    aws::SqsQueue::Options options;
    options.urls = AwsClients::QueueUrls(config_);
    return std::make_unique<aws::SqsQueue>(clients_.sqs(), options, clock_);
  }
  // The store enqueues replies on `outgoing`, which must outlive it.
  std::unique_ptr<aws::DynamoDbWorkStore> MakeStore(ports::Queue& outgoing) {
    aws::DynamoDbWorkStore::Options options;
    options.table = config_.dynamodb_table_name;
    options.dedup_ttl = std::chrono::seconds(config_.dedup_ttl_seconds);
    options.dead_ttl = std::chrono::seconds(2 * config_.sqs_message_retention_seconds);
    options.uncertain_resend_after = std::chrono::seconds(config_.uncertain_resend_after_seconds);
    return std::make_unique<aws::DynamoDbWorkStore>(clients_.dynamodb(), outgoing, options, clock_);
  }

  const config::Config& config_;
  const Clock& clock_;
  AwsClients clients_;
  std::unique_ptr<aws::SqsQueue> queue_;
  std::unique_ptr<aws::DynamoDbWorkStore> store_;
  std::unique_ptr<aws::DynamoDbAdmitter> admitter_;
  std::unique_ptr<aws::DynamoDbWorkerRegistry> workers_;
};

}  // namespace

StatusOr<std::unique_ptr<ServeBackend>> OpenAwsServeBackend(const config::Config& config,
                                                            const Clock& clock) {
  return std::unique_ptr<ServeBackend>(new AwsServeBackend(config, clock));
}

}  // namespace wagate::app
