#include "wagate/app/operator_queues.h"

#include <filesystem>
#include <thread>

#include "wagate/app/aws_clients.h"
#include "wagate/app/backend_options.h"
#include "wagate/backends/aws/sqs_queue.h"
#include "wagate/backends/sqlite/schema.h"
#include "wagate/backends/sqlite/sqlite_queue.h"

namespace wagate::app {

namespace {

void Sleep(Millis d) { std::this_thread::sleep_for(d); }

class SqliteOperatorQueues final : public OperatorQueues {
 public:
  explicit SqliteOperatorQueues(std::unique_ptr<sqlite::SqliteQueue> queue)
      : queue_(std::move(queue)) {}
  ports::QueueAdmin& admin() override { return *queue_; }
  ports::QueueStatsSource& stats() override { return *queue_; }

 private:
  std::unique_ptr<sqlite::SqliteQueue> queue_;
};

class AwsOperatorQueues final : public OperatorQueues {
 public:
  explicit AwsOperatorQueues(const config::Config& config)
      : clients_(config),
        queue_(clients_.sqs(), {.urls = AwsClients::QueueUrls(config), .sleep_for = Sleep},
               SystemClock::Instance()) {}
  ports::QueueAdmin& admin() override { return queue_; }
  ports::QueueStatsSource& stats() override { return queue_; }

 private:
  AwsClients clients_;
  aws::SqsQueue queue_;
};

}  // namespace

StatusOr<std::unique_ptr<OperatorQueues>> OpenOperatorQueues(const config::Config& config) {
  if (config.backend == config::Backend::kAws) {
    return std::unique_ptr<OperatorQueues>(std::make_unique<AwsOperatorQueues>(config));
  }
  const std::string path = sqlite::DatabasePath(config.data_dir);
  if (!std::filesystem::exists(path)) {
    return NotFoundError("no database at " + path +
                         " (WAGATE_DATA_DIR); run `wagate provision` first");
  }
  StatusOr<std::unique_ptr<sqlite::Database>> db = OpenMigratedDatabase(config);
  if (!db.ok()) return db.status();
  sqlite::SqliteQueue::Options options = QueueOptions(config);
  options.sleep_for = Sleep;
  return std::unique_ptr<OperatorQueues>(
      std::make_unique<SqliteOperatorQueues>(std::make_unique<sqlite::SqliteQueue>(
          std::move(*db), std::move(options), SystemClock::Instance())));
}

}  // namespace wagate::app
