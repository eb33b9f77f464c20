#include "wagate/app/pipeline.h"

#include <atomic>

#include "wagate/base/log.h"
#include "wagate/handlers/echo_handler.h"
#include "wagate/handlers/http_handler.h"
#include "wagate/processing/dry_run_sender.h"
#include "wagate/processing/processor.h"
#include "wagate/processing/sender.h"
#include "wagate/whatsapp/graph_client.h"

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
  return FailedPreconditionError("HANDLER=" + handler + " is not a handler; use echo, http or none");
}

bool DryRun(const config::Config& config) {
  return config.sender_dry_run || (config.development() && config.access_token.empty());
}

}  // namespace

// One processing half: its own connections, and the consumer that drains its queue.
struct Half {
  PipelineStorage storage;
  std::unique_ptr<ports::Handler> handler;     // processors and the dry-run sender
  std::unique_ptr<ports::GraphApi> graph;      // the real sender
  std::unique_ptr<processing::QueueConsumer> consumer;
};

struct Pipeline::Parts {
  bool processors_configured = false;  // WORKERS > 0
  SystemRandom random;
  Half processors;
  Half senders;
  std::atomic<bool> running{false};
};

namespace {

// Only the real sender needs durable storage (SENDING must be stored before the Graph API
// call); the processors' and the dry-run sender's writes may be relaxed (on sqlite they rely on
// the next durable commit on the file, see sqlite/database.h).
Status OpenHalf(Half& half, const OpenPipelineStorage& open_storage, bool durable) {
  StatusOr<PipelineStorage> storage = open_storage(durable);
  if (!storage.ok()) return storage.status();
  half.storage = std::move(*storage);
  return Status::Ok();
}

processing::ProcessorOptions ProcessorOptionsFor(const config::Config& config,
                                                 const std::string& worker_id,
                                                 ports::EventSink* events,
                                                 ports::Metrics* metrics) {
  processing::ProcessorOptions options;
  options.events = events;
  options.metrics = metrics;
  options.worker_id = worker_id;
  options.lease = std::chrono::seconds(config.lease_seconds);
  options.wait = std::chrono::seconds(config.sqs_wait_time_seconds);
  options.max_receive_count = config.sqs_max_receive_count;
  options.backoff.cap = std::chrono::seconds(config.retry_max_delay_seconds);
  options.reply_max_age = std::chrono::seconds(config.reply_max_age_seconds);
  options.shutdown_grace = std::chrono::seconds(config.shutdown_grace_seconds);
  return options;
}

Status BuildSenders(Half& half, const config::Config& config, const std::string& worker_id,
                    const Clock& clock, Random& random, ports::EventSink* events,
                    ports::Metrics* metrics) {
  processing::ProcessorOptions base = ProcessorOptionsFor(config, worker_id, events, metrics);
  if (DryRun(config)) {
    base.workers = config.senders;
    base.queue = domain::QueueName::kOutgoing;
    base.thread_name = "sender";
    half.handler = std::make_unique<processing::DryRunSender>();
    half.consumer = std::make_unique<processing::Processor>(*half.storage.queue, *half.storage.store, *half.handler,
                                                            clock, random, base);
    return Status::Ok();
  }
  half.graph = std::make_unique<whatsapp::GraphClient>(whatsapp::GraphClient::Options{
      config.api_base_url, config.api_version, config.access_token,
      std::chrono::seconds(config.handler_timeout_seconds)});
  processing::SenderOptions options;
  options.worker_id = worker_id;
  options.senders = config.senders;
  options.lease = base.lease;
  options.wait = base.wait;
  options.max_receive_count = base.max_receive_count;
  options.backoff = base.backoff;
  options.shutdown_grace = base.shutdown_grace;
  options.events = events;
  options.metrics = metrics;
  options.throttle_max = std::chrono::seconds(config.send_throttle_max_seconds);
  options.uncertain_resend_after = std::chrono::seconds(config.uncertain_resend_after_seconds);
  options.pacing.rate_per_number = config.send_rate_per_number / std::max(1, config.sender_instances);
  half.consumer = std::make_unique<processing::Sender>(*half.storage.queue, *half.storage.store, *half.graph, clock,
                                                       random, options);
  return Status::Ok();
}

}  // namespace

StatusOr<std::unique_ptr<Pipeline>> Pipeline::Create(const config::Config& config,
                                                     const OpenPipelineStorage& open_storage,
                                                     const std::string& worker_id,
                                                     const Clock& clock, ports::EventSink* events,
                                                     ports::Metrics* metrics) {
  auto parts = std::make_unique<Parts>();
  parts->processors_configured = config.workers > 0;

  Half& processors = parts->processors;
  StatusOr<std::unique_ptr<ports::Handler>> handler = MakeHandler(config);
  if (!handler.ok()) return handler.status();
  processors.handler = std::move(*handler);
  WAGATE_RETURN_IF_ERROR(OpenHalf(processors, open_storage, /*durable=*/false));
  processing::ProcessorOptions options = ProcessorOptionsFor(config, worker_id, events, metrics);
  options.workers = config.workers;
  processors.consumer = std::make_unique<processing::Processor>(
      *processors.storage.queue, *processors.storage.store, *processors.handler, clock, parts->random, options);

  WAGATE_RETURN_IF_ERROR(OpenHalf(parts->senders, open_storage, /*durable=*/!DryRun(config)));
  WAGATE_RETURN_IF_ERROR(
      BuildSenders(parts->senders, config, worker_id, clock, parts->random, events, metrics));
  return std::unique_ptr<Pipeline>(new Pipeline(std::move(parts)));
}

Pipeline::Pipeline(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

Pipeline::~Pipeline() { Stop(); }

void Pipeline::Start() {
  parts_->processors.consumer->Start();
  parts_->senders.consumer->Start();
  parts_->running.store(parts_->processors_configured);
}

void Pipeline::Stop() {
  parts_->running.store(false);
  parts_->processors.consumer->Stop();
  parts_->senders.consumer->Stop();
}

PipelineView Pipeline::View() const {
  const processing::ProcessorCounters& c = parts_->processors.consumer->counters();
  return PipelineView{parts_->running.load(), c.processed.load(), c.errors.load()};
}

std::vector<std::string> Pipeline::PausedNumbers() const {
  auto* sender = dynamic_cast<processing::Sender*>(parts_->senders.consumer.get());
  return sender != nullptr ? sender->pacer().PausedNumbers() : std::vector<std::string>{};
}

}  // namespace wagate::app
