#include "wagate/app/pipeline.h"

#include <atomic>

#include "wagate/app/backend_options.h"
#include "wagate/base/log.h"
#include "wagate/handlers/echo_handler.h"
#include "wagate/handlers/http_handler.h"
#include "wagate/processing/dry_run_sender.h"
#include "wagate/processing/processor.h"

namespace wagate::app {

namespace {

StatusOr<std::unique_ptr<ports::Handler>> MakeHandler(const config::Config& config) {
  std::string handler = config.EffectiveHandler();
  if (handler == "echo") return std::unique_ptr<ports::Handler>(new handlers::EchoHandler());
  if (handler == "none") return std::unique_ptr<ports::Handler>(new handlers::NoneHandler());
  if (handler == "http") {
    return std::unique_ptr<ports::Handler>(
        new handlers::HttpHandler({config.handler_url, config.handler_secret,
                                   std::chrono::seconds(config.handler_timeout_seconds)}));
  }
  return FailedPreconditionError("HANDLER=" + handler + " is not available in this build; use echo or none");
}

StatusOr<std::unique_ptr<ports::Handler>> MakeSender(const config::Config& config) {
  bool dry_run = config.sender_dry_run || (config.development() && config.access_token.empty());
  if (dry_run) return std::unique_ptr<ports::Handler>(new processing::DryRunSender());
  return FailedPreconditionError(
      "sending through the Graph API is not available in this build; set SENDER_DRY_RUN=true");
}

}  // namespace

// One processing half: its own connections, handler and processor.
struct Half {
  std::unique_ptr<sqlite::SqliteQueue> queue;
  std::unique_ptr<sqlite::SqliteWorkStore> store;
  std::unique_ptr<ports::Handler> handler;
  std::unique_ptr<processing::Processor> processor;
};

struct Pipeline::Parts {
  bool processors_configured = false;  // WORKERS > 0
  SystemRandom random;
  Half processors;
  Half senders;
  std::atomic<bool> running{false};
};

namespace {

Status BuildHalf(Half& half, std::unique_ptr<ports::Handler> handler, const config::Config& config,
                 const std::string& db_path, const Clock& clock, Random& random,
                 processing::ProcessorOptions options) {
  StatusOr<std::unique_ptr<sqlite::Database>> queue_db = sqlite::Database::Open(db_path);
  if (!queue_db.ok()) return queue_db.status();
  StatusOr<std::unique_ptr<sqlite::Database>> store_db = sqlite::Database::Open(db_path);
  if (!store_db.ok()) return store_db.status();
  half.queue = std::make_unique<sqlite::SqliteQueue>(std::move(*queue_db), QueueOptions(config), clock);
  StatusOr<std::unique_ptr<sqlite::SqliteWorkStore>> store =
      sqlite::SqliteWorkStore::Create(std::move(*store_db), StoreOptions(config), clock);
  if (!store.ok()) return store.status();
  half.store = std::move(*store);
  half.handler = std::move(handler);
  options.lease = std::chrono::seconds(config.lease_seconds);
  options.wait = std::chrono::seconds(config.sqs_wait_time_seconds);
  options.max_receive_count = config.sqs_max_receive_count;
  options.backoff.cap = std::chrono::seconds(config.retry_max_delay_seconds);
  options.reply_max_age = std::chrono::seconds(config.reply_max_age_seconds);
  half.processor = std::make_unique<processing::Processor>(*half.queue, *half.store, *half.handler,
                                                           clock, random, options);
  return Status::Ok();
}

}  // namespace

StatusOr<std::unique_ptr<Pipeline>> Pipeline::Create(const config::Config& config,
                                                     const std::string& db_path,
                                                     const std::string& worker_id,
                                                     const Clock& clock) {
  StatusOr<std::unique_ptr<ports::Handler>> handler = MakeHandler(config);
  if (!handler.ok()) return handler.status();
  StatusOr<std::unique_ptr<ports::Handler>> sender = MakeSender(config);
  if (!sender.ok()) return sender.status();
  auto parts = std::make_unique<Parts>();
  parts->processors_configured = config.workers > 0;

  processing::ProcessorOptions processor_options;
  processor_options.worker_id = worker_id;
  processor_options.workers = config.workers;
  processor_options.queue = domain::QueueName::kIncoming;
  processor_options.thread_name = "processor";
  WAGATE_RETURN_IF_ERROR(BuildHalf(parts->processors, std::move(*handler), config, db_path, clock,
                                   parts->random, processor_options));

  processing::ProcessorOptions sender_options = processor_options;
  sender_options.workers = config.senders;
  sender_options.queue = domain::QueueName::kOutgoing;
  sender_options.thread_name = "sender";
  WAGATE_RETURN_IF_ERROR(BuildHalf(parts->senders, std::move(*sender), config, db_path, clock,
                                   parts->random, sender_options));
  return std::unique_ptr<Pipeline>(new Pipeline(std::move(parts)));
}

Pipeline::Pipeline(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

Pipeline::~Pipeline() { Stop(); }

void Pipeline::Start() {
  parts_->processors.processor->Start();
  parts_->senders.processor->Start();
  parts_->running.store(parts_->processors_configured);
}

void Pipeline::Stop() {
  parts_->running.store(false);
  parts_->processors.processor->Stop();
  parts_->senders.processor->Stop();
}

PipelineView Pipeline::View() const {
  const processing::ProcessorCounters& c = parts_->processors.processor->counters();
  return PipelineView{parts_->running.load(), c.processed.load(), c.errors.load()};
}

}  // namespace wagate::app
